// The release's notification webhook: each step, rollback, hold and promotion as one JSON POST.
// `text` makes it readable as-is by Slack-style incoming webhooks; the other fields are for machines.
import type { ReleaseNotice } from "./release";

/** A notifier posting to `url`; a non-2xx answer or a timeout is an error the loop logs. */
export function webhookNotifier(url: string, timeoutMs = 5000) {
    return async (notice: ReleaseNotice): Promise<void> => {
        const res = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ text: `[${notice.stack}] ${notice.message}`, ...notice }),
            signal: AbortSignal.timeout(timeoutMs),
        });
        if (!res.ok) throw new Error(`the webhook answered HTTP ${res.status}`);
    };
}
