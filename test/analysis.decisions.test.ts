// The canary analysis decisions, without Prometheus: the PromQL each check sends, every verdict at
// its boundary, the outcome rules and the table. (test/release.test.ts runs them against a real
// server; these pin the decisions one by one.)
import * as assert from "assert";
import { monitoringSchema } from "../config/monitoring";
import {
    analysisChecks,
    firingCriticalQuery,
    formatTable,
    judgeCheck,
    outcomeOf,
    type AnalysisInput,
    type Check,
    type CheckResult,
} from "../decisions/analysis";
import { appSelector, colorRecords, httpQueries, jobMatcher } from "../decisions/httpQueries";

const monitoring = (over: Record<string, unknown> = {}) =>
    monitoringSchema.parse({
        team: "platform",
        runbookBaseUrl: "https://runbooks.example.com/",
        ...over,
    })!;
const input = (over: Partial<AnalysisInput> = {}): AnalysisInput => ({
    appName: "api",
    namespace: "nv",
    monitoring: monitoring(),
    stable: "blue",
    canary: "green",
    window: "5m",
    ...over,
});
const checkNamed = (name: string, checks = analysisChecks(input())) => {
    const c = checks.find((x) => x.name === name);
    assert.ok(c, `no check ${name}`);
    return c;
};

describe("http queries", () => {
    const q = httpQueries(
        { httpRequests: "reqs", httpDurationBucket: "dur_bucket", httpStatusLabel: "code" },
        'job="api"',
    );

    it("request rate, error ratio (0 when there are no 5xx series yet) and quantile", () => {
        assert.strictEqual(
            q.requestRate("color", "1m"),
            'sum by (color) (rate(reqs{job="api"}[1m]))',
        );
        assert.strictEqual(
            q.errorRatio("color", "1m"),
            '(sum by (color) (rate(reqs{job="api",code=~"5.."}[1m])) or 0 * sum by (color) (rate(reqs{job="api"}[1m]))) / sum by (color) (rate(reqs{job="api"}[1m]))',
        );
        assert.strictEqual(
            q.quantile(0.99, "color", "1m"),
            'histogram_quantile(0.99, sum by (color, le) (rate(dur_bucket{job="api"}[1m])))',
        );
    });

    it("matches one job exactly and several (deduplicated) by regex", () => {
        assert.strictEqual(jobMatcher("api"), 'job="api"');
        assert.strictEqual(jobMatcher(["api"]), 'job="api"');
        assert.strictEqual(jobMatcher(["api", "web", "api"]), 'job=~"api|web"');
        assert.strictEqual(appSelector("api", "nv"), 'job="api",namespace="nv"');
        assert.strictEqual(
            appSelector(["a", "b"], "nv", "green"),
            'job=~"a|b",namespace="nv",color="green"',
        );
    });

    it("names the per-colour recording rules by window", () => {
        assert.deepStrictEqual(colorRecords("5m"), {
            rate: "namespace_job_color:http_requests:rate5m",
            errors: "namespace_job_color:http_requests_errors:ratio_rate5m",
            p95: "namespace_job_color:http_request_duration_seconds:p95_rate5m",
        });
    });
});

