// Pure: the PromQL over the app's HTTP metrics, written once. The PrometheusRule's recording and
// alerting rules and `npm run analyze` both build their queries here, so an analysis cannot read
// a different metric, label or formula than the alerts that page for the same release.
/** The request metrics' names and the label carrying the HTTP status. */
export interface HttpMetricNames {
    readonly httpRequests: string;
    readonly httpDurationBucket: string;
    readonly httpStatusLabel: string;
}

export interface HttpQueries {
    /** Requests per second by `by` over `window`. */
    requestRate(by: string, window: string): string;
    /** 5xx ratio by `by`; a colour with requests but no 5xx series yet counts as 0, not absent. */
    errorRatio(by: string, window: string): string;
    /** The q-quantile of request durations by `by` over `window`. */
    quantile(q: number, by: string, window: string): string;
}

/** Queries over the series matching `selector` (label matchers without braces). */
export function httpQueries(metrics: HttpMetricNames, selector: string): HttpQueries {
    const m = metrics;
    const errors = `${m.httpStatusLabel}=~"5.."`;
    const rate = (by: string, window: string) =>
        `sum by (${by}) (rate(${m.httpRequests}{${selector}}[${window}]))`;
    return {
        requestRate: rate,
        errorRatio: (by, window) =>
            `(sum by (${by}) (rate(${m.httpRequests}{${selector},${errors}}[${window}])) ` +
            `or 0 * ${rate(by, window)}) / ${rate(by, window)}`,
        quantile: (q, by, window) =>
            `histogram_quantile(${q}, sum by (${by}, le) (rate(${m.httpDurationBucket}{${selector}}[${window}])))`,
    };
}

/**
 * Matcher for the series of one or more jobs (workload names are DNS labels: no regex specials
 * but "-", which is literal outside brackets).
 */
export const jobMatcher = (jobs: string | readonly string[]) => {
    const list = typeof jobs === "string" ? [jobs] : [...new Set(jobs)];
    return list.length === 1 ? `job="${list[0]}"` : `job=~"${list.join("|")}"`;
};

/** Label matchers for the request series of the app's jobs, optionally one colour's. */
export const appSelector = (jobs: string | readonly string[], namespace: string, color?: string) =>
    `${jobMatcher(jobs)},namespace="${namespace}"${color ? `,color="${color}"` : ""}`;

/** Names of the per-colour recording rules (AL-13) over `window`. */
export const colorRecords = (window: string) => ({
    rate: `namespace_job_color:http_requests:rate${window}`,
    errors: `namespace_job_color:http_requests_errors:ratio_rate${window}`,
    p95: `namespace_job_color:http_request_duration_seconds:p95_rate${window}`,
});

/** Labels every per-colour series is summed by. */
export const BY_COLOR = "namespace, job, color";
