import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import {
    ALERT_CATALOGUE,
    alertIdOf,
    buildRuleGroups,
    errorBudget,
    percent,
    seconds,
    type AlertingRule,
    type RuleGroup,
} from "../decisions/alertRules";
import { parseStackConfig } from "../config";
import { durationSeconds, memoryBytes } from "../config/monitoring";
import { validateManifest } from "../scripts/lib/k8sSchema";
import { manifestOf, type Plan, type PlannedResource } from "../scripts/lib/plan";
import { ruleGroupsOf, writeRulesFile } from "../scripts/lib/rulesFile";
import { loadStackInput } from "../scripts/lib/stackFile";
import { byType, configProblems, planStack, type StackName } from "./helpers";

const T = {
    rule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    monitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
    configMap: "kubernetes:core/v1:ConfigMap",
    service: "kubernetes:core/v1:Service",
};

const ruleOf = (plan: Plan): any => {
    const rules = byType(plan, T.rule);
    assert.equal(rules.length, 1, "one PrometheusRule per stack");
    return rules[0].inputs;
};
const alertsOf = (plan: Plan): AlertingRule[] =>
    (ruleOf(plan).spec.groups as RuleGroup[]).flatMap((g) =>
        g.rules.filter((r): r is AlertingRule => "alert" in r),
    );
const alertsNamed = (plan: Plan, name: string, severity?: string) =>
    alertsOf(plan).filter((a) => a.alert === name && (!severity || a.labels.severity === severity));
const dashboardOf = (plan: Plan) =>
    byType(plan, T.configMap).find((c) => (c.inputs as any).metadata.labels?.grafana_dashboard);

/** The stack file's release:monitoring section, parsed with defaults (what the program sees). */
function monitoringConfig(stack: StackName) {
    const input = loadStackInput(stack);
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input.config)) {
        if (k.startsWith("release:")) raw[k.slice("release:".length)] = v;
    }
    return parseStackConfig(raw);
}

