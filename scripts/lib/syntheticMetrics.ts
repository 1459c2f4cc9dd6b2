// Deterministic series in the app's metric names (request counters by colour and status, duration
// histograms, ALERTS) as OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`.
// Tests and the bench describe a canary's behaviour over time; this writes what Prometheus would
// have scraped.

/** What one colour serves at a moment. */
export interface ColorLoad {
    /** Requests per second. */
    readonly rps: number;
    /** Share of requests answered 5xx. */
    readonly errorRatio: number;
    /** Latency profile: "fast" (p95 ≈ 97 ms, p99 ≈ 220 ms) or "slow" (p95 ≈ 1 s). */
    readonly latency: "fast" | "slow";
}

export interface AppSeries {
    readonly job: string;
    readonly namespace: string;
    /** Per colour, the load at `t` seconds after the start; undefined means no series at all. */
    readonly colors: Record<string, (t: number) => ColorLoad | undefined>;
    /** Alerts in ALERTS{alertstate="firing"} from `from` seconds after the start. */
    readonly alerts?: readonly { name: string; severity: string; from: number }[];
}

/** Any other series: its value at `t` seconds after the start, undefined for no sample. */
export interface Gauge {
    readonly name: string;
    readonly labels: Record<string, string>;
    readonly at: (t: number) => number | undefined;
}

export const BUCKETS = ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"] as const;
const PROFILES: Record<ColorLoad["latency"], number[]> = {
    fast: [0.6, 0.97, 0.995, 1, 1, 1, 1],
    slow: [0.05, 0.2, 0.5, 0.8, 0.95, 1, 1],
};

export interface Names {
    readonly httpRequests: string;
    readonly httpStatusLabel: string;
    readonly httpDurationBucket: string;
}

const DEFAULT_NAMES: Names = {
    httpRequests: "http_requests_total",
    httpStatusLabel: "status",
    httpDurationBucket: "http_request_duration_seconds_bucket",
};

/**
 * OpenMetrics text for the apps from `start` to `end` (Unix seconds) every `step` seconds.
 * Series carry no TYPE line, so each keeps exactly the name the rules query.
 */
export function openMetrics(
    apps: readonly AppSeries[],
    range: { start: number; end: number; step: number },
    gauges: readonly Gauge[] = [],
    names: Names = DEFAULT_NAMES,
): string {
    const lines: string[] = [];
    const times: number[] = [];
    for (let t = range.start; t <= range.end; t += range.step) times.push(t);
    const labels = (l: Record<string, string>) =>
        `{${Object.entries(l)
            .map(([k, v]) => `${k}="${v}"`)
            .join(",")}}`;
    const series = new Map<string, string[]>();
    const add = (name: string, l: Record<string, string>, t: number, v: number) => {
        const key = `${name}${labels(l)}`;
        const list = series.get(key) ?? [];
        list.push(`${key} ${+v.toFixed(6)} ${t}`);
        series.set(key, list);
    };
    for (const app of apps) {
        for (const [color, loadAt] of Object.entries(app.colors)) {
            const base = { job: app.job, namespace: app.namespace, color };
            let ok = 0;
            let failed = 0;
            const buckets = BUCKETS.map(() => 0);
            for (const t of times) {
                const load = loadAt(t - range.start);
                if (!load) continue;
                const n = load.rps * range.step;
                failed += n * load.errorRatio;
                ok += n * (1 - load.errorRatio);
                PROFILES[load.latency].forEach((share, i) => (buckets[i] += n * share));
                add(names.httpRequests, { ...base, [names.httpStatusLabel]: "200" }, t, ok);
                add(names.httpRequests, { ...base, [names.httpStatusLabel]: "500" }, t, failed);
                BUCKETS.forEach((le, i) =>
                    add(names.httpDurationBucket, { ...base, le }, t, buckets[i]),
                );
            }
        }
        for (const a of app.alerts ?? []) {
            const l = {
                alertname: a.name,
                alertstate: "firing",
                severity: a.severity,
                job: app.job,
                namespace: app.namespace,
            };
            for (const t of times) if (t - range.start >= a.from) add("ALERTS", l, t, 1);
        }
    }
    for (const g of gauges) {
        for (const t of times) {
            const v = g.at(t - range.start);
            if (v !== undefined) add(g.name, g.labels, t, v);
        }
    }
    for (const list of series.values()) lines.push(...list);
    lines.push("# EOF", "");
    return lines.join("\n");
}
