// Pure: the canary analysis of `npm run analyze` and `npm run release`. Each check is a query per
// colour (built by the same httpQueries as the PrometheusRule) plus a rule that turns the canary's
// and the stable colour's values into a verdict. No I/O here: scripts/lib/analysis.ts asks Prometheus.
import type { MonitoringConfig } from "../config/monitoring";
import { alertingRules, buildRuleGroups, percent, percentile, seconds } from "./alertRules";
import { appSelector, BY_COLOR, httpQueries } from "./httpQueries";
import { metricNames } from "./metricsCatalogue";

/** "too low": less canary traffic than the floor, so the metrics are not judged. */
export type Verdict = "pass" | "fail" | "no data" | "skipped" | "too low";
export type Outcome = "healthy" | "unhealthy" | "inconclusive";

export interface AnalysisInput {
    /** The workload the PrometheusRule is named after (its catalogue alerts count as the app's). */
    readonly appName: string;
    /** The web workloads' jobs whose requests are judged, together; default `[appName]`. */
    readonly jobs?: readonly string[];
    readonly namespace: string;
    readonly monitoring: MonitoringConfig;
    readonly stable: string;
    readonly canary: string;
    /** Rate window of every query, e.g. "5m". */
    readonly window: string;
}

export interface Check {
    readonly name: string;
    /** "traffic" gates the others; "alerts" counts series; the rest compare the canary. */
    readonly kind: "traffic" | "alerts" | "metric";
    readonly canaryQuery: string;
    /** Same query for the stable colour; absent when the check has no stable side. */
    readonly stableQuery?: string;
    /** Human-readable limit for the table. */
    readonly threshold: string;
    /** The verdict from the values; undefined values mean the query returned nothing. */
    readonly judge: (canary: number | undefined, stable: number | undefined) => Verdict;
    /** Formats a value for the table. */
    readonly format: (v: number) => string;
}

export interface CheckResult {
    readonly name: string;
    readonly query: string;
    readonly canary: number | null;
    readonly stable: number | null;
    readonly threshold: string;
    readonly verdict: Verdict;
}

const num = (v: number) => String(+v.toPrecision(4));
const rps = (v: number) => `${num(v)}/s`;
const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

/** Fails when the canary is over `limit`; no data is not a pass. */
const absolute = (limit: number) => (c: number | undefined) =>
    !finite(c) ? "no data" : c > limit ? "fail" : "pass";

/** AL-13: fails when the canary is over stable × factor AND over the floor. */
const relative = (factor: number, floor: number) => (c?: number, s?: number) => {
    if (!finite(c)) return "no data" as const;
    if (!finite(s)) return "pass" as const; // nothing to compare with (stable has no traffic)
    return c > s * factor && c > floor ? ("fail" as const) : ("pass" as const);
};

/** The checks for one app and colour pair, in table order. */
export function analysisChecks(input: AnalysisInput): Check[] {
    const m = input.monitoring;
    const w = input.window;
    const sel = (color: string) =>
        appSelector(input.jobs?.length ? input.jobs : input.appName, input.namespace, color);
    const names = { ...metricNames(m.metrics), httpStatusLabel: m.metrics.httpStatusLabel };
    const q = (color: string) => httpQueries(names, sel(color));
    const both = (f: (color: string) => string) => ({
        canaryQuery: f(input.canary),
        stableQuery: f(input.stable),
    });
    const c = m.canary;
    const err = m.alerts.highErrorRate.critical.threshold;
    const checks: Check[] = [
        {
            name: "traffic",
            kind: "traffic",
            ...both((color) => q(color).requestRate(BY_COLOR, w)),
            threshold: `≥ ${rps(c.minRequestRate)}`,
            judge: (v) => (!finite(v) ? "no data" : v >= c.minRequestRate ? "pass" : "too low"),
            format: rps,
        },
        {
            name: "error ratio",
            kind: "metric",
            ...both((color) => q(color).errorRatio(BY_COLOR, w)),
            threshold: `≤ ${percent(err)}`,
            judge: absolute(err),
            format: percent,
        },
        {
            name: "error ratio vs stable",
            kind: "metric",
            ...both((color) => q(color).errorRatio(BY_COLOR, w)),
            threshold: `≤ ${num(c.errorRatioFactor)}× stable or ≤ ${percent(c.errorRatioFloor)}`,
            judge: relative(c.errorRatioFactor, c.errorRatioFloor),
            format: percent,
        },
    ];
    const tiers = m.alerts.highLatency;
    const quantiles = [...new Set([tiers.warning.quantile, tiers.critical.quantile])];
    for (const quantile of quantiles) {
        const p = percentile(quantile);
        // The tightest configured threshold for this quantile.
        const limit = Math.min(
            ...[tiers.warning, tiers.critical]
                .filter((t) => t.quantile === quantile)
                .map((t) => t.threshold),
        );
        const query = both((color) => q(color).quantile(quantile, BY_COLOR, w));
        checks.push(
            {
                name: `${p} latency`,
                kind: "metric",
                ...query,
                threshold: `≤ ${seconds(limit)}`,
                judge: absolute(limit),
                format: seconds,
            },
            {
                name: `${p} latency vs stable`,
                kind: "metric",
                ...query,
                threshold: `≤ ${num(c.latencyFactor)}× stable or ≤ ${seconds(c.latencyFloor)}`,
                judge: relative(c.latencyFactor, c.latencyFloor),
                format: seconds,
            },
        );
    }
    checks.push({
        name: "critical alerts firing",
        kind: "alerts",
        canaryQuery: firingCriticalQuery(input),
        threshold: "= 0",
        judge: (v) => ((v ?? 0) > 0 ? "fail" : "pass"),
        format: num,
    });
    return checks;
}