describe("analysis checks", () => {
    it("lists traffic, errors, each configured latency quantile and firing alerts, in table order", () => {
        const checks = analysisChecks(input());
        assert.deepStrictEqual(
            checks.map((c) => [c.name, c.kind, c.threshold]),
            [
                ["traffic", "traffic", "≥ 0.2/s"],
                ["error ratio", "metric", "≤ 0.1%"],
                ["error ratio vs stable", "metric", "≤ 2× stable or ≤ 0.5%"],
                ["p95 latency", "metric", "≤ 300ms"],
                ["p95 latency vs stable", "metric", "≤ 1.5× stable or ≤ 200ms"],
                ["p99 latency", "metric", "≤ 1s"],
                ["p99 latency vs stable", "metric", "≤ 1.5× stable or ≤ 200ms"],
                ["critical alerts firing", "alerts", "= 0"],
            ],
        );
    });

    it("queries each colour with the app's jobs, namespace and window", () => {
        const c = checkNamed(
            "traffic",
            analysisChecks(input({ jobs: ["api", "web"], window: "2m" })),
        );
        const sel = (color: string) => `job=~"api|web",namespace="nv",color="${color}"`;
        assert.strictEqual(
            c.canaryQuery,
            `sum by (namespace, job, color) (rate(http_requests_total{${sel("green")}}[2m]))`,
        );
        assert.strictEqual(
            c.stableQuery,
            `sum by (namespace, job, color) (rate(http_requests_total{${sel("blue")}}[2m]))`,
        );
        // No jobs listed (or an empty list): the app's own job.
        for (const jobs of [undefined, []]) {
            assert.match(
                checkNamed("traffic", analysisChecks(input({ jobs }))).canaryQuery,
                /\{job="api",namespace="nv",color="green"\}/,
            );
        }
        const p95 = checkNamed("p95 latency");
        assert.strictEqual(
            p95.canaryQuery,
            'histogram_quantile(0.95, sum by (namespace, job, color, le) (rate(http_request_duration_seconds_bucket{job="api",namespace="nv",color="green"}[5m])))',
        );
        assert.strictEqual(checkNamed("critical alerts firing").stableQuery, undefined);
        const errors = (color: string) =>
            `(sum by (namespace, job, color) (rate(http_requests_total{job="api",namespace="nv",color="${color}",status=~"5.."}[5m])) or 0 * sum by (namespace, job, color) (rate(http_requests_total{job="api",namespace="nv",color="${color}"}[5m]))) / sum by (namespace, job, color) (rate(http_requests_total{job="api",namespace="nv",color="${color}"}[5m]))`;
        for (const name of ["error ratio", "error ratio vs stable"]) {
            const c = checkNamed(name);
            assert.deepStrictEqual(
                [c.canaryQuery, c.stableQuery],
                [errors("green"), errors("blue")],
                name,
            );
        }
    });

    it("one latency check pair per quantile, at the tightest threshold configured for it", () => {
        const same = monitoring({
            alerts: {
                highLatency: {
                    warning: { quantile: 0.95, threshold: 0.4, for: "5m" },
                    critical: { quantile: 0.95, threshold: 2, for: "5m" },
                },
            },
        });
        const checks = analysisChecks(input({ monitoring: same }));
        assert.deepStrictEqual(
            checks.filter((c) => c.name.includes("latency")).map((c) => [c.name, c.threshold]),
            [
                ["p95 latency", "≤ 400ms"],
                ["p95 latency vs stable", "≤ 1.5× stable or ≤ 200ms"],
            ],
        );
    });

    it("the firing-alerts query counts the namespace's critical alerts and the app's own catalogue alerts", () => {
        const q = firingCriticalQuery(input());
        const m =
            /^count\(ALERTS\{alertstate="firing",severity="critical",namespace="nv"\} or ALERTS\{alertstate="firing",severity="critical",team="platform",alertname=~"([^"]+)"\}\)$/.exec(
                q,
            );
        assert.ok(m, q);
        const names = m[1].split("|");
        assert.ok(names.includes("HighErrorRate"), q);
        assert.strictEqual(new Set(names).size, names.length, "each alert once");
    });
});

describe("analysis verdicts at their boundaries", () => {
    const judge = (name: string, c?: number, s?: number) => checkNamed(name).judge(c, s);

    it("traffic: at the floor passes, below is too low, nothing is no data", () => {
        assert.strictEqual(judge("traffic", 0.2), "pass");
        assert.strictEqual(judge("traffic", 0.19), "too low");
        assert.strictEqual(judge("traffic", undefined), "no data");
        assert.strictEqual(judge("traffic", NaN), "no data");
    });

    it("absolute limits: at the limit passes, over it fails, no data is not a pass", () => {
        assert.strictEqual(judge("error ratio", 0.001), "pass");
        assert.strictEqual(judge("error ratio", 0.0011), "fail");
        assert.strictEqual(judge("error ratio", undefined), "no data");
        assert.strictEqual(judge("error ratio", Infinity), "no data");
        assert.strictEqual(judge("p99 latency", 1), "pass");
        assert.strictEqual(judge("p99 latency", 1.01), "fail");
    });

    it("relative limits fail only over both stable × factor and the floor", () => {
        assert.strictEqual(judge("error ratio vs stable", 0.02, 0.01), "pass", "at 2× stable");
        assert.strictEqual(judge("error ratio vs stable", 0.021, 0.01), "fail");
        assert.strictEqual(judge("error ratio vs stable", 0.005, 0.001), "pass", "at the floor");
        assert.strictEqual(judge("error ratio vs stable", 0.0051, 0.001), "fail");
        assert.strictEqual(judge("error ratio vs stable", 0.004, 0), "pass", "under the floor");
        assert.strictEqual(
            judge("error ratio vs stable", 0.02, undefined),
            "pass",
            "no stable traffic",
        );
        assert.strictEqual(judge("error ratio vs stable", 0.02, NaN), "pass");
        assert.strictEqual(judge("error ratio vs stable", undefined, 0.01), "no data");
        assert.strictEqual(judge("p95 latency vs stable", 0.3, 0.2), "pass");
        assert.strictEqual(judge("p95 latency vs stable", 0.31, 0.2), "fail");
    });

    it("alerts: any firing fails, none (or no series) passes", () => {
        assert.strictEqual(judge("critical alerts firing", 1), "fail");
        assert.strictEqual(judge("critical alerts firing", 0), "pass");
        assert.strictEqual(judge("critical alerts firing", undefined), "pass");
    });

    it("below the traffic floor metric checks are skipped, but traffic and alerts are judged", () => {
        const r = judgeCheck(checkNamed("error ratio"), 0.5, 0.1, false);
        assert.deepStrictEqual(r, {
            name: "error ratio",
            query: checkNamed("error ratio").canaryQuery,
            canary: 0.5,
            stable: 0.1,
            threshold: "≤ 0.1%",
            verdict: "skipped",
        });
        assert.strictEqual(judgeCheck(checkNamed("error ratio"), 0.5, 0.1, true).verdict, "fail");
        assert.strictEqual(judgeCheck(checkNamed("traffic"), 0.1, 1, false).verdict, "too low");
        assert.strictEqual(
            judgeCheck(checkNamed("critical alerts firing"), 2, undefined, false).verdict,
            "fail",
        );
        const none = judgeCheck(checkNamed("traffic"), undefined, undefined, false);
        assert.deepStrictEqual([none.canary, none.stable], [null, null]);
    });
});

