// Pure: the alert catalogue (AL-01 … AL-14) as Prometheus rule groups, from `release:monitoring`.
// No Pulumi here. The same groups go into the PrometheusRule and into out/<stack>/prometheus-rules.yaml,
// which `promtool check rules` and the unit tests under test/alerts/ exercise.
import type { StackConfig } from "../config";
import { COLORS } from "../config/app";
import { ALERT_CATALOGUE, memoryBytes, type MonitoringConfig } from "../config/monitoring";
import { isScalable, type Workload } from "../config/workloads";
import { backupAlertInputs, backupAlertRule } from "./backups";
import { CLOUDWATCH_EXPORTER } from "./cloudwatchExporter";
import { appSelector, BY_COLOR, colorRecords, httpQueries } from "./httpQueries";
import { CLOUDWATCH_LABELS, metricNames, type MetricKey } from "./metricsCatalogue";

/** Every catalogue ID and the alert names that implement it (defined with the config schema). */
export { ALERT_CATALOGUE };

export type AlertId = keyof typeof ALERT_CATALOGUE;
export type AlertName = (typeof ALERT_CATALOGUE)[AlertId][number];
export type Severity = "warning" | "critical";

/** The catalogue ID an alert name implements, or undefined for names outside the catalogue. */
export function alertIdOf(name: string): AlertId | undefined {
    for (const [id, names] of Object.entries(ALERT_CATALOGUE)) {
        if ((names as readonly string[]).includes(name)) return id as AlertId;
    }
    return undefined;
}

export interface AlertingRule {
    /** A catalogue name, or a stack's extra alert. */
    alert: string;
    expr: string;
    for: string;
    labels: { severity: Severity; team: string } & Record<string, string>;
    annotations: { summary: string; description: string; runbook_url: string };
}

export interface RecordingRule {
    record: string;
    expr: string;
}

export type Rule = AlertingRule | RecordingRule;

export interface RuleGroup {
    name: string;
    rules: Rule[];
}

export const isAlertingRule = (r: Rule): r is AlertingRule => "alert" in r;

export interface AlertRulesInput {
    /**
     * Name of the rule groups, the PrometheusRule and the dashboard; also the one web workload
     * watched when `webJobs` is not given.
     */
    readonly appName: string;
    /**
     * The web workloads (their `job`, the Service's app.kubernetes.io/name) the HTTP alerts,
     * recording rules and SLO watch, each on its own series; default `[appName]`.
     */
    readonly webJobs?: readonly string[];
    /**
     * Workloads whose pods and HPAs (named `<workload>-<color>`) the pod alerts watch; default
     * `webJobs`.
     */
    readonly podOwners?: readonly string[];
    /** Namespace of the app and its exporters. */
    readonly namespace: string;
    readonly monitoring: MonitoringConfig;
    /** Container name of the app in its pods; default "app" (components/app/colorDeployment.ts). */
    readonly container?: string;
    /** `job` of the postgres_exporter targets; default "postgres-exporter". */
    readonly postgresJob?: string;
    /** `job` of the redis_exporter targets; default "redis-exporter". */
    readonly redisJob?: string;
    /**
     * Allocated storage of the stack's RDS instances, which the free-storage ratio divides by;
     * default `alerts.databaseStorageLow.allocatedGiB`.
     */
    readonly database?: { readonly allocatedGiB: number };
    /** `job` of the CloudWatch exporter's target; default "cloudwatch-exporter". */
    readonly cloudwatchJob?: string;
    /**
     * The data stores the stack has. Their alerts exist only for these: an alert over a store the
     * stack lacks can never fire. Default both (the whole catalogue).
     */
    readonly stores?: DataStores;
    /** Each database's backup CronJob, watched for staleness (beside the catalogue); default none. */
    readonly backups?: readonly {
        readonly cronJob: string;
        readonly dbIdentifier: string;
        readonly maxAgeHours: number;
    }[];
}

/** Which data stores a stack has. */
export interface DataStores {
    readonly database: boolean;
    readonly cache: boolean;
}