describe("alerts", () => {
    for (const stack of ["staging", "prod"] as StackName[]) {
        describe(stack, () => {
            let plan: Plan;
            let cfg: ReturnType<typeof monitoringConfig>;
            before(async () => {
                plan = await planStack(stack);
                cfg = monitoringConfig(stack);
            });

            it("renders a PrometheusRule, ServiceMonitors and a dashboard that pass the upstream schemas", () => {
                const objects = [
                    ...byType(plan, T.rule),
                    ...byType(plan, T.monitor),
                    dashboardOf(plan) as PlannedResource,
                ];
                assert.ok(objects.length >= 3);
                for (const r of objects) {
                    assert.deepEqual(validateManifest(manifestOf(r)), [], `${r.type} ${r.name}`);
                }
                const rule = ruleOf(plan);
                assert.equal(rule.apiVersion, "monitoring.coreos.com/v1");
                assert.equal(rule.metadata.namespace, cfg.app.namespace);
                // kube-prometheus-stack only loads rules carrying its selector labels.
                assert.equal(rule.metadata.labels.release, "kube-prometheus-stack");
            });

            it("covers every AL ID with the catalogue's alert names, and nothing else but the stack's own", () => {
                const names = new Set(alertsOf(plan).map((a) => a.alert));
                for (const [id, expected] of Object.entries(ALERT_CATALOGUE)) {
                    for (const name of expected) assert.ok(names.has(name), `${id}: ${name}`);
                }
                // Every other alert is one the stack file declares (release:monitoring.extraAlerts),
                // rendered in its own group; a catalogue alert never lands there.
                const extras = new Set(cfg.monitoring!.extraAlerts.map((x) => x.name));
                const extraGroup = ruleOf(plan).spec.groups.find((g: any) =>
                    g.name.endsWith(".extra"),
                );
                const inExtraGroup = new Set<string>(
                    (extraGroup?.rules ?? []).map((r: any) => r.alert),
                );
                for (const name of names) {
                    if (alertIdOf(name)) {
                        assert.ok(!inExtraGroup.has(name), `${name} is a catalogue alert`);
                    } else {
                        assert.ok(extras.has(name), `${name} is in no AL ID and not declared`);
                        assert.ok(inExtraGroup.has(name), `${name} is outside the extra group`);
                    }
                }
                assert.deepEqual([...inExtraGroup].sort(), [...extras].sort());
                assert.equal(plan.outputs.alertCount, alertsOf(plan).length);
            });

            it("gives every alert for:, severity, team, a human-unit summary and its runbook URL", () => {
                const m = cfg.monitoring!;
                for (const a of alertsOf(plan)) {
                    const what = `${a.alert}/${a.labels.severity}`;
                    assert.ok(durationSeconds(a.for) > 0, `${what} for: ${a.for}`);
                    assert.ok(["warning", "critical"].includes(a.labels.severity), what);
                    assert.equal(a.labels.team, m.team, what);
                    // The stack's own alerts may link elsewhere; by default they follow the base URL.
                    const own = m.extraAlerts.find((x) => x.name === a.alert);
                    assert.equal(
                        a.annotations.runbook_url,
                        own?.runbookUrl ?? `${m.runbookBaseUrl}${a.alert}`,
                    );
                    assert.ok(a.annotations.summary.length > 0, what);
                    assert.ok(a.annotations.description.length > a.annotations.summary.length);
                    const text = a.annotations.summary + a.annotations.description;
                    // The value shows in a human unit, or the alert is a plain state (target down).
                    if (!/ == 0$/.test(a.expr)) {
                        assert.match(
                            text,
                            /\$value \| (humanizePercentage|humanizeDuration|humanize1024|printf)/,
                            what,
                        );
                    }
                }
            });

            it("takes thresholds and for: durations from the stack file", () => {
                const a = cfg.monitoring!.alerts;
                const [crit] = alertsNamed(plan, "HighErrorRate", "critical");
                assert.match(crit.expr, new RegExp(`> ${a.highErrorRate.critical.threshold}$`));
                assert.equal(crit.for, a.highErrorRate.critical.for);
                assert.ok(
                    crit.annotations.description.includes(
                        percent(a.highErrorRate.critical.threshold),
                    ),
                );
                const [lat] = alertsNamed(plan, "HighLatency", "warning");
                assert.ok(
                    lat.expr.startsWith(`histogram_quantile(${a.highLatency.warning.quantile},`),
                );
                assert.ok(
                    lat.annotations.description.includes(seconds(a.highLatency.warning.threshold)),
                );
                const [mem] = alertsNamed(plan, "HighMemory", "warning");
                assert.ok(mem.expr.endsWith(`> ${memoryBytes(a.highMemory.warning.threshold)}`));
                const [fast] = alertsNamed(plan, "SLOBurnRateFast");
                const budget = errorBudget(cfg.monitoring!.slo.availability);
                assert.ok(fast.expr.includes(`> (14.4 * ${budget})`), fast.expr);
            });

            it("compares each colour with the other in one expression, guarded by traffic", () => {
                const c = cfg.monitoring!.canary;
                const [errors] = alertsNamed(plan, "CanaryWorseThanStableErrors");
                const sel = `job="${cfg.app.name}",namespace="${cfg.app.namespace}"`;
                const ratio = "namespace_job_color:http_requests_errors:ratio_rate5m";
                for (const [x, y] of [
                    ["blue", "green"],
                    ["green", "blue"],
                ]) {
                    const branch =
                        `(${ratio}{${sel},color="${x}"} > on (namespace, job) group_left () ${c.errorRatioFactor} * ${ratio}{${sel},color="${y}"} ` +
                        `and ${ratio}{${sel},color="${x}"} > ${c.errorRatioFloor} ` +
                        `and on (namespace, job, color) namespace_job_color:http_requests:rate5m{${sel},color="${x}"} > ${c.minRequestRate})`;
                    assert.ok(errors.expr.includes(branch), `${x} against ${y}: ${errors.expr}`);
                }
                assert.equal(errors.labels.severity, c.errorSeverity);
            });

            it("scrapes the app with its colour and version, and the data tier's exporters", () => {
                const monitors = byType(plan, T.monitor).map((r) => r.inputs as any);
                const services = byType(plan, T.service).map((r) => r.inputs as any);
                const appMonitor = monitors.find(
                    (m) => m.spec.selector.matchLabels["app.kubernetes.io/name"] === cfg.app.name,
                );
                assert.ok(appMonitor, "a ServiceMonitor for the app");
                assert.deepEqual(appMonitor.spec.podTargetLabels, ["color", "version"]);
                assert.equal(appMonitor.spec.jobLabel, "app.kubernetes.io/name");
                assert.equal(appMonitor.spec.endpoints[0].path, cfg.app.health.metrics);
                // Each monitor selects Services that exist in this plan and expose its port name.
                for (const m of monitors) {
                    const sel = m.spec.selector.matchLabels;
                    const matched = services.filter((s) =>
                        Object.entries(sel).every(([k, v]) => s.metadata.labels?.[k] === v),
                    );
                    assert.ok(matched.length > 0, `${m.metadata.name} selects no Service`);
                    for (const s of matched) {
                        const ports = s.spec.ports.map((p: { name: string }) => p.name);
                        assert.ok(ports.includes(m.spec.endpoints[0].port), `${s.metadata.name}`);
                    }
                }
                const exporters = monitors.map((m) => m.metadata.name).sort();
                assert.deepEqual(
                    exporters,
                    [
                        cfg.app.name,
                        "postgres-exporter",
                        "redis-exporter",
                        "cloudwatch-exporter",
                    ].sort(),
                );
            });

            it("ships a Grafana dashboard whose queries read recorded series that exist", () => {
                const cm = dashboardOf(plan);
                assert.ok(cm, "a ConfigMap labelled grafana_dashboard");
                const inputs = cm!.inputs as any;
                assert.equal(inputs.metadata.labels.grafana_dashboard, "1");
                const files = Object.values(inputs.data) as string[];
                assert.equal(files.length, 1);
                const dash = JSON.parse(files[0]);
                const titles = dash.panels.map((p: { title: string }) => p.title.toLowerCase());
                for (const want of [
                    "traffic share per colour",
                    "5xx ratio per colour",
                    "p95 latency per colour",
                    "hpa current / desired / max per colour",
                    "database connections",
                    "replication lag",
                    "redis hit ratio",
                ]) {
                    assert.ok(titles.includes(want), want);
                }
                const recorded = new Set(
                    (ruleOf(plan).spec.groups as RuleGroup[]).flatMap((g) =>
                        g.rules.flatMap((r) => ("record" in r ? [r.record] : [])),
                    ),
                );
                for (const p of dash.panels) {
                    for (const t of p.targets) {
                        for (const name of t.expr.match(/\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+\b/g) ??
                            []) {
                            assert.ok(recorded.has(name), `${p.title}: ${name} is not recorded`);
                        }
                    }
                }
            });

            it("writes the same groups as the PrometheusRule to prometheus-rules.yaml", () => {
                const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rules-"));
                try {
                    const file = writeRulesFile(dir, plan)!;
                    const written = parse(fs.readFileSync(file, "utf8"));
                    assert.deepEqual(written.groups, ruleOf(plan).spec.groups);
                    assert.deepEqual(ruleGroupsOf(plan), written.groups);
                } finally {
                    fs.rmSync(dir, { recursive: true, force: true });
                }
            });
        });
    }

    describe("a change in the stack file changes the rendered rule", () => {
        it("moves the HighErrorRate critical threshold and for:", async () => {
            const base = alertsNamed(await planStack("prod"), "HighErrorRate", "critical")[0];
            const edited = alertsNamed(
                await planStack("prod", (c) => {
                    c.monitoring.alerts.highErrorRate.critical = { threshold: 0.02, for: "10m" };
                }),
                "HighErrorRate",
                "critical",
            )[0];
            assert.ok(!base.expr.endsWith("> 0.02"));
            assert.ok(edited.expr.endsWith("> 0.02"), edited.expr);
            assert.equal(edited.for, "10m");
            assert.ok(edited.annotations.description.includes("threshold of 2% for 10m"));
        });

        it("leaves the rules, monitors and dashboard alone on a promotion", async () => {
            const monitoringObjects = (plan: Plan) =>
                plan.resources
                    .filter((r) => r.parent?.includes("release:monitoring:Alerting"))
                    .map((r) => JSON.stringify(r.inputs));
            const before = await planStack("prod");
            const after = await planStack("prod", (c) => {
                c.traffic.stable = "green";
                c.traffic.canaryWeight = 0;
            });
            // The rule, the dashboard, and monitors for the app and three exporters.
            assert.equal(monitoringObjects(before).length, 6);
            assert.deepEqual(monitoringObjects(after), monitoringObjects(before));
        });

        it("renames the metrics the rules query", async () => {
            const plan = await planStack("prod", (c) => {
                c.monitoring.metrics = {
                    httpRequests: "app_http_requests_total",
                    httpStatusLabel: "code",
                };
            });
            const [crit] = alertsNamed(plan, "HighErrorRate", "critical");
            assert.ok(
                crit.expr.includes(
                    'app_http_requests_total{job="nova-api",namespace="nova-prod",code=~"5.."}',
                ),
            );
            assert.ok(!/\bhttp_requests_total\b/.test(crit.expr));
        });

        it("sizes the storage alert from the data tier's allocated storage", async () => {
            const plan = await planStack("prod", (c) => (c.database.allocatedStorageGb = 500));
            const [warn] = alertsNamed(plan, "DatabaseStorageLow", "warning");
            assert.ok(warn.expr.includes(`/ ${500 * 1024 ** 3} <`), warn.expr);
            // Every instance the stack's own CloudWatch exporter reports, restored ones included.
            assert.ok(
                warn.expr.includes(
                    'aws_rds_free_storage_space_average{job="cloudwatch-exporter",namespace="nova-prod"}',
                ),
                warn.expr,
            );
        });
    });

    describe("rejects bad monitoring config with the key, the value and the rule", () => {
        const cases: [string, (c: Record<string, any>) => void, string][] = [
            [
                "warning above critical",
                (c) => (c.monitoring.alerts.highCpu.warning.threshold = 0.9),
                "release:monitoring.alerts.highCpu.warning.threshold must be below release:monitoring.alerts.highCpu.critical.threshold (0.85) so the warning fires first (got 0.9)",
            ],
            [
                "cache warning below critical",
                (c) => (c.monitoring.alerts.cacheHitRatioLow.warning.threshold = 0.8),
                "release:monitoring.alerts.cacheHitRatioLow.warning.threshold must be above release:monitoring.alerts.cacheHitRatioLow.critical.threshold (0.85) so the warning fires first (got 0.8)",
            ],
            [
                "memory warning above the critical share of the limit",
                (c) => (c.monitoring.alerts.highMemory.warning.threshold = "500Mi"),
                'release:monitoring.alerts.highMemory.warning.threshold must be below critical.threshold × release:app.resources.limits.memory (0.95 × 512Mi = 486Mi) so the warning fires first (got "500Mi")',
            ],
            [
                "a ratio given in percent",
                (c) => (c.monitoring.alerts.highErrorRate.critical.threshold = 5),
                "release:monitoring.alerts.highErrorRate.critical.threshold must be a number 0–1 (a ratio: 0.05 means 5 %) (got 5)",
            ],
            [
                "a duration without a unit",
                (c) => (c.monitoring.alerts.hpaAtMax.for = "15"),
                'release:monitoring.alerts.hpaAtMax.for must be a Prometheus duration such as "30s", "5m" or "1h" (got "15")',
            ],
            [
                "a metric name with a dash",
                (c) => (c.monitoring.metrics = { containerCpu: "container-cpu" }),
                'release:monitoring.metrics.containerCpu must be a Prometheus metric name such as http_requests_total (got "container-cpu")',
            ],
            [
                "a rename of a metric an exporter the stack pins produces",
                (c) => (c.monitoring.metrics = { pgUp: "postgres_up" }),
                "release:monitoring.metrics.pgUp must not be set: it is not a known setting (check the spelling)",
            ],
            [
                "a runbook URL over plain http",
                (c) => (c.monitoring.runbookBaseUrl = "http://wiki.example.com/runbooks/"),
                'release:monitoring.runbookBaseUrl must be an https URL ending in /, # or = (got "http://wiki.example.com/runbooks/")',
            ],
            [
                "a burn-rate short window longer than its long window",
                (c) =>
                    (c.monitoring.slo.burnRates = {
                        fast: {
                            longWindow: "5m",
                            shortWindow: "1h",
                            factor: 14.4,
                            severity: "critical",
                            for: "2m",
                        },
                    }),
                'release:monitoring.slo.burnRates.fast.shortWindow must be shorter than release:monitoring.slo.burnRates.fast.longWindow (5m) (got "1h")',
            ],
            [
                "a burn rate that could never fire",
                (c) =>
                    (c.monitoring.slo = {
                        availability: 99,
                        burnRates: {
                            fast: {
                                longWindow: "1h",
                                shortWindow: "5m",
                                factor: 500,
                                severity: "critical",
                                for: "2m",
                            },
                        },
                    }),
                "release:monitoring.slo.burnRates.fast.factor must be at most 100 for a 99 % SLO (factor × error budget must not exceed 100 %) (got 500)",
            ],
            [
                "prod without monitoring",
                (c) => delete c.monitoring,
                "release:monitoring must be set in prod: alerts and dashboards are part of a release (CL-14) (not set)",
            ],
        ];
        for (const [title, edit, expected] of cases) {
            it(title, async () => {
                assert.deepEqual(await configProblems("prod", edit), [expected]);
            });
        }
    });

    describe("pure helpers", () => {
        it("formats thresholds the way Prometheus' humanize functions print values", () => {
            assert.equal(percent(0.0005), "0.05%");
            assert.equal(percent(0.0072), "0.72%");
            assert.equal(seconds(0.3), "300ms");
            assert.equal(seconds(2.5), "2.5s");
            assert.equal(seconds(50 * 3600), "2d 2h");
            assert.equal(errorBudget(99.95), 0.0005);
            assert.equal(durationSeconds("1h30m"), 5400);
            assert.equal(memoryBytes("480Mi"), 503316480);
        });

        it("records each burn-rate window once, before the alerts that read it", () => {
            const cfg = monitoringConfig("prod");
            const groups = buildRuleGroups({
                appName: "nova-api",
                namespace: "nova-prod",
                monitoring: cfg.monitoring!,
            });
            const slo = groups.find((g) => g.name === "nova-api.slo")!;
            const records = slo.rules.flatMap((r) => ("record" in r ? [r.record] : []));
            assert.deepEqual(
                records
                    .map((r) => r.replace("namespace_job:http_requests_errors:ratio_rate", ""))
                    .sort(),
                ["1h", "30m", "3d", "5m", "6h"],
            );
            const firstAlert = slo.rules.findIndex((r) => "alert" in r);
            assert.equal(firstAlert, records.length, "recording rules come first");
        });
    });
});
