// The PrometheusRule groups, built by calling decisions/alertRules.ts on a parsed config: which
// alert exists for which stores and workloads, each expression's selectors, thresholds and `for:`,
// severities, labels, annotations and recording rules. No stack is planned, so each case pins the
// decision it names. The factory's values differ from the schema's defaults and from each other,
// so a rule reading the wrong tier, severity or setting shows.
import * as assert from "assert";
import { parseStackConfig, resolveWorkloads, type Workload } from "../config";
import type { MonitoringConfig } from "../config/monitoring";
import {
    ALERT_CATALOGUE,
    alertIdOf,
    alertingRules,
    alertRulesInput,
    buildRuleGroups,
    errorBudget,
    isAlertingRule,
    percent,
    percentile,
    seconds,
    storesOf,
    watchedWorkload,
    webJobsOf,
    type AlertingRule,
    type AlertRulesInput,
    type RecordingRule,
    type RuleGroup,
} from "../decisions/alertRules";
import { BACKUP_ALERT } from "../decisions/backups";
import { CLOUDWATCH_EXPORTER } from "../decisions/cloudwatchExporter";
import { BY_COLOR, colorRecords, httpQueries } from "../decisions/httpQueries";
import { CLOUDWATCH_LABELS, metricNames } from "../decisions/metricsCatalogue";
import { editedStackConfig } from "../scripts/lib/stackEdit";
import type { ConfigEdit } from "./helpers";
import { ALL_KINDS } from "./workloadFixtures";

const TEAM = "shop-oncall";
const RUNBOOKS = "https://runbooks.example.com/shop#";
const NS = "shop-prod";

/** `release:monitoring` as the stack file would give it, every tier set apart from the defaults. */
const MONITORING = {
    team: TEAM,
    runbookBaseUrl: RUNBOOKS,
    rateWindow: "2m",
    slo: { availability: 99.9 },
    canary: {
        errorRatioFactor: 3,
        errorRatioFloor: 0.01,
        latencyFactor: 1.25,
        latencyFloor: 0.4,
        minRequestRate: 0.5,
        errorSeverity: "warning",
        latencySeverity: "critical",
        for: "6m",
    },
    alerts: {
        highErrorRate: {
            warning: { threshold: 0.0004, for: "6m" },
            critical: { threshold: 0.0015, for: "3m" },
        },
        apiUnresponsive: { for: "90s" },
        highLatency: {
            warning: { quantile: 0.9, threshold: 0.25, for: "7m" },
            critical: { quantile: 0.999, threshold: 1.5, for: "4m" },
        },
        highCpu: {
            warning: { threshold: 0.7, for: "8m" },
            critical: { threshold: 0.9, for: "2m" },
        },
        highMemory: {
            warning: { threshold: "400Mi", for: "9m" },
            critical: { threshold: 0.92, for: "3m" },
        },
        podRestarting: { threshold: 5, for: "11m" },
        databaseDown: { for: "2m" },
        replicationLag: { threshold: 45, for: "12m" },
        databaseConnectionPool: {
            warning: { threshold: 0.75, for: "13m" },
            critical: { threshold: 0.93, for: "1m" },
        },
        databaseStorageLow: {
            warning: { threshold: 0.25, for: "20m" },
            critical: { threshold: 0.08, for: "6m" },
            allocatedGiB: 40,
        },
        cacheHitRatioLow: {
            warning: { threshold: 0.92, for: "14m" },
            critical: { threshold: 0.8, for: "4m" },
            minLookupRate: 3,
        },
        hpaAtMax: { for: "25m" },
    },
    metrics: {
        httpRequests: "shop_http_requests_total",
        httpStatusLabel: "code",
        httpDurationBucket: "shop_http_request_seconds_bucket",
        containerCpu: "cadvisor_cpu_seconds_total",
        containerMemory: "cadvisor_working_set_bytes",
        containerLimits: "ksm_container_limits",
        containerRestarts: "ksm_container_restarts_total",
        hpaCurrentReplicas: "ksm_hpa_current",
        hpaMinReplicas: "ksm_hpa_min",
        hpaMaxReplicas: "ksm_hpa_max",
        cronJobLastSuccess: "ksm_cronjob_last_success",
        cronJobCreated: "ksm_cronjob_created",
    },
};

/** The parsed, typed section (cross-field rules included), with `edit` applied to the raw values. */
function monitoring(edit: (raw: typeof MONITORING) => void = () => {}): MonitoringConfig {
    const raw = structuredClone(MONITORING);
    edit(raw);
    const cfg = parseStackConfig({
        stage: "staging",
        app: {
            name: "shop",
            namespace: NS,
            host: "shop.example.com",
            repository: "registry.example.com/shop/app",
        },
        workloads: { web: { kind: "web" } },
        colors: { blue: { version: "v1.0.0" }, green: { version: "v1.1.0" } },
        traffic: { stable: "blue", canaryWeight: 20 },
        router: { tls: { secretName: "shop-tls" } },
        appSecrets: {},
        monitoring: raw,
    });
    return cfg.monitoring!;
}

const CFG = monitoring();
const M = metricNames(CFG.metrics);