/**
 * Critical alerts of this app that are firing: those labelled with its namespace, and its own
 * catalogue alerts that aggregate the namespace away (storage is per RDS instance).
 */
export function firingCriticalQuery(input: AnalysisInput): string {
    const names = alertingRules(
        buildRuleGroups({
            appName: input.appName,
            namespace: input.namespace,
            monitoring: input.monitoring,
        }),
    ).map((r) => r.alert);
    const base = `${metricNames(input.monitoring.metrics).alerts}{alertstate="firing",severity="critical"`;
    return (
        `count(${base},namespace="${input.namespace}"} ` +
        `or ${base},team="${input.monitoring.team}",alertname=~"${[...new Set(names)].join("|")}"})`
    );
}

/**
 * The overall outcome: a failed check is unhealthy; too little canary traffic or no canary data is
 * inconclusive (a firing critical alert still fails: it does not need traffic to mean something).
 */
export function outcomeOf(results: readonly CheckResult[], checks: readonly Check[]): Outcome {
    const kind = (r: CheckResult) => checks.find((c) => c.name === r.name)?.kind;
    if (results.some((r) => kind(r) === "alerts" && r.verdict === "fail")) return "unhealthy";
    const traffic = results.find((r) => kind(r) === "traffic");
    if (!traffic || traffic.verdict !== "pass") return "inconclusive";
    if (results.some((r) => r.verdict === "fail")) return "unhealthy";
    if (results.some((r) => r.verdict === "no data")) return "inconclusive";
    return "healthy";
}

/** Evaluates one check from the queried values. Below the traffic floor, metrics are skipped. */
export function judgeCheck(
    check: Check,
    canary: number | undefined,
    stable: number | undefined,
    enoughTraffic: boolean,
): CheckResult {
    const verdict =
        check.kind === "metric" && !enoughTraffic ? "skipped" : check.judge(canary, stable);
    return {
        name: check.name,
        query: check.canaryQuery,
        canary: canary ?? null,
        stable: stable ?? null,
        threshold: check.threshold,
        verdict,
    };
}

/** The table `npm run analyze` prints: one row per check, the query last so columns line up. */
export function formatTable(results: readonly CheckResult[], checks: readonly Check[]): string {
    const fmt = (r: CheckResult, v: number | null) => {
        if (v === null) return "-";
        if (!Number.isFinite(v)) return String(v);
        return checks.find((c) => c.name === r.name)?.format(v) ?? String(v);
    };
    const rows = [
        ["check", "canary", "stable", "threshold", "verdict", "query"],
        ...results.map((r) => [
            r.name,
            fmt(r, r.canary),
            fmt(r, r.stable),
            r.threshold,
            r.verdict === "fail" ? "FAIL" : r.verdict,
            r.query,
        ]),
    ];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
    return rows
        .map((row) =>
            row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join("  "),
        )
        .join("\n");
}