/** The web workloads' jobs an input watches. */
export const webJobsOf = (input: Pick<AlertRulesInput, "appName" | "webJobs">): string[] =>
    input.webJobs && input.webJobs.length > 0 ? [...input.webJobs] : [input.appName];

/** The stores of an input: both unless it says otherwise. */
export const storesOf = (input: Pick<AlertRulesInput, "stores">): DataStores =>
    input.stores ?? { database: true, cache: true };

/**
 * The workload the rules, the PrometheusRule and the dashboard are named after: the first web
 * workload, or the first workload when the release has none.
 */
export const watchedWorkload = (workloads: readonly Workload[]): Workload =>
    workloads.find((w) => w.kind === "web") ?? workloads[0];

/**
 * What a stack's rules watch: the HTTP alerts every web workload, the pod alerts every scalable
 * one (a CronJob has no HPA and its pods end), the stores and backups the stack has. Undefined
 * without `release:monitoring`.
 */
export function alertRulesInput(
    cfg: StackConfig,
    workloads: readonly Workload[],
): AlertRulesInput | undefined {
    if (!cfg.monitoring) return undefined;
    return {
        appName: watchedWorkload(workloads).name,
        webJobs: workloads.filter((w) => w.kind === "web").map((w) => w.name),
        podOwners: workloads.filter(isScalable).map((w) => w.name),
        namespace: cfg.app.namespace,
        monitoring: cfg.monitoring,
        database: cfg.database && { allocatedGiB: cfg.database.allocatedStorageGb },
        stores: { database: !!cfg.database, cache: !!cfg.cache },
        backups: backupAlertInputs(cfg.database),
    };
}

// ---- human-readable values in the static parts of annotations ----

/** 0.001 -> "0.1%", like Prometheus' humanizePercentage. */
export function percent(ratio: number): string {
    return `${+(ratio * 100).toPrecision(4)}%`;
}

/** 0.3 -> "300ms", 30 -> "30s", 5400 -> "1h 30m", like humanizeDuration. */
export function seconds(s: number): string {
    if (s < 1) return `${+(s * 1000).toPrecision(4)}ms`;
    if (s < 60) return `${+s.toPrecision(4)}s`;
    const parts: string[] = [];
    let rest = Math.round(s);
    for (const [unit, size] of [
        ["d", 86400],
        ["h", 3600],
        ["m", 60],
        ["s", 1],
    ] as const) {
        const n = Math.floor(rest / size);
        rest -= n * size;
        if (n > 0) parts.push(`${n}${unit}`);
    }
    return parts.join(" ");
}

/** 0.95 -> "p95", 0.999 -> "p99.9". */
export const percentile = (q: number) => `p${+(q * 100).toPrecision(4)}`;

/** A PromQL number literal without float noise (1 - 0.9995 -> 0.0005). */
const lit = (n: number) => String(+n.toPrecision(10));

/** Error budget as a ratio: 99.95 % -> 0.0005. */
export const errorBudget = (availabilityPercent: number) =>
    +(1 - availabilityPercent / 100).toFixed(10);

// ---- rule groups ----

/** What every area builder shares: the config, the label selectors and the rule constructors. */
interface RuleContext {
    readonly input: AlertRulesInput;
    readonly cfg: MonitoringConfig;
    /** Metric names from the catalogue, with the stack's renames. */
    readonly m: Record<MetricKey, string>;
    readonly a: MonitoringConfig["alerts"];
    /** The rate window. */
    readonly w: string;
    /** Selectors for the app's series, its pods, its HPAs and the exporters. */
    readonly sel: {
        app: string;
        pods: string;
        hpas: string;
        pg: string;
        redis: string;
        cloudwatch: string;
    };
    /** Requests per second by `by` over the rate window. */
    readonly requestRate: (by: string) => string;
    /** 5xx ratio by `by`; a colour with requests but no 5xx series yet counts as 0, not absent. */
    readonly errorRatio: (by: string, window: string) => string;
    /** The q-quantile of request durations over the rate window, by `by`. */
    readonly quantile: (q: number, by: string) => string;
}