/** Two web workloads, a worker that scales, every exporter's job named: nothing defaulted. */
function fullInput(over: Partial<AlertRulesInput> = {}): AlertRulesInput {
    return {
        appName: "shop-web",
        webJobs: ["shop-web", "shop-admin"],
        podOwners: ["shop-web", "shop-admin", "shop-worker"],
        namespace: NS,
        monitoring: CFG,
        container: "server",
        postgresJob: "shop-pg-exporter",
        redisJob: "shop-redis-exporter",
        cloudwatchJob: "shop-cloudwatch",
        database: { allocatedGiB: 200 },
        stores: { database: true, cache: true },
        backups: [{ cronJob: "shop-db-backup", dbIdentifier: "shop-db", maxAgeHours: 26 }],
        ...over,
    };
}

/** Only what an input must give: one web workload, default jobs, container and stores. */
const minimalInput = (cfg: MonitoringConfig = CFG): AlertRulesInput => ({
    appName: "shop-web",
    namespace: NS,
    monitoring: cfg,
});

const APP = `job=~"shop-web|shop-admin",namespace="${NS}"`;
const OWNERS = "(shop-web|shop-admin|shop-worker)";
const PODS = `namespace="${NS}",container="server",pod=~"${OWNERS}-(blue|green)-.+"`;
const HPAS = `namespace="${NS}",horizontalpodautoscaler=~"${OWNERS}-(blue|green)"`;
const PG = `job="shop-pg-exporter",namespace="${NS}"`;
const REDIS = `job="shop-redis-exporter",namespace="${NS}"`;
const CLOUDWATCH = `job="shop-cloudwatch",namespace="${NS}"`;
const W = CFG.rateWindow;
const http = (selector: string) =>
    httpQueries({ ...M, httpStatusLabel: CFG.metrics.httpStatusLabel }, selector);

const groupNamed = (groups: RuleGroup[], suffix: string) => {
    const g = groups.find((x) => x.name === `shop-web.${suffix}`);
    assert.ok(g, `no group shop-web.${suffix} in ${groups.map((x) => x.name).join(", ")}`);
    return g;
};

/** The one rule of `name` at `severity`. */
function rule(groups: RuleGroup[], name: string, severity?: string): AlertingRule {
    const hits = alertingRules(groups).filter(
        (r) => r.alert === name && (!severity || r.labels.severity === severity),
    );
    assert.strictEqual(hits.length, 1, `${name} ${severity ?? ""}: ${hits.length} rules`);
    return hits[0];
}

const pairs = (rules: readonly AlertingRule[]) =>
    rules.map((r) => `${r.alert}/${r.labels.severity}`);

function mentions(text: string, ...parts: string[]) {
    for (const p of parts) assert.ok(text.includes(p), `${JSON.stringify(text)} lacks ${p}`);
}