describe("analysis outcome", () => {
    const checks = analysisChecks(input());
    const result = (name: string, verdict: CheckResult["verdict"]): CheckResult => ({
        name,
        query: "q",
        canary: 1,
        stable: 1,
        threshold: "t",
        verdict,
    });
    const healthy = () => checks.map((c) => result(c.name, "pass"));
    const outcome = (name: string, verdict: CheckResult["verdict"]) =>
        outcomeOf(
            healthy().map((r) => (r.name === name ? result(name, verdict) : r)),
            checks,
        );

    it("every check passing is healthy; a result of no known check changes nothing", () => {
        assert.strictEqual(outcomeOf(healthy(), checks), "healthy");
        assert.strictEqual(outcomeOf([...healthy(), result("extra", "pass")], checks), "healthy");
    });

    it("a failed metric is unhealthy, a metric without data inconclusive", () => {
        assert.strictEqual(outcome("error ratio", "fail"), "unhealthy");
        assert.strictEqual(outcome("p95 latency", "no data"), "inconclusive");
    });

    it("too little traffic, or none measured, is inconclusive even with a failing metric", () => {
        const low = healthy().map((r) =>
            r.name === "traffic"
                ? result("traffic", "too low")
                : r.name === "error ratio"
                  ? result(r.name, "fail")
                  : r,
        );
        assert.strictEqual(outcomeOf(low, checks), "inconclusive");
        assert.strictEqual(outcome("traffic", "no data"), "inconclusive");
        assert.strictEqual(
            outcomeOf(
                healthy().filter((r) => r.name !== "traffic"),
                checks,
            ),
            "inconclusive",
        );
    });

    it("a firing critical alert is unhealthy even without traffic", () => {
        const r = healthy().map((x) =>
            x.name === "traffic"
                ? result("traffic", "too low")
                : x.name === "critical alerts firing"
                  ? result(x.name, "fail")
                  : x,
        );
        assert.strictEqual(outcomeOf(r, checks), "unhealthy");
    });
});

describe("analysis table", () => {
    it("formats each value with its check's unit, FAIL in capitals, columns aligned, query last", () => {
        const checks: Check[] = analysisChecks(input());
        const rows: CheckResult[] = [
            {
                name: "traffic",
                query: "q1",
                canary: 1.23456,
                stable: null,
                threshold: "≥ 0.2/s",
                verdict: "pass",
            },
            {
                name: "error ratio",
                query: "q2",
                canary: 0.0123,
                stable: Infinity,
                threshold: "≤ 0.1%",
                verdict: "fail",
            },
            {
                name: "other",
                query: "q3",
                canary: 7,
                stable: 8,
                threshold: "-",
                verdict: "skipped",
            },
        ];
        assert.strictEqual(
            formatTable(rows, checks),
            [
                "check        canary   stable    threshold  verdict  query",
                "traffic      1.235/s  -         ≥ 0.2/s    pass     q1",
                "error ratio  1.23%    Infinity  ≤ 0.1%     FAIL     q2",
                "other        7        8         -          skipped  q3",
            ].join("\n"),
        );
    });
});