/** The static part of one alerting rule; severity, labels and the runbook link come from `alert`. */
interface AlertBody {
    readonly for: string;
    readonly expr: string;
    readonly summary: string;
    readonly description: string;
    readonly labels?: Record<string, string>;
}

function ruleContext(input: AlertRulesInput): RuleContext {
    const cfg = input.monitoring;
    const m = metricNames(cfg.metrics);
    const w = cfg.rateWindow;
    const ns = input.namespace;
    const jobs = webJobsOf(input);
    const owners = input.podOwners ?? jobs;
    const owner = owners.length === 1 ? owners[0] : `(${owners.join("|")})`;
    const app = appSelector(jobs, ns);
    const http = httpQueries({ ...m, httpStatusLabel: cfg.metrics.httpStatusLabel }, app);
    return {
        input,
        cfg,
        m,
        a: cfg.alerts,
        w,
        sel: {
            app,
            pods: `namespace="${ns}",container="${input.container ?? "app"}",pod=~"${owner}-(blue|green)-.+"`,
            hpas: `namespace="${ns}",horizontalpodautoscaler=~"${owner}-(blue|green)"`,
            pg: `job="${input.postgresJob ?? "postgres-exporter"}",namespace="${ns}"`,
            redis: `job="${input.redisJob ?? "redis-exporter"}",namespace="${ns}"`,
            cloudwatch: `job="${input.cloudwatchJob ?? CLOUDWATCH_EXPORTER}",namespace="${ns}"`,
        },
        requestRate: (by) => http.requestRate(by, w),
        errorRatio: (by, window) => http.errorRatio(by, window),
        quantile: (q, by) => http.quantile(q, by, w),
    };
}

/** One alerting rule with the team label and the runbook link every alert carries. */
function alert(ctx: RuleContext, name: AlertName, severity: Severity, b: AlertBody): AlertingRule {
    return {
        alert: name,
        expr: b.expr,
        for: b.for,
        labels: { severity, team: ctx.cfg.team, ...b.labels },
        annotations: {
            summary: b.summary,
            description: b.description,
            runbook_url: `${ctx.cfg.runbookBaseUrl}${name}`,
        },
    };
}

/** The warning and the critical rule of one alert, each from its own thresholds. */
function bySeverity<T>(
    ctx: RuleContext,
    name: AlertName,
    thresholds: Readonly<Record<Severity, T>>,
    body: (t: T, severity: Severity) => AlertBody,
): AlertingRule[] {
    return (["warning", "critical"] as const).map((severity) =>
        alert(ctx, name, severity, body(thresholds[severity], severity)),
    );
}

// AL-01 … AL-03: what the app's clients see.
function requestRules(ctx: RuleContext): AlertingRule[] {
    const { a, w, sel } = ctx;
    return [
        ...bySeverity(ctx, "HighErrorRate", a.highErrorRate, (t, severity) => ({
            for: t.for,
            expr: `${ctx.errorRatio("namespace, job", w)} > ${lit(t.threshold)}`,
            summary:
                "{{ $labels.job }}: {{ $value | humanizePercentage }} of requests fail with 5xx",
            description: `The 5xx ratio of {{ $labels.job }} in {{ $labels.namespace }} over ${w} is {{ $value | humanizePercentage }}, above the ${severity} threshold of ${percent(t.threshold)} for ${t.for}.`,
        })),
        alert(ctx, "APIUnresponsive", "critical", {
            for: a.apiUnresponsive.for,
            expr: `${ctx.m.up}{${sel.app}} == 0`,
            summary: "{{ $labels.job }}: target {{ $labels.instance }} is down",
            description: `Prometheus has failed to scrape {{ $labels.instance }} (pod {{ $labels.pod }}, colour {{ $labels.color }}) for ${a.apiUnresponsive.for}: up == 0.`,
        }),
        ...bySeverity(ctx, "HighLatency", a.highLatency, (t, severity) => {
            const p = percentile(t.quantile);
            return {
                for: t.for,
                expr: `${ctx.quantile(t.quantile, "namespace, job")} > ${lit(t.threshold)}`,
                summary: `{{ $labels.job }}: ${p} latency is {{ $value | humanizeDuration }}`,
                description: `The ${p} request duration of {{ $labels.job }} in {{ $labels.namespace }} over ${w} is {{ $value | humanizeDuration }}, above the ${severity} threshold of ${seconds(t.threshold)} for ${t.for}.`,
            };
        }),
    ];
}