describe("alert rule decisions", () => {
    describe("helpers", () => {
        it("finds the catalogue ID of each alert name, and none for a name outside it", () => {
            for (const [id, names] of Object.entries(ALERT_CATALOGUE)) {
                for (const name of names) assert.strictEqual(alertIdOf(name), id);
            }
            assert.strictEqual(alertIdOf("SLOBurnRateSlow"), "AL-12");
            assert.strictEqual(alertIdOf("WebSocketConnectionsDropped"), undefined);
            assert.strictEqual(alertIdOf(""), undefined);
        });

        it("tells alerting rules from recording rules", () => {
            assert.strictEqual(
                isAlertingRule(rule(buildRuleGroups(fullInput()), "HPAAtMax")),
                true,
            );
            assert.strictEqual(isAlertingRule({ record: "a:b:rate5m", expr: "vector(1)" }), false);
        });

        it("watches the given web jobs, or the app's own when none are given", () => {
            assert.deepStrictEqual(webJobsOf({ appName: "a", webJobs: ["b", "c"] }), ["b", "c"]);
            assert.deepStrictEqual(webJobsOf({ appName: "a", webJobs: [] }), ["a"]);
            assert.deepStrictEqual(webJobsOf({ appName: "a" }), ["a"]);
            const given = ["b"];
            assert.notStrictEqual(webJobsOf({ appName: "a", webJobs: given }), given, "a copy");
        });

        it("assumes both data stores unless the input says which it has", () => {
            assert.deepStrictEqual(storesOf({}), { database: true, cache: true });
            const none = { database: false, cache: false };
            assert.deepStrictEqual(storesOf({ stores: none }), none);
        });

        it("prints ratios, durations and quantiles as Prometheus' humanize functions do", () => {
            assert.strictEqual(percent(0.0005), "0.05%");
            assert.strictEqual(percent(0.123456), "12.35%");
            assert.strictEqual(percent(1), "100%");
            assert.strictEqual(seconds(0.25), "250ms");
            assert.strictEqual(seconds(0.0012341), "1.234ms");
            assert.strictEqual(seconds(1), "1s");
            assert.strictEqual(seconds(59.5), "59.5s");
            assert.strictEqual(seconds(12.34567), "12.35s");
            assert.strictEqual(seconds(60), "1m");
            assert.strictEqual(seconds(60.6), "1m 1s", "rounded to the second above a minute");
            assert.strictEqual(seconds(5400), "1h 30m");
            assert.strictEqual(seconds(86400 + 3600 + 60 + 1), "1d 1h 1m 1s");
            assert.strictEqual(seconds(30 * 86400), "30d");
            assert.strictEqual(percentile(0.95), "p95");
            assert.strictEqual(percentile(0.999), "p99.9");
            assert.strictEqual(errorBudget(99.95), 0.0005);
            assert.strictEqual(errorBudget(99), 0.01, "no float noise");
        });
    });

    describe("which groups and alerts exist", () => {
        it("orders the groups slo, canary, app, data, extra, backups, named after the app", () => {
            const withExtra = monitoring((raw) => {
                Object.assign(raw, {
                    extraAlerts: [
                        {
                            name: "QueueBacklog",
                            expr: "vector(1)",
                            severity: "warning",
                            summary: "s",
                            description: "d",
                        },
                    ],
                });
            });
            const groups = buildRuleGroups(fullInput({ monitoring: withExtra }));
            assert.deepStrictEqual(
                groups.map((g) => g.name),
                ["slo", "canary", "app", "data", "extra", "backups"].map((s) => `shop-web.${s}`),
            );
        });

        it("puts the request and pod alerts in the app group, each severity from its own tier", () => {
            const app = groupNamed(buildRuleGroups(fullInput()), "app");
            assert.deepStrictEqual(pairs(app.rules.filter(isAlertingRule)), [
                "HighErrorRate/warning",
                "HighErrorRate/critical",
                "APIUnresponsive/critical",
                "HighLatency/warning",
                "HighLatency/critical",
                "HighCPU/warning",
                "HighCPU/critical",
                "HighMemory/warning",
                "HighMemory/critical",
                "PodRestarting/warning",
                "HPAAtMax/warning",
            ]);
            assert.strictEqual(app.rules.length, 11, "no recording rule in the app group");
        });

        const DATABASE = [
            "DatabaseDown/critical",
            "ReplicationLag/warning",
            "DatabaseConnectionPool/warning",
            "DatabaseConnectionPool/critical",
            "DatabaseStorageLow/warning",
            "DatabaseStorageLow/critical",
        ];
        const CACHE = ["CacheHitRatioLow/warning", "CacheHitRatioLow/critical"];
        const cases: [string, { database: boolean; cache: boolean } | undefined, string[]][] = [
            ["both stores", { database: true, cache: true }, [...DATABASE, ...CACHE]],
            ["stores not given (both)", undefined, [...DATABASE, ...CACHE]],
            ["a database only", { database: true, cache: false }, DATABASE],
            ["a cache only", { database: false, cache: true }, CACHE],
        ];
        for (const [what, stores, expected] of cases) {
            it(`builds the data alerts of the stores the stack has: ${what}`, () => {
                const data = groupNamed(buildRuleGroups(fullInput({ stores })), "data");
                assert.deepStrictEqual(pairs(data.rules.filter(isAlertingRule)), expected);
                assert.strictEqual(data.rules.length, expected.length);
            });
        }

        it("has no data group without data stores, no extra group without extra alerts, no backups group without backups", () => {
            for (const backups of [undefined, []]) {
                const groups = buildRuleGroups(
                    fullInput({ stores: { database: false, cache: false }, backups }),
                );
                assert.deepStrictEqual(
                    groups.map((g) => g.name),
                    ["shop-web.slo", "shop-web.canary", "shop-web.app"],
                );
            }
        });

        it("builds exactly the catalogue's names, each with a known ID, team and runbook link", () => {
            const rules = alertingRules(buildRuleGroups(fullInput({ backups: [] })));
            const names = [...new Set(rules.map((r) => r.alert))].sort();
            assert.deepStrictEqual(names, Object.values(ALERT_CATALOGUE).flat().sort());
            for (const r of rules) {
                assert.ok(alertIdOf(r.alert), r.alert);
                assert.strictEqual(r.labels.team, TEAM, r.alert);
                assert.strictEqual(r.annotations.runbook_url, `${RUNBOOKS}${r.alert}`);
                assert.ok(["warning", "critical"].includes(r.labels.severity), r.alert);
            }
        });

        it("flattens only the alerting rules of every group, in order", () => {
            const groups = buildRuleGroups(fullInput());
            const all = groups.flatMap((g) => g.rules);
            const alerts = alertingRules(groups);
            assert.deepStrictEqual(
                alerts,
                all.filter((r) => "alert" in r),
            );
            assert.ok(alerts.length > 0 && alerts.length < all.length);
            assert.deepStrictEqual(alertingRules([]), []);
        });
    });

    describe("selectors", () => {
        it("selects every web job with job=~, and every scalable workload's pods and HPAs", () => {
            const groups = buildRuleGroups(fullInput());
            mentions(rule(groups, "APIUnresponsive").expr, `{${APP}}`);
            mentions(rule(groups, "HighCPU", "warning").expr, `{${PODS}}`);
            mentions(rule(groups, "HPAAtMax").expr, `{${HPAS}}`);
            mentions(rule(groups, "DatabaseDown").expr, `{${PG}}`);
            mentions(rule(groups, "CacheHitRatioLow", "warning").expr, `{${REDIS}}`);
            mentions(rule(groups, "DatabaseStorageLow", "warning").expr, `{${CLOUDWATCH}}`);
        });

        it("defaults to the app's own job, container app and the exporters' standard jobs", () => {
            const groups = buildRuleGroups(minimalInput());
            const app = `job="shop-web",namespace="${NS}"`;
            assert.strictEqual(rule(groups, "APIUnresponsive").expr, `${M.up}{${app}} == 0`);
            mentions(
                rule(groups, "PodRestarting").expr,
                `{namespace="${NS}",container="app",pod=~"shop-web-(blue|green)-.+"}`,
            );
            mentions(
                rule(groups, "HPAAtMax").expr,
                `{namespace="${NS}",horizontalpodautoscaler=~"shop-web-(blue|green)"}`,
            );
            mentions(
                rule(groups, "DatabaseDown").expr,
                `{job="postgres-exporter",namespace="${NS}"}`,
            );
            mentions(
                rule(groups, "CacheHitRatioLow", "critical").expr,
                `{job="redis-exporter",namespace="${NS}"}`,
            );
            mentions(
                rule(groups, "DatabaseStorageLow", "critical").expr,
                `{job="${CLOUDWATCH_EXPORTER}",namespace="${NS}"}`,
            );
        });

        it("watches the web jobs' pods when no pod owners are given, and one owner without a group", () => {
            const many = buildRuleGroups(fullInput({ podOwners: undefined }));
            mentions(
                rule(many, "HighCPU", "critical").expr,
                `pod=~"(shop-web|shop-admin)-(blue|green)-.+"`,
            );
            const one = buildRuleGroups(fullInput({ podOwners: ["shop-worker"] }));
            mentions(
                rule(one, "HPAAtMax").expr,
                `horizontalpodautoscaler=~"shop-worker-(blue|green)"`,
            );
        });
    });

    describe("what each alert fires on", () => {
        // Built in each test, not here: code run while mocha collects tests is no test's coverage.
        const groups = () => buildRuleGroups(fullInput());
        const a = CFG.alerts;

        it("HighErrorRate: the 5xx ratio by job over the rate window above each tier's threshold", () => {
            for (const severity of ["warning", "critical"] as const) {
                const t = a.highErrorRate[severity];
                const r = rule(groups(), "HighErrorRate", severity);
                assert.strictEqual(
                    r.expr,
                    `${http(APP).errorRatio("namespace, job", W)} > ${t.threshold}`,
                );
                assert.strictEqual(r.for, t.for);
                mentions(r.annotations.summary, "{{ $labels.job }}", "humanizePercentage", "5xx");
                mentions(r.annotations.description, W, severity, percent(t.threshold), t.for);
            }
        });

        it("APIUnresponsive: a web target down for its for:", () => {
            const r = rule(groups(), "APIUnresponsive", "critical");
            assert.strictEqual(r.expr, `${M.up}{${APP}} == 0`);
            assert.strictEqual(r.for, "90s");
            mentions(r.annotations.summary, "{{ $labels.instance }}", "down");
            mentions(r.annotations.description, "{{ $labels.instance }}", "90s", "up == 0");
        });

        it("HighLatency: each tier's quantile of request durations above its seconds", () => {
            for (const severity of ["warning", "critical"] as const) {
                const t = a.highLatency[severity];
                const r = rule(groups(), "HighLatency", severity);
                assert.strictEqual(
                    r.expr,
                    `${http(APP).quantile(t.quantile, "namespace, job", W)} > ${t.threshold}`,
                );
                assert.strictEqual(r.for, t.for);
                mentions(r.annotations.summary, percentile(t.quantile), "humanizeDuration");
                mentions(
                    r.annotations.description,
                    percentile(t.quantile),
                    W,
                    severity,
                    seconds(t.threshold),
                    t.for,
                );
            }
            mentions(rule(groups(), "HighLatency", "critical").annotations.summary, "p99.9");
        });

        it("HighCPU: CPU used over the CPU limit per pod", () => {
            for (const severity of ["warning", "critical"] as const) {
                const t = a.highCpu[severity];
                const r = rule(groups(), "HighCPU", severity);
                assert.strictEqual(
                    r.expr,
                    `sum by (namespace, pod) (rate(${M.containerCpu}{${PODS}}[${W}])) / ` +
                        `sum by (namespace, pod) (${M.containerLimits}{${PODS},resource="cpu"}) > ${t.threshold}`,
                );
                assert.strictEqual(r.for, t.for);
                mentions(r.annotations.summary, "{{ $labels.pod }}", "humanizePercentage", "CPU");
                mentions(r.annotations.description, W, severity, percent(t.threshold), t.for);
            }
        });

        it("HighMemory: bytes per pod for the warning, the share of the limit for the critical", () => {
            const warn = rule(groups(), "HighMemory", "warning");
            assert.strictEqual(
                warn.expr,
                `max by (namespace, pod) (${M.containerMemory}{${PODS}}) > ${400 * 1024 ** 2}`,
            );
            assert.strictEqual(warn.for, "9m");
            mentions(warn.annotations.summary, "{{ $labels.pod }}", "humanize1024");
            mentions(warn.annotations.description, "400MiB", "warning", "9m");
            const crit = rule(groups(), "HighMemory", "critical");
            assert.strictEqual(
                crit.expr,
                `max by (namespace, pod) (${M.containerMemory}{${PODS}}) / ` +
                    `max by (namespace, pod) (${M.containerLimits}{${PODS},resource="memory"}) > 0.92`,
            );
            assert.strictEqual(crit.for, "3m");
            mentions(crit.annotations.summary, "humanizePercentage", "memory limit");
            mentions(crit.annotations.description, "critical", percent(0.92), "3m", "OOM");
        });

        it("PodRestarting: restarts per container in the last hour above the threshold", () => {
            const r = rule(groups(), "PodRestarting", "warning");
            assert.strictEqual(
                r.expr,
                `sum by (namespace, pod, container) (increase(${M.containerRestarts}{${PODS}}[1h])) > 5`,
            );
            assert.strictEqual(r.for, "11m");
            mentions(r.annotations.summary, "{{ $labels.pod }}", '{{ $value | printf "%.0f" }}');
            mentions(r.annotations.description, "{{ $labels.container }}", "more than 5");
        });

        it("HPAAtMax: current replicas at a maximum above the minimum", () => {
            const on = "on (namespace, horizontalpodautoscaler)";
            const r = rule(groups(), "HPAAtMax", "warning");
            assert.strictEqual(
                r.expr,
                `${M.hpaCurrentReplicas}{${HPAS}} >= ${on} ${M.hpaMaxReplicas}{${HPAS}} and ${on} ` +
                    `(${M.hpaMaxReplicas}{${HPAS}} > ${on} ${M.hpaMinReplicas}{${HPAS}})`,
            );
            assert.strictEqual(r.for, "25m");
            mentions(r.annotations.summary, "{{ $labels.horizontalpodautoscaler }}", "maximum");
            mentions(r.annotations.description, "25m", "release:autoscaling.maxReplicas");
        });

        it("DatabaseDown and ReplicationLag: postgres_exporter's pg_up and lag in seconds", () => {
            const down = rule(groups(), "DatabaseDown", "critical");
            assert.strictEqual(down.expr, `${M.pgUp}{${PG}} == 0`);
            assert.strictEqual(down.for, "2m");
            mentions(down.annotations.summary, "{{ $labels.instance }}", "down");
            mentions(down.annotations.description, "pg_up == 0", "2m");
            const lag = rule(groups(), "ReplicationLag", "warning");
            assert.strictEqual(
                lag.expr,
                `max by (namespace, job, instance) (${M.pgReplicationLag}{${PG}}) > 45`,
            );
            assert.strictEqual(lag.for, "12m");
            mentions(lag.annotations.summary, "{{ $labels.instance }}", "humanizeDuration");
            mentions(lag.annotations.description, seconds(45), "12m", "stale");
        });

        it("DatabaseConnectionPool: connections over max_connections per instance", () => {
            for (const severity of ["warning", "critical"] as const) {
                const t = a.databaseConnectionPool[severity];
                const r = rule(groups(), "DatabaseConnectionPool", severity);
                assert.strictEqual(
                    r.expr,
                    `sum by (namespace, job, instance) (${M.pgConnections}{${PG}}) / ` +
                        `max by (namespace, job, instance) (${M.pgMaxConnections}{${PG}}) > ${t.threshold}`,
                );
                assert.strictEqual(r.for, t.for);
                mentions(r.annotations.summary, "humanizePercentage", "max_connections");
                mentions(r.annotations.description, severity, percent(t.threshold), t.for);
            }
        });

        it("DatabaseStorageLow: free bytes over the database's allocated storage, below each tier", () => {
            const label = CLOUDWATCH_LABELS.dbInstance;
            for (const severity of ["warning", "critical"] as const) {
                const t = a.databaseStorageLow[severity];
                const r = rule(groups(), "DatabaseStorageLow", severity);
                assert.strictEqual(
                    r.expr,
                    `min by (${label}) (${M.dbFreeStorageBytes}{${CLOUDWATCH}}) / ${200 * 1024 ** 3} < ${t.threshold}`,
                );
                assert.strictEqual(r.for, t.for);
                mentions(r.annotations.summary, `{{ $labels.${label} }}`, "humanizePercentage");
                mentions(
                    r.annotations.description,
                    `{{ $labels.${label} }}`,
                    "200 GiB",
                    severity,
                    percent(t.threshold),
                    t.for,
                );
            }
        });

        it("DatabaseStorageLow divides by the config's allocatedGiB when the input has no database", () => {
            const r = rule(buildRuleGroups(minimalInput()), "DatabaseStorageLow", "warning");
            mentions(r.expr, `) / ${40 * 1024 ** 3} < 0.25`);
            mentions(r.annotations.description, "40 GiB");
        });

        it("CacheHitRatioLow: hits over lookups below each tier, only with enough lookups", () => {
            const hits = `sum by (namespace, job) (rate(${M.redisHits}{${REDIS}}[${W}]))`;
            const lookups = `(${hits} + sum by (namespace, job) (rate(${M.redisMisses}{${REDIS}}[${W}])))`;
            for (const severity of ["warning", "critical"] as const) {
                const t = a.cacheHitRatioLow[severity];
                const r = rule(groups(), "CacheHitRatioLow", severity);
                assert.strictEqual(
                    r.expr,
                    `${hits} / ${lookups} < ${t.threshold} and on (namespace, job) ${lookups} > 3`,
                );
                assert.strictEqual(r.for, t.for);
                mentions(r.annotations.summary, "Redis", "humanizePercentage");
                mentions(r.annotations.description, W, severity, percent(t.threshold), t.for);
            }
        });
    });

    describe("one setting moves its own rule only", () => {
        type Raw = typeof MONITORING;
        const cases: [string, (raw: Raw) => void, string[]][] = [
            [
                "highErrorRate.warning.threshold",
                (r) => void (r.alerts.highErrorRate.warning.threshold = 0.0003),
                ["HighErrorRate/warning"],
            ],
            [
                "highErrorRate.critical.for",
                (r) => void (r.alerts.highErrorRate.critical.for = "1m"),
                ["HighErrorRate/critical"],
            ],
            [
                "apiUnresponsive.for",
                (r) => void (r.alerts.apiUnresponsive.for = "3m"),
                ["APIUnresponsive/critical"],
            ],
            [
                "highLatency.warning.quantile",
                (r) => void (r.alerts.highLatency.warning.quantile = 0.95),
                ["HighLatency/warning"],
            ],
            [
                "highLatency.critical.threshold",
                (r) => void (r.alerts.highLatency.critical.threshold = 2),
                ["HighLatency/critical"],
            ],
            [
                "highCpu.critical.threshold",
                (r) => void (r.alerts.highCpu.critical.threshold = 0.95),
                ["HighCPU/critical"],
            ],
            [
                "highMemory.warning.threshold",
                (r) => void (r.alerts.highMemory.warning.threshold = "300Mi"),
                ["HighMemory/warning"],
            ],
            [
                "highMemory.critical.for",
                (r) => void (r.alerts.highMemory.critical.for = "1m"),
                ["HighMemory/critical"],
            ],
            [
                "podRestarting.threshold",
                (r) => void (r.alerts.podRestarting.threshold = 2),
                ["PodRestarting/warning"],
            ],
            ["hpaAtMax.for", (r) => void (r.alerts.hpaAtMax.for = "30m"), ["HPAAtMax/warning"]],
            [
                "databaseDown.for",
                (r) => void (r.alerts.databaseDown.for = "5m"),
                ["DatabaseDown/critical"],
            ],
            [
                "replicationLag.threshold",
                (r) => void (r.alerts.replicationLag.threshold = 90),
                ["ReplicationLag/warning"],
            ],
            [
                "databaseConnectionPool.warning.threshold",
                (r) => void (r.alerts.databaseConnectionPool.warning.threshold = 0.7),
                ["DatabaseConnectionPool/warning"],
            ],
            [
                "databaseStorageLow.critical.threshold",
                (r) => void (r.alerts.databaseStorageLow.critical.threshold = 0.05),
                ["DatabaseStorageLow/critical"],
            ],
            [
                "cacheHitRatioLow.minLookupRate",
                (r) => void (r.alerts.cacheHitRatioLow.minLookupRate = 10),
                ["CacheHitRatioLow/warning", "CacheHitRatioLow/critical"],
            ],
            [
                "canary.errorRatioFloor",
                (r) => void (r.canary.errorRatioFloor = 0.02),
                ["CanaryWorseThanStableErrors/warning"],
            ],
            [
                "canary.latencyFactor",
                (r) => void (r.canary.latencyFactor = 2),
                ["CanaryWorseThanStableLatency/critical"],
            ],
            [
                "canary.minRequestRate",
                (r) => void (r.canary.minRequestRate = 1),
                ["CanaryWorseThanStableErrors/warning", "CanaryWorseThanStableLatency/critical"],
            ],
        ];
        const key = (r: AlertingRule) => `${r.alert}/${r.labels.severity}`;
        const rulesBy = (cfg: MonitoringConfig) =>
            new Map(
                alertingRules(buildRuleGroups(fullInput({ monitoring: cfg }))).map((r) => [
                    key(r),
                    r,
                ]),
            );
        for (const [setting, edit, changed] of cases) {
            it(setting, () => {
                const before = rulesBy(CFG);
                const after = [...rulesBy(monitoring(edit)).values()];
                assert.deepStrictEqual(after.map(key), [...before.keys()]);
                const moved = after.filter(
                    (r) => JSON.stringify(r) !== JSON.stringify(before.get(key(r))),
                );
                assert.deepStrictEqual(moved.map(key), changed);
            });
        }
    });

    describe("SLO burn rates", () => {
        const slo = () => groupNamed(buildRuleGroups(fullInput()), "slo");
        const ratio = (window: string) => `namespace_job:http_requests_errors:ratio_rate${window}`;

        it("records each burn window's 5xx ratio once, before the alerts that read them", () => {
            const records = slo().rules.filter((r): r is RecordingRule => !isAlertingRule(r));
            // The slow alert's short window is the medium one's long window: recorded once.
            assert.deepStrictEqual(
                records,
                ["5m", "1h", "30m", "6h", "3d"].map((w) => ({
                    record: ratio(w),
                    expr: http(APP).errorRatio("namespace, job", w),
                })),
            );
            assert.deepStrictEqual(
                slo().rules.slice(0, records.length).map(isAlertingRule),
                records.map(() => false),
            );
        });

        it("fires when both windows burn the budget faster than the factor, labelled with them", () => {
            const alerts = slo().rules.filter(isAlertingRule);
            const budget = errorBudget(CFG.slo.availability);
            assert.deepStrictEqual(pairs(alerts), [
                "SLOBurnRateFast/critical",
                "SLOBurnRateMedium/critical",
                "SLOBurnRateSlow/warning",
            ]);
            const burns = CFG.slo.burnRates;
            for (const [r, b] of [
                [alerts[0], burns.fast],
                [alerts[1], burns.medium],
                [alerts[2], burns.slow],
            ] as const) {
                const over = `(${b.factor} * ${budget})`;
                assert.strictEqual(
                    r.expr,
                    `${ratio(b.longWindow)}{${APP}} > ${over} and on (namespace, job) ${ratio(b.shortWindow)}{${APP}} > ${over}`,
                );
                assert.strictEqual(r.for, b.for);
                assert.deepStrictEqual(r.labels, {
                    severity: b.severity,
                    team: TEAM,
                    slo: "availability",
                    long_window: b.longWindow,
                    short_window: b.shortWindow,
                });
                assert.strictEqual(r.annotations.runbook_url, `${RUNBOOKS}${r.alert}`);
                mentions(r.annotations.summary, "{{ $labels.job }}", "99.9%", `${b.factor}×`);
                mentions(
                    r.annotations.description,
                    b.longWindow,
                    b.shortWindow,
                    `${b.factor} × the ${percent(budget)} error budget = ${percent(b.factor * budget)}`,
                    `gone in ${seconds((30 * 86400) / b.factor)}.`,
                );
            }
            // 14.4 × burns 30 days in 50 hours; 1 × in exactly the 30 days.
            mentions(alerts[0].annotations.description, "gone in 2d 2h.");
            mentions(alerts[2].annotations.description, "gone in 30d.");
            mentions(alerts[0].expr, "> (14.4 * 0.001)");
        });

        it("takes each burn rate's windows, factor and severity from the config", () => {
            const cfg = monitoring((raw) => {
                Object.assign(raw.slo, {
                    availability: 99.5,
                    burnRates: {
                        medium: {
                            longWindow: "4h",
                            shortWindow: "20m",
                            factor: 5,
                            severity: "warning",
                            for: "10m",
                        },
                    },
                });
            });
            const r = rule(buildRuleGroups(fullInput({ monitoring: cfg })), "SLOBurnRateMedium");
            assert.strictEqual(r.labels.severity, "warning");
            assert.strictEqual(r.for, "10m");
            mentions(
                r.expr,
                `${ratio("4h")}{${APP}} > (5 * 0.005)`,
                `${ratio("20m")}{${APP}} > (5 * 0.005)`,
            );
            mentions(r.annotations.summary, "99.5%");
        });
    });

    describe("canary against stable (per colour)", () => {
        const canary = () => groupNamed(buildRuleGroups(fullInput()), "canary");
        const rec = colorRecords(W);
        const c = CFG.canary;
        /** Either colour beating the other by the factor, above the floor, with enough traffic. */
        const worse = (record: string, factor: number, floor: number) =>
            [
                ["blue", "green"],
                ["green", "blue"],
            ]
                .map(
                    ([x, y]) =>
                        `(${record}{${APP},color="${x}"} > on (namespace, job) group_left () ${factor} * ${record}{${APP},color="${y}"} ` +
                        `and ${record}{${APP},color="${x}"} > ${floor} ` +
                        `and on (${BY_COLOR}) ${rec.rate}{${APP},color="${x}"} > ${c.minRequestRate})`,
                )
                .join(" or ");

        it("records each colour's request rate, 5xx ratio and p95 first", () => {
            const q = http(APP);
            assert.deepStrictEqual(canary().rules.slice(0, 3), [
                { record: rec.rate, expr: q.requestRate(BY_COLOR, W) },
                { record: rec.errors, expr: q.errorRatio(BY_COLOR, W) },
                { record: rec.p95, expr: q.quantile(0.95, BY_COLOR, W) },
            ]);
            assert.strictEqual(canary().rules.length, 5);
        });

        it("compares each colour's 5xx ratio with the other's, at the configured severity", () => {
            const r = rule([canary()], "CanaryWorseThanStableErrors");
            assert.strictEqual(r.labels.severity, "warning");
            assert.strictEqual(r.for, "6m");
            assert.strictEqual(r.expr, worse(rec.errors, 3, 0.01));
            mentions(r.annotations.summary, "{{ $labels.color }}", "humanizePercentage", "3×");
            mentions(
                r.annotations.description,
                "{{ $labels.color }}",
                W,
                `(limit: 3× the other colour and at least ${percent(0.01)})`,
                `{{ $other := "blue" }}{{ if eq $labels.color "blue" }}{{ $other = "green" }}{{ end }}`,
                `{{ with printf "${rec.errors}{job=%q,namespace=%q,color=%q}" $labels.job $labels.namespace $other | query }}` +
                    `{{ . | first | value | humanizePercentage }}{{ else }}no data{{ end }} on {{ $other }}`,
                "set release:traffic.canaryWeight to 0.",
            );
        });

        it("compares each colour's p95 with the other's, at the configured severity", () => {
            const r = rule([canary()], "CanaryWorseThanStableLatency");
            assert.strictEqual(r.labels.severity, "critical");
            assert.strictEqual(r.for, "6m");
            assert.strictEqual(r.expr, worse(rec.p95, 1.25, 0.4));
            mentions(r.annotations.summary, "{{ $labels.color }}", "humanizeDuration", "1.25×");
            mentions(
                r.annotations.description,
                W,
                `(limit: 1.25× the other colour and at least ${seconds(0.4)})`,
                `{{ with printf "${rec.p95}{job=%q,namespace=%q,color=%q}"`,
                "{{ . | first | value | humanizeDuration }}",
                "set release:traffic.canaryWeight to 0.",
            );
        });
    });

    describe("the stack's own alerts and the backups", () => {
        it("renders extra alerts with the team label and the runbook link, unless one is given", () => {
            const extras = [
                {
                    name: "QueueBacklog",
                    expr: 'sum(queue_depth{job="shop-worker"}) > 100',
                    for: "7m",
                    severity: "critical",
                    summary: "Queue backlog is {{ $value }}",
                    description: "The worker queue holds {{ $value }} jobs.",
                },
                {
                    name: "WebhookFailures",
                    expr: "sum(rate(webhook_failures_total[5m])) > 0",
                    severity: "warning",
                    summary: "Webhooks fail",
                    description: "Webhook deliveries fail.",
                    runbookUrl: "https://wiki.example.com/webhooks",
                },
            ];
            const cfg = monitoring((raw) => void Object.assign(raw, { extraAlerts: extras }));
            const extra = groupNamed(buildRuleGroups(fullInput({ monitoring: cfg })), "extra");
            assert.deepStrictEqual(extra.rules, [
                {
                    alert: "QueueBacklog",
                    expr: extras[0].expr,
                    for: "7m",
                    labels: { severity: "critical", team: TEAM },
                    annotations: {
                        summary: extras[0].summary,
                        description: extras[0].description,
                        runbook_url: `${RUNBOOKS}QueueBacklog`,
                    },
                },
                {
                    alert: "WebhookFailures",
                    expr: extras[1].expr,
                    for: "5m",
                    labels: { severity: "warning", team: TEAM },
                    annotations: {
                        summary: "Webhooks fail",
                        description: "Webhook deliveries fail.",
                        runbook_url: "https://wiki.example.com/webhooks",
                    },
                },
            ]);
        });

        it("watches each backup CronJob in the app's namespace, with the stack's metric names", () => {
            const backups = [
                { cronJob: "shop-db-backup", dbIdentifier: "shop-db", maxAgeHours: 26 },
                { cronJob: "shop-ro-backup", dbIdentifier: "shop-ro", maxAgeHours: 50 },
            ];
            const group = groupNamed(buildRuleGroups(fullInput({ backups })), "backups");
            const rules = group.rules.filter(isAlertingRule);
            assert.strictEqual(group.rules.length, 2);
            rules.forEach((r, i) => {
                const b = backups[i];
                const sel = `namespace="${NS}", cronjob="${b.cronJob}"`;
                assert.strictEqual(r.alert, BACKUP_ALERT);
                mentions(
                    r.expr,
                    `${M.cronJobLastSuccess}{${sel}})) > ${b.maxAgeHours * 3600}`,
                    `${M.cronJobCreated}{${sel}}`,
                );
                assert.deepStrictEqual(r.labels, { severity: "critical", team: TEAM });
                assert.strictEqual(r.annotations.runbook_url, `${RUNBOOKS}${BACKUP_ALERT}`);
                mentions(r.annotations.summary, b.dbIdentifier, `${b.maxAgeHours} h`);
            });
            assert.strictEqual(M.cronJobLastSuccess, "ksm_cronjob_last_success", "renamed");
        });
    });
});

