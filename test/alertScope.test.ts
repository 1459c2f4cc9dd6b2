// What the rules and dashboard watch: every web workload's requests (each on its own series, under
// one alert name), every scalable workload's pods, a PodMonitor per worker, and data alerts and
// panels only for the stores the stack has. Evaluated by promtool where it matters.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import type { AlertingRule, RuleGroup } from "../decisions/alertRules";
import type { Plan } from "../scripts/lib/plan";
import { writeRulesFile } from "../scripts/lib/rulesFile";
import { byType, inputs, planStack } from "./helpers";
import { ALL_KINDS } from "./workloadFixtures";

const RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const groupsOf = (plan: Plan): RuleGroup[] => inputs(byType(plan, RULE)[0]).spec.groups;
const alertsOf = (plan: Plan) =>
    groupsOf(plan).flatMap((g) => g.rules.filter((r): r is AlertingRule => "alert" in r));
const panelsOf = (plan: Plan): { title: string; targets: { expr: string }[] }[] => {
    const cm = byType(plan, "kubernetes:core/v1:ConfigMap").find(
        (c) => inputs(c).metadata.labels?.grafana_dashboard === "1",
    )!;
    return JSON.parse(Object.values(inputs(cm).data)[0] as string).panels;
};
const hasPromtool = !spawnSync("promtool", ["--version"]).error;

describe("alert scope: data stores", () => {
    it("gives a stack without a cache no cache alert, no redis query and no cache panels", async () => {
        const plan = await planStack("examples/notevault/Pulumi.prod.yaml");
        const names = alertsOf(plan).map((a) => a.alert);
        assert.ok(names.includes("DatabaseStorageLow"));
        assert.ok(!names.includes("CacheHitRatioLow"));
        const exprs = [
            ...groupsOf(plan).flatMap((g) => g.rules.map((r) => r.expr)),
            ...panelsOf(plan).flatMap((p) => p.targets.map((t) => t.expr)),
        ];
        assert.ok(!exprs.some((e) => /redis|elasticache/.test(e)), "a cache query remains");
        const titles = panelsOf(plan).map((p) => p.title);
        assert.ok(titles.includes("Database free storage"));
        assert.ok(!titles.includes("Redis hit ratio") && !titles.includes("Cache memory used"));
    });

    it("gives a stack without data stores no data group and no data panels", async () => {
        const plan = await planStack("prod", (c) => {
            delete c.database;
            delete c.cache;
        });
        assert.ok(!groupsOf(plan).some((g) => g.name.endsWith(".data")));
        const exprs = panelsOf(plan).flatMap((p) => p.targets.map((t) => t.expr));
        assert.ok(!exprs.some((e) => /pg_|redis_|aws_/.test(e)), exprs.join("\n"));
        assert.ok(panelsOf(plan).some((p) => p.title === "5xx ratio per colour"));
    });
});

describe("alert scope: every workload", () => {
    let plan: Plan;
    before(async () => (plan = await planStack("prod", ALL_KINDS)));

    it("keeps one rule per alert name and severity, each selecting every web workload", () => {
        const alerts = alertsOf(plan);
        const keys = alerts.map((a) => `${a.alert}/${a.labels.severity}/${a.labels.long_window}`);
        assert.deepEqual(keys, [...new Set(keys)], "an alert name is duplicated");
        const errors = alerts.find(
            (a) => a.alert === "HighErrorRate" && a.labels.severity === "critical",
        )!;
        assert.match(errors.expr, /job=~"nova-api\|nova-api-admin",namespace="nova-prod"/);
        // Per workload: grouped by job, so each workload's ratio is its own series.
        assert.match(errors.expr, /sum by \(namespace, job\)/);
        const cpu = alerts.find((a) => a.alert === "HighCPU")!;
        // Pods of every scalable workload: web, tcp and worker, not the cron's.
        assert.match(
            cpu.expr,
            /pod=~"\(nova-api\|nova-api-admin\|nova-api-rtmp\|nova-api-worker\)-\(blue\|green\)-\.\+"/,
        );
        const hpa = alerts.find((a) => a.alert === "HPAAtMax")!;
        assert.match(
            hpa.expr,
            /horizontalpodautoscaler=~"\(nova-api\|nova-api-admin\|nova-api-rtmp\|nova-api-worker\)-\(blue\|green\)"/,
        );
    });

    it("scrapes the worker's pods with a PodMonitor and the extra web workload with a ServiceMonitor", () => {
        const pm = byType(plan, "kubernetes:monitoring.coreos.com/v1:PodMonitor").map(inputs);
        assert.deepEqual(
            pm.map((m) => m.spec.selector.matchLabels["app.kubernetes.io/name"]),
            ["nova-api-worker"],
        );
        const [worker] = pm;
        assert.equal(worker.spec.jobLabel, "app.kubernetes.io/name");
        assert.deepEqual(worker.spec.podTargetLabels, ["color", "version"]);
        assert.deepEqual(worker.spec.namespaceSelector.matchNames, ["nova-prod"]);
        assert.equal(worker.spec.podMetricsEndpoints[0].port, "http");
        // The port it names exists on the worker's pods.
        const dep = byType(plan, "kubernetes:apps/v1:Deployment").find(
            (d) => inputs(d).metadata.name === "nova-api-worker-blue",
        )!;
        const ports = inputs(dep).spec.template.spec.containers[0].ports.map((p: any) => p.name);
        assert.ok(ports.includes("http"));
        const sm = byType(plan, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor").map(
            (m) => inputs(m).spec.selector.matchLabels["app.kubernetes.io/name"],
        );
        assert.ok(sm.includes("nova-api-admin") && sm.includes("nova-api"));
    });

    it("shows every web workload per colour on the dashboard", () => {
        const share = panelsOf(plan).find((p) => p.title === "Traffic share per colour")!;
        assert.match(share.targets[0].expr, /sum by \(job, color\)/);
        assert.match(share.targets[0].expr, /job=~"nova-api\|nova-api-admin"/);
    });

    it("fires for the failing workload only, labelled with its job (promtool)", function () {
        if (!hasPromtool) {
            if (process.env.CI === "true") throw new Error("promtool must be installed in CI");
            console.warn("      SKIPPED: promtool is not installed");
            this.skip();
        }
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scope-"));
        try {
            writeRulesFile(dir, plan);
            const series = (job: string, status: string, perMin: number) => ({
                series: `http_requests_total{job="${job}",namespace="nova-prod",status="${status}",color="blue"}`,
                values: `0+${perMin}x20`,
            });
            const errors = alertsOf(plan).find(
                (a) => a.alert === "HighErrorRate" && a.labels.severity === "critical",
            )!;
            const test = {
                rule_files: ["prometheus-rules.yaml"],
                evaluation_interval: "1m",
                tests: [
                    {
                        interval: "1m",
                        input_series: [
                            series("nova-api", "200", 6000),
                            series("nova-api-admin", "200", 594),
                            series("nova-api-admin", "500", 6),
                        ],
                        promql_expr_test: [
                            {
                                expr: errors.expr,
                                eval_time: "10m",
                                exp_samples: [
                                    {
                                        labels: '{job="nova-api-admin",namespace="nova-prod"}',
                                        value: 0.01,
                                    },
                                ],
                            },
                        ],
                    },
                ],
            };
            fs.writeFileSync(path.join(dir, "scope.yaml"), stringify(test));
            const r = spawnSync("promtool", ["test", "rules", "scope.yaml"], {
                cwd: dir,
                encoding: "utf8",
            });
            assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