// AL-04 … AL-06, AL-14: the app's pods and their autoscalers.
function podRules(ctx: RuleContext): AlertingRule[] {
    const { a, m, w } = ctx;
    const { pods, hpas } = ctx.sel;
    const mem = a.highMemory;
    const restarts = a.podRestarting;
    const hpaOn = "on (namespace, horizontalpodautoscaler)";
    return [
        ...bySeverity(ctx, "HighCPU", a.highCpu, (t, severity) => ({
            for: t.for,
            expr:
                `sum by (namespace, pod) (rate(${m.containerCpu}{${pods}}[${w}])) ` +
                `/ sum by (namespace, pod) (${m.containerLimits}{${pods},resource="cpu"}) > ${lit(t.threshold)}`,
            summary:
                "Pod {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its CPU limit",
            description: `Pod {{ $labels.pod }} in {{ $labels.namespace }} has used {{ $value | humanizePercentage }} of its CPU limit over ${w}, above the ${severity} threshold of ${percent(t.threshold)} for ${t.for}.`,
        })),
        // Warning on absolute bytes, critical on the share of the limit: two different rules.
        alert(ctx, "HighMemory", "warning", {
            for: mem.warning.for,
            expr: `max by (namespace, pod) (${m.containerMemory}{${pods}}) > ${memoryBytes(mem.warning.threshold)}`,
            summary: "Pod {{ $labels.pod }} working set is {{ $value | humanize1024 }}B",
            description: `Pod {{ $labels.pod }} in {{ $labels.namespace }} has a working set of {{ $value | humanize1024 }}B, above the warning threshold of ${mem.warning.threshold}B per pod for ${mem.warning.for}.`,
        }),
        alert(ctx, "HighMemory", "critical", {
            for: mem.critical.for,
            expr:
                `max by (namespace, pod) (${m.containerMemory}{${pods}}) ` +
                `/ max by (namespace, pod) (${m.containerLimits}{${pods},resource="memory"}) > ${lit(mem.critical.threshold)}`,
            summary:
                "Pod {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit",
            description: `Pod {{ $labels.pod }} in {{ $labels.namespace }} uses {{ $value | humanizePercentage }} of its memory limit, above the critical threshold of ${percent(mem.critical.threshold)} for ${mem.critical.for}; the OOM killer is next.`,
        }),
        alert(ctx, "PodRestarting", "warning", {
            for: restarts.for,
            expr: `sum by (namespace, pod, container) (increase(${m.containerRestarts}{${pods}}[1h])) > ${lit(restarts.threshold)}`,
            summary:
                '{{ $labels.pod }} restarted {{ $value | printf "%.0f" }} times in the last hour',
            description: `Container {{ $labels.container }} of pod {{ $labels.pod }} in {{ $labels.namespace }} restarted {{ $value | printf "%.0f" }} times in the last hour, more than ${lit(restarts.threshold)}. Check the previous logs and OOM kills.`,
        }),
        alert(ctx, "HPAAtMax", "warning", {
            for: a.hpaAtMax.for,
            expr:
                `${m.hpaCurrentReplicas}{${hpas}} >= ${hpaOn} ${m.hpaMaxReplicas}{${hpas}} ` +
                `and ${hpaOn} (${m.hpaMaxReplicas}{${hpas}} > ${hpaOn} ${m.hpaMinReplicas}{${hpas}})`,
            summary:
                'HPA {{ $labels.horizontalpodautoscaler }} is pinned at its maximum of {{ $value | printf "%.0f" }} replicas',
            description: `HPA {{ $labels.horizontalpodautoscaler }} in {{ $labels.namespace }} has run at maxReplicas for ${a.hpaAtMax.for}: it cannot add capacity. Raise release:autoscaling.maxReplicas or find the load.`,
        }),
    ];
}