describe("alert rule decisions: what a stack's rules watch", () => {
    /** The prod stack file, parsed, with `edit` applied to its `release:*` values. */
    function stack(name: "prod" | "staging", edit?: ConfigEdit) {
        const { input, config } = editedStackConfig(name, edit);
        const raw: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(config)) {
            if (k.startsWith(`${input.project}:`)) raw[k.slice(input.project.length + 1)] = v;
        }
        const cfg = parseStackConfig(raw);
        return { cfg, workloads: resolveWorkloads(cfg) };
    }
    const withBackup: ConfigEdit = (c) => {
        ALL_KINDS(c);
        c.buckets = { backups: {} };
        c.database.backup = { bucket: "backups", maxAgeHours: 30 };
    };

    it("watches every web workload's requests and every scalable workload's pods, not the cron's", () => {
        const { cfg, workloads } = stack("prod", withBackup);
        const named = (key: string) => workloads.find((w) => w.key === key)!.name;
        const input = alertRulesInput(cfg, workloads)!;
        assert.strictEqual(input.appName, named("api"));
        assert.deepStrictEqual(input.webJobs, [named("api"), named("admin")]);
        assert.deepStrictEqual(
            [...input.podOwners!].sort(),
            [named("api"), named("admin"), named("rtmp"), named("worker")].sort(),
        );
        assert.ok(!input.podOwners!.includes(named("cleanup")), "a CronJob has no HPA");
        assert.strictEqual(input.namespace, cfg.app.namespace);
        assert.strictEqual(input.monitoring, cfg.monitoring);
        assert.deepStrictEqual(input.database, { allocatedGiB: cfg.database!.allocatedStorageGb });
        assert.deepStrictEqual(input.stores, { database: true, cache: true });
        assert.deepStrictEqual(input.backups, [
            {
                cronJob: `${cfg.database!.identifier}-backup`,
                dbIdentifier: cfg.database!.identifier,
                maxAgeHours: 30,
            },
        ]);
    });

    it("has no store, storage size or backup a stack lacks", () => {
        const { cfg, workloads } = stack("prod", (c) => {
            delete c.database;
            delete c.cache;
        });
        const input = alertRulesInput(cfg, workloads)!;
        assert.deepStrictEqual(input.stores, { database: false, cache: false });
        assert.strictEqual(input.database, undefined);
        assert.deepStrictEqual(input.backups, []);
        assert.deepStrictEqual(
            buildRuleGroups(input).map((g) => g.name.slice(input.appName.length)),
            [".slo", ".canary", ".app", ".extra"],
        );
    });

    it("builds no rules without release:monitoring", () => {
        const { cfg, workloads } = stack("staging", (c) => delete c.monitoring);
        assert.strictEqual(cfg.monitoring, undefined);
        assert.strictEqual(alertRulesInput(cfg, workloads), undefined);
    });

    it("names the rules after the first web workload, else the first workload", () => {
        const w = (key: string, kind: Workload["kind"]) => ({ key, kind, name: key }) as Workload;
        const [worker, cron, web, admin] = [
            w("worker", "worker"),
            w("cleanup", "cron"),
            w("web", "web"),
            w("admin", "web"),
        ];
        assert.strictEqual(watchedWorkload([worker, web, admin]), web);
        assert.strictEqual(watchedWorkload([cron, worker]), cron);
    });
});
