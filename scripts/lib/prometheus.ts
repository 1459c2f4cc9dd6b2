// A minimal client for Prometheus' HTTP API (instant queries). Anything but a clean answer is a
// PrometheusError: an analysis must never mistake an unreachable or failing server for "healthy".

export class PrometheusError extends Error {}

export interface Sample {
    labels: Record<string, string>;
    value: number;
}

export interface PrometheusClient {
    readonly url: string;
    /** Evaluates `expr` at `time` (default now) and returns the instant vector. */
    query(expr: string, time?: Date): Promise<Sample[]>;
}

/** A client for the server at `url`; each request gives up after `timeoutMs`. */
export function prometheusClient(url: string, timeoutMs = 10_000): PrometheusClient {
    const base = url.replace(/\/+$/, "");
    return {
        url: base,
        async query(expr, time) {
            const body = new URLSearchParams({ query: expr });
            if (time) body.set("time", (time.getTime() / 1000).toFixed(3));
            let res: Response;
            try {
                res = await fetch(`${base}/api/v1/query`, {
                    method: "POST",
                    body,
                    signal: AbortSignal.timeout(timeoutMs),
                });
            } catch (e) {
                const cause = (e as { cause?: { code?: string; message?: string } }).cause;
                const why = cause?.code ?? cause?.message ?? (e as Error).message;
                throw new PrometheusError(`Prometheus at ${base} is unreachable (${why})`);
            }
            const text = await res.text();
            let json: {
                status?: string;
                error?: string;
                data?: { resultType?: string; result?: unknown[] };
            };
            try {
                json = JSON.parse(text);
            } catch {
                throw new PrometheusError(
                    `Prometheus at ${base} answered HTTP ${res.status} with a body that is not its API's JSON: ${text.slice(0, 120)}`,
                );
            }
            if (!res.ok || json.status !== "success") {
                throw new PrometheusError(
                    `Prometheus at ${base} refused the query (HTTP ${res.status}: ${json.error ?? "no error given"}): ${expr}`,
                );
            }
            const data = json.data ?? {};
            if (data.resultType === "scalar") {
                const [, v] = data.result as unknown as [number, string];
                return [{ labels: {}, value: Number(v) }];
            }
            if (data.resultType !== "vector") {
                throw new PrometheusError(
                    `Prometheus at ${base} answered a ${data.resultType} where an instant vector was expected: ${expr}`,
                );
            }
            return (
                data.result as { metric: Record<string, string>; value: [number, string] }[]
            ).map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
        },
    };
}