// AL-07 … AL-09: PostgreSQL through postgres_exporter.
function databaseRules(ctx: RuleContext): AlertingRule[] {
    const { a, m } = ctx;
    const pg = ctx.sel.pg;
    return [
        alert(ctx, "DatabaseDown", "critical", {
            for: a.databaseDown.for,
            expr: `${m.pgUp}{${pg}} == 0`,
            summary: "PostgreSQL behind {{ $labels.instance }} is down",
            description: `postgres_exporter {{ $labels.instance }} in {{ $labels.namespace }} has reported pg_up == 0 for ${a.databaseDown.for}: it cannot reach the database.`,
        }),
        alert(ctx, "ReplicationLag", "warning", {
            for: a.replicationLag.for,
            expr: `max by (namespace, job, instance) (${m.pgReplicationLag}{${pg}}) > ${lit(a.replicationLag.threshold)}`,
            summary: "Replication lag on {{ $labels.instance }} is {{ $value | humanizeDuration }}",
            description: `The replica behind {{ $labels.instance }} is {{ $value | humanizeDuration }} behind the primary, above ${seconds(a.replicationLag.threshold)} for ${a.replicationLag.for}; reads from it are stale.`,
        }),
        ...bySeverity(ctx, "DatabaseConnectionPool", a.databaseConnectionPool, (t, severity) => ({
            for: t.for,
            expr:
                `sum by (namespace, job, instance) (${m.pgConnections}{${pg}}) ` +
                `/ max by (namespace, job, instance) (${m.pgMaxConnections}{${pg}}) > ${lit(t.threshold)}`,
            summary:
                "PostgreSQL connections at {{ $value | humanizePercentage }} of max_connections",
            description: `The database behind {{ $labels.instance }} uses {{ $value | humanizePercentage }} of max_connections, above the ${severity} threshold of ${percent(t.threshold)} for ${t.for}.`,
        })),
    ];
}

// AL-10: RDS storage through the CloudWatch exporter.
function storageRules(ctx: RuleContext): AlertingRule[] {
    const { a, m, input } = ctx;
    const storage = a.databaseStorageLow;
    const db = input.database ?? { allocatedGiB: storage.allocatedGiB };
    const allocated = db.allocatedGiB * 1024 ** 3;
    // The stack's own exporter discovers only this stack's instances (primary, replicas and any
    // restored set), so its job and namespace select them all.
    const dbLabel = CLOUDWATCH_LABELS.dbInstance;
    return bySeverity(ctx, "DatabaseStorageLow", storage, (t, severity) => ({
        for: t.for,
        expr: `min by (${dbLabel}) (${m.dbFreeStorageBytes}{${ctx.sel.cloudwatch}}) / ${allocated} < ${lit(t.threshold)}`,
        summary: `Database {{ $labels.${dbLabel} }}: only {{ $value | humanizePercentage }} of storage free`,
        description: `RDS instance {{ $labels.${dbLabel} }} has {{ $value | humanizePercentage }} of its ${db.allocatedGiB} GiB allocated storage free, below the ${severity} threshold of ${percent(t.threshold)} for ${t.for}.`,
    }));
}

// AL-11: Redis through redis_exporter.
function cacheRules(ctx: RuleContext): AlertingRule[] {
    const { a, m, w } = ctx;
    const redis = ctx.sel.redis;
    const hits = `sum by (namespace, job) (rate(${m.redisHits}{${redis}}[${w}]))`;
    const lookups = `(${hits} + sum by (namespace, job) (rate(${m.redisMisses}{${redis}}[${w}])))`;
    return bySeverity(ctx, "CacheHitRatioLow", a.cacheHitRatioLow, (t, severity) => ({
        for: t.for,
        expr:
            `${hits} / ${lookups} < ${lit(t.threshold)} ` +
            `and on (namespace, job) ${lookups} > ${lit(a.cacheHitRatioLow.minLookupRate)}`,
        summary: "Redis hit ratio is {{ $value | humanizePercentage }}",
        description: `The Redis hit ratio behind {{ $labels.job }} over ${w} is {{ $value | humanizePercentage }}, below the ${severity} threshold of ${percent(t.threshold)} for ${t.for}.`,
    }));
}

const BURN_ALERTS = {
    fast: "SLOBurnRateFast",
    medium: "SLOBurnRateMedium",
    slow: "SLOBurnRateSlow",
} as const;

// AL-12: multiwindow, multi-burn-rate SLO alerts over recorded error ratios.
function sloRules(ctx: RuleContext): Rule[] {
    const { cfg } = ctx;
    const app = ctx.sel.app;
    const budget = errorBudget(cfg.slo.availability);
    const burns = cfg.slo.burnRates;
    const windows = [
        ...new Set(Object.values(burns).flatMap((b) => [b.shortWindow, b.longWindow])),
    ];
    const ratioRecord = (window: string) =>
        `namespace_job:http_requests_errors:ratio_rate${window}`;
    const records: Rule[] = windows.map((window) => ({
        record: ratioRecord(window),
        expr: ctx.errorRatio("namespace, job", window),
    }));
    const alerts = (Object.keys(BURN_ALERTS) as (keyof typeof BURN_ALERTS)[]).map((key) => {
        const b = burns[key];
        const threshold = `(${lit(b.factor)} * ${lit(budget)})`;
        const daysLeft = (30 * 86400) / b.factor;
        return alert(ctx, BURN_ALERTS[key], b.severity, {
            for: b.for,
            expr:
                `${ratioRecord(b.longWindow)}{${app}} > ${threshold} ` +
                `and on (namespace, job) ${ratioRecord(b.shortWindow)}{${app}} > ${threshold}`,
            summary: `{{ $labels.job }} is burning its ${cfg.slo.availability}% error budget ${lit(b.factor)}× too fast`,
            description: `{{ $value | humanizePercentage }} of requests to {{ $labels.job }} failed over the last ${b.longWindow} (and over ${b.shortWindow}), above ${lit(b.factor)} × the ${percent(budget)} error budget = ${percent(b.factor * budget)}. At this rate a 30-day budget is gone in ${seconds(daysLeft)}.`,
            labels: { slo: "availability", long_window: b.longWindow, short_window: b.shortWindow },
        });
    });
    return [...records, ...alerts];
}

// AL-13: per-colour ratios and p95 recorded, then each colour against the other in one
// expression. The rule names no stable colour on purpose: a promotion or rollback then leaves
// the PrometheusRule untouched (a traffic change touches only routing and replicas). It can only
// fire during a shift: a colour without traffic has no ratio (0/0), so there is nothing to beat.
function canaryRules(ctx: RuleContext): Rule[] {
    const { w } = ctx;
    const app = ctx.sel.app;
    const byColor = BY_COLOR;
    const records = colorRecords(w);
    const [colorRate, colorErrors, colorP95] = [records.rate, records.errors, records.p95];
    const c = ctx.cfg.canary;
    const [first, second] = COLORS;
    const worse = (record: string, factor: number, floor: number) =>
        [
            [first, second],
            [second, first],
        ]
            .map(([x, y]) => {
                const sx = `${app},color="${x}"`;
                return (
                    `(${record}{${sx}} > on (namespace, job) group_left () ${lit(factor)} * ${record}{${app},color="${y}"} ` +
                    `and ${record}{${sx}} > ${lit(floor)} ` +
                    `and on (${byColor}) ${colorRate}{${sx}} > ${lit(c.minRequestRate)})`
                );
            })
            .join(" or ");
    // The other colour's value, for the description (Go template; the rule itself is colour-agnostic).
    const otherValue = (record: string, filter: string) =>
        `{{ $other := "${first}" }}{{ if eq $labels.color "${first}" }}{{ $other = "${second}" }}{{ end }}` +
        `{{ with printf "${record}{job=%q,namespace=%q,color=%q}" $labels.job $labels.namespace $other | query }}{{ . | first | value | ${filter} }}{{ else }}no data{{ end }} on {{ $other }}`;
    const remedy =
        "Shift traffic away from {{ $labels.color }}: if it is the canary, set release:traffic.canaryWeight to 0.";
    return [
        { record: colorRate, expr: ctx.requestRate(byColor) },
        { record: colorErrors, expr: ctx.errorRatio(byColor, w) },
        { record: colorP95, expr: ctx.quantile(0.95, byColor) },
        alert(ctx, "CanaryWorseThanStableErrors", c.errorSeverity, {
            for: c.for,
            expr: worse(colorErrors, c.errorRatioFactor, c.errorRatioFloor),
            summary: `Colour {{ $labels.color }} fails {{ $value | humanizePercentage }} of requests, over ${lit(c.errorRatioFactor)}× the other colour`,
            description: `During the shift colour {{ $labels.color }} of {{ $labels.job }} returns 5xx for {{ $value | humanizePercentage }} of requests over ${w} against ${otherValue(colorErrors, "humanizePercentage")} (limit: ${lit(c.errorRatioFactor)}× the other colour and at least ${percent(c.errorRatioFloor)}). ${remedy}`,
        }),
        alert(ctx, "CanaryWorseThanStableLatency", c.latencySeverity, {
            for: c.for,
            expr: worse(colorP95, c.latencyFactor, c.latencyFloor),
            summary: `Colour {{ $labels.color }} p95 latency is {{ $value | humanizeDuration }}, over ${lit(c.latencyFactor)}× the other colour`,
            description: `During the shift the p95 request duration of colour {{ $labels.color }} of {{ $labels.job }} is {{ $value | humanizeDuration }} over ${w} against ${otherValue(colorP95, "humanizeDuration")} (limit: ${lit(c.latencyFactor)}× the other colour and at least ${seconds(c.latencyFloor)}). ${remedy}`,
        }),
    ];
}

// The runbook's own alerts (release:monitoring.extraAlerts), with the catalogue's labels and links.
function extraRules(ctx: RuleContext): AlertingRule[] {
    return ctx.cfg.extraAlerts.map((x) => ({
        alert: x.name,
        expr: x.expr,
        for: x.for,
        labels: { severity: x.severity, team: ctx.cfg.team },
        annotations: {
            summary: x.summary,
            description: x.description,
            runbook_url: x.runbookUrl ?? `${ctx.cfg.runbookBaseUrl}${x.name}`,
        },
    }));
}

// Each backed-up database's staleness alert, with the stack's team, links and metric names.
function backupRules(ctx: RuleContext): AlertingRule[] {
    const { input, cfg, m } = ctx;
    return (input.backups ?? []).map((b) =>
        backupAlertRule({
            ...b,
            namespace: input.namespace,
            team: cfg.team,
            runbookBaseUrl: cfg.runbookBaseUrl,
            metrics: { lastSuccess: m.cronJobLastSuccess, created: m.cronJobCreated },
        }),
    );
}

/** The rule groups for one app: recording rules first in each group (rules in a group run in order). */
export function buildRuleGroups(input: AlertRulesInput): RuleGroup[] {
    const ctx = ruleContext(input);
    const group = (suffix: string, rules: Rule[]): RuleGroup => ({
        name: `${input.appName}.${suffix}`,
        rules,
    });
    const stores = storesOf(input);
    // Only the stores the stack has: an alert over a missing store could never fire.
    const data = [
        ...(stores.database ? [...databaseRules(ctx), ...storageRules(ctx)] : []),
        ...(stores.cache ? cacheRules(ctx) : []),
    ];
    // A group without rules is left out rather than rendered empty.
    const optional = (suffix: string, rules: Rule[]) =>
        rules.length > 0 ? [group(suffix, rules)] : [];
    return [
        group("slo", sloRules(ctx)),
        group("canary", canaryRules(ctx)),
        group("app", [...requestRules(ctx), ...podRules(ctx)]),
        ...optional("data", data),
        ...optional("extra", extraRules(ctx)),
        ...optional("backups", backupRules(ctx)),
    ];
}

/** Every alerting rule in the groups, flattened. */
export function alertingRules(groups: readonly RuleGroup[]): AlertingRule[] {
    return groups.flatMap((g) => g.rules.filter(isAlertingRule));
}
