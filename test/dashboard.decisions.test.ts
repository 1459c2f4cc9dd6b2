// The release dashboard, built from a parsed stack config with no plan: which panels a stack gets
// (per store), what each one queries (every web workload per colour, the HPAs of every scalable
// workload, the exporters), what comes from `release:monitoring` (rate window, SLO target and
// windows, metric renames), and where Grafana draws them.
import * as assert from "assert";
import { parser } from "@prometheus-io/lezer-promql";
import { parseStackConfig, resolveWorkloads, type StackConfig } from "../config";
import {
    alertRulesInput,
    buildRuleGroups,
    type AlertRulesInput,
    type DataStores,
} from "../decisions/alertRules";
import {
    appPanels,
    buildDashboard,
    cachePanels,
    dashboardSources,
    dashboardUid,
    databasePanels,
    layoutPanel,
    panelSpecs,
    sloPanels,
    type DashboardPanel,
} from "../decisions/dashboard";

type Raw = Record<string, any>;

/** A staging stack with two web workloads, a worker and a cron job, edited per case. */
function stack(edit: (raw: Raw) => void = () => undefined): StackConfig {
    const raw: Raw = {
        stage: "staging",
        app: {
            name: "shop",
            namespace: "shop-ns",
            host: "shop.example.com",
            repository: "registry.example.com/shop/app",
        },
        workloads: {
            api: { kind: "web" },
            admin: { kind: "web", host: "admin.example.com" },
            jobs: { kind: "worker" },
            nightly: { kind: "cron", schedule: "0 3 * * *" },
        },
        colors: { blue: { version: "v1.0.0" }, green: { version: "v1.1.0" } },
        traffic: { stable: "blue", canaryWeight: 20 },
        router: { tls: { secretName: "shop-tls" } },
        appSecrets: {},
        monitoring: { team: "shop", runbookBaseUrl: "https://runbooks.example.com/" },
    };
    edit(raw);
    return parseStackConfig(raw);
}

/** The rules' input as index.ts derives it from the parsed config, with the stores under test. */
function inputOf(cfg: StackConfig, stores: DataStores = { database: true, cache: true }) {
    const input = alertRulesInput(cfg, resolveWorkloads(cfg));
    assert.ok(input, "the stack has release:monitoring");
    return { ...input, stores } satisfies AlertRulesInput;
}

const titles = (panels: readonly { title: string }[]) => panels.map((p) => p.title);
const APP = [
    "Traffic share per colour",
    "5xx ratio per colour",
    "p95 latency per colour",
    "HPA current / desired / max per colour",
];
const DATABASE = ["Database connections", "Replication lag", "Database free storage"];
const CACHE = ["Redis hit ratio", "Cache memory used"];
const SLO = ["SLO error ratio (burn-rate long windows)"];

const panel = (input: AlertRulesInput, title: string): DashboardPanel => {
    const p = buildDashboard(input).panels.find((x) => x.title === title);
    assert.ok(p, `no panel "${title}"`);
    return p;
};
const queries = (p: DashboardPanel) => p.targets.map((t) => [t.expr, t.legendFormat]);

/** Prometheus' own grammar: an expression Grafana would send back as a parse error fails here. */
function parseError(expr: string): string | undefined {
    const cursor = parser.parse(expr).cursor();
    do {
        if (cursor.node.type.isError) return `${expr} cannot parse at ${cursor.from}`;
    } while (cursor.next());
    return undefined;
}

describe("dashboard decisions: which panels", () => {
    it("shows the app, then the database, the cache and the SLO when the stack has both stores", () => {
        const d = buildDashboard(inputOf(stack()));
        assert.deepStrictEqual(titles(d.panels), [...APP, ...DATABASE, ...CACHE, ...SLO]);
        assert.deepStrictEqual(
            d.panels.map((p) => p.id),
            Array.from({ length: 10 }, (_, i) => i + 1),
        );
    });

    it("leaves out the panels of a store the stack lacks, and keeps the order of the rest", () => {
        const without = (stores: DataStores) => titles(panelSpecs(inputOf(stack(), stores)));
        assert.deepStrictEqual(without({ database: true, cache: false }), [
            ...APP,
            ...DATABASE,
            ...SLO,
        ]);
        assert.deepStrictEqual(without({ database: false, cache: true }), [
            ...APP,
            ...CACHE,
            ...SLO,
        ]);
        assert.deepStrictEqual(without({ database: false, cache: false }), [...APP, ...SLO]);
    });

    it("shows both stores when the input does not say which the stack has", () => {
        const input = { ...inputOf(stack()), stores: undefined };
        assert.deepStrictEqual(titles(panelSpecs(input)), [...APP, ...DATABASE, ...CACHE, ...SLO]);
    });
});

describe("dashboard decisions: queries per workload and colour", () => {
    it("reads every web workload's requests, one series per workload and colour", () => {
        const input = inputOf(stack());
        const app = 'job=~"shop-api|shop-admin",namespace="shop-ns"';
        assert.deepStrictEqual(queries(panel(input, "Traffic share per colour")), [
            [
                `sum by (job, color) (rate(http_requests_total{${app}}[5m])) / ignoring (color) group_left () sum by (job) (rate(http_requests_total{${app}}[5m]))`,
                "{{job}} {{color}}",
            ],
        ]);
        assert.deepStrictEqual(queries(panel(input, "5xx ratio per colour")), [
            [`namespace_job_color:http_requests_errors:ratio_rate5m{${app}}`, "{{job}} {{color}}"],
        ]);
        assert.deepStrictEqual(queries(panel(input, "p95 latency per colour")), [
            [
                `namespace_job_color:http_request_duration_seconds:p95_rate5m{${app}}`,
                "{{job}} {{color}}",
            ],
        ]);
    });

    it("selects one job exactly when the stack has one web workload", () => {
        const input = inputOf(stack((r) => (r.workloads = { api: { kind: "web" } })));
        const traffic = panel(input, "Traffic share per colour").targets[0].expr;
        assert.ok(traffic.includes('{job="shop-api",namespace="shop-ns"}'), traffic);
        assert.ok(!traffic.includes("job=~"), traffic);
    });

    it("watches the app's name alone when no web workloads are given", () => {
        const input = { ...inputOf(stack()), webJobs: undefined, podOwners: undefined };
        const s = dashboardSources(input);
        assert.strictEqual(s.app, 'job="shop-api",namespace="shop-ns"');
        assert.strictEqual(
            s.hpas,
            'namespace="shop-ns",horizontalpodautoscaler=~"shop-api-(blue|green)"',
        );
    });

    it("shows the HPAs of both colours of every scalable workload (no cron job), current, desired and max", () => {
        const input = inputOf(stack());
        const hpas =
            'namespace="shop-ns",horizontalpodautoscaler=~"(shop-api|shop-admin|shop-jobs)-(blue|green)"';
        const p = panel(input, "HPA current / desired / max per colour");
        assert.deepStrictEqual(queries(p), [
            [
                `kube_horizontalpodautoscaler_status_current_replicas{${hpas}}`,
                "{{horizontalpodautoscaler}} current",
            ],
            [
                `kube_horizontalpodautoscaler_status_desired_replicas{${hpas}}`,
                "{{horizontalpodautoscaler}} desired",
            ],
            [
                `kube_horizontalpodautoscaler_spec_max_replicas{${hpas}}`,
                "{{horizontalpodautoscaler}} max",
            ],
        ]);
        assert.deepStrictEqual(
            p.targets.map((t) => t.refId),
            ["A", "B", "C"],
        );
    });

    it("names one HPA owner without a group, and defaults the owners to the web workloads", () => {
        const one = inputOf(stack((r) => (r.workloads = { api: { kind: "web" } })));
        assert.strictEqual(
            dashboardSources(one).hpas,
            'namespace="shop-ns",horizontalpodautoscaler=~"shop-api-(blue|green)"',
        );
        const input = { ...inputOf(stack()), podOwners: undefined };
        assert.strictEqual(
            dashboardSources(input).hpas,
            'namespace="shop-ns",horizontalpodautoscaler=~"(shop-api|shop-admin)-(blue|green)"',
        );
    });

    it("reads the database through postgres_exporter and CloudWatch, in the app's namespace", () => {
        const input = inputOf(stack());
        const pg = 'job="postgres-exporter",namespace="shop-ns"';
        assert.deepStrictEqual(queries(panel(input, "Database connections")), [
            [`sum by (instance) (pg_stat_activity_count{${pg}})`, "{{instance}} in use"],
            [`max by (instance) (pg_settings_max_connections{${pg}})`, "{{instance}} max"],
        ]);
        assert.deepStrictEqual(queries(panel(input, "Replication lag")), [
            [`max by (instance) (pg_replication_lag_seconds{${pg}})`, "{{instance}}"],
        ]);
        assert.deepStrictEqual(queries(panel(input, "Database free storage")), [
            [
                'aws_rds_free_storage_space_average{job="cloudwatch-exporter",namespace="shop-ns"}',
                "{{dimension_DBInstanceIdentifier}}",
            ],
        ]);
    });

    it("reads the cache's hit ratio from redis_exporter and its memory from CloudWatch", () => {
        const input = inputOf(stack());
        const rate = (m: string) =>
            `sum (rate(${m}{job="redis-exporter",namespace="shop-ns"}[5m]))`;
        const hits = rate("redis_keyspace_hits_total");
        assert.deepStrictEqual(queries(panel(input, "Redis hit ratio")), [
            [`${hits} / (${hits} + ${rate("redis_keyspace_misses_total")})`, "hit ratio"],
        ]);
        assert.deepStrictEqual(queries(panel(input, "Cache memory used")), [
            [
                'aws_elasticache_database_memory_usage_percentage_average{job="cloudwatch-exporter",namespace="shop-ns"}',
                "{{dimension_CacheClusterId}}",
            ],
        ]);
    });

    it("uses the exporters' jobs when the input names them", () => {
        const input = {
            ...inputOf(stack()),
            postgresJob: "pg",
            redisJob: "rd",
            cloudwatchJob: "yace",
        };
        const s = dashboardSources(input);
        assert.deepStrictEqual(
            [s.pg, s.redis, s.cloudwatch],
            [
                'job="pg",namespace="shop-ns"',
                'job="rd",namespace="shop-ns"',
                'job="yace",namespace="shop-ns"',
            ],
        );
    });

    it("reads only series the rules record, and every query parses as PromQL", () => {
        const input = inputOf(stack());
        const recorded = new Set(
            buildRuleGroups(input).flatMap((g) =>
                g.rules.flatMap((r) => ("record" in r ? [r.record] : [])),
            ),
        );
        const exprs = buildDashboard(input).panels.flatMap((p) => p.targets.map((t) => t.expr));
        assert.deepStrictEqual(
            exprs.map(parseError).filter((e) => e !== undefined),
            [],
        );
        const reads = exprs.flatMap((e) => e.match(/\b[a-z_]+:[a-z_:0-9]+/g) ?? []);
        assert.ok(reads.length >= 5, `recorded series read: ${reads.join(", ")}`);
        assert.deepStrictEqual(
            reads.filter((r) => !recorded.has(r)),
            [],
        );
    });
});

describe("dashboard decisions: what comes from release:monitoring", () => {
    it("takes every rate and recorded window from rateWindow", () => {
        const input = inputOf(stack((r) => (r.monitoring.rateWindow = "2m")));
        const s = dashboardSources(input);
        assert.strictEqual(s.window, "2m");
        const app = appPanels(s).flatMap((p) => p.queries.map(([e]) => e));
        const cache = cachePanels(s).flatMap((p) => p.queries.map(([e]) => e));
        assert.ok(app[0].includes("[2m]") && !app[0].includes("[5m]"), app[0]);
        assert.ok(app[1].endsWith(`ratio_rate2m{${s.app}}`), app[1]);
        assert.ok(app[2].endsWith(`p95_rate2m{${s.app}}`), app[2]);
        assert.strictEqual(cache[0].match(/\[2m\]/g)?.length, 3, cache[0]);
    });

    it("shows the SLO target and one error-ratio series per distinct burn-rate long window", () => {
        const input = inputOf(
            stack((r) => {
                r.monitoring.slo = {
                    availability: 99.5,
                    burnRates: {
                        fast: {
                            longWindow: "6h",
                            shortWindow: "5m",
                            factor: 14.4,
                            severity: "critical",
                            for: "2m",
                        },
                    },
                };
            }),
        );
        const [slo] = sloPanels(dashboardSources(input));
        assert.strictEqual(
            slo.description,
            "Error ratio against the 99.5% availability SLO (AL-12).",
        );
        const app = 'job=~"shop-api|shop-admin",namespace="shop-ns"';
        // fast and medium share 6h: one series for both, in the order of the burn rates.
        assert.deepStrictEqual(slo.queries, [
            [`namespace_job:http_requests_errors:ratio_rate6h{${app}}`, "{{job}} 6h"],
            [`namespace_job:http_requests_errors:ratio_rate3d{${app}}`, "{{job}} 3d"],
        ]);
        assert.deepStrictEqual(
            panel(input, SLO[0]).targets.map((t) => t.refId),
            ["A", "B"],
        );
    });

    it("reads the metrics the stack renames", () => {
        const input = inputOf(
            stack((r) => {
                r.monitoring.metrics = {
                    httpRequests: "shop_requests_total",
                    hpaMaxReplicas: "kube_hpa_spec_max_replicas",
                };
            }),
        );
        const exprs = buildDashboard(input).panels.flatMap((p) => p.targets.map((t) => t.expr));
        assert.ok(exprs[0].includes("rate(shop_requests_total{"), exprs[0]);
        assert.ok(!exprs.some((e) => e.includes("http_requests_total")));
        assert.ok(exprs.some((e) => e.startsWith("kube_hpa_spec_max_replicas{")));
    });
});

describe("dashboard decisions: units, ranges and layout", () => {
    it("draws ratios from 0 to 1, the cache percentage to 100, and every other panel from 0", () => {
        const d = buildDashboard(inputOf(stack()));
        assert.deepStrictEqual(
            d.panels.map((p) => [p.title, p.fieldConfig.defaults]),
            [
                [APP[0], { unit: "percentunit", min: 0, max: 1 }],
                [APP[1], { unit: "percentunit", min: 0 }],
                [APP[2], { unit: "s", min: 0 }],
                [APP[3], { unit: "short", min: 0 }],
                [DATABASE[0], { unit: "short", min: 0 }],
                [DATABASE[1], { unit: "s", min: 0 }],
                [DATABASE[2], { unit: "bytes", min: 0 }],
                [CACHE[0], { unit: "percentunit", min: 0, max: 1 }],
                [CACHE[1], { unit: "percent", min: 0, max: 100 }],
                [SLO[0], { unit: "percentunit", min: 0 }],
            ],
        );
        for (const p of d.panels) assert.deepStrictEqual(p.fieldConfig.overrides, []);
    });

    it("says what each panel shows and which alert watches it", () => {
        const d = buildDashboard(inputOf(stack()));
        const alerts = d.panels.map((p) => p.description.match(/AL-\d\d/g)?.join(",") ?? "");
        assert.deepStrictEqual(alerts, [
            "",
            "AL-13",
            "",
            "AL-14",
            "AL-09",
            "AL-08",
            "AL-10",
            "AL-11",
            "",
            "AL-12",
        ]);
        for (const p of d.panels) assert.match(p.description, /^[A-Z0-9].{10,}\.$/);
    });

    it("lays panels out two to a row, 12 wide and 8 high, with no gaps or overlaps", () => {
        const d = buildDashboard(inputOf(stack(), { database: true, cache: false }));
        assert.deepStrictEqual(
            d.panels.map((p) => p.gridPos),
            [
                { x: 0, y: 0, w: 12, h: 8 },
                { x: 12, y: 0, w: 12, h: 8 },
                { x: 0, y: 8, w: 12, h: 8 },
                { x: 12, y: 8, w: 12, h: 8 },
                { x: 0, y: 16, w: 12, h: 8 },
                { x: 12, y: 16, w: 12, h: 8 },
                { x: 0, y: 24, w: 12, h: 8 },
                { x: 12, y: 24, w: 12, h: 8 },
            ],
        );
    });

    it("numbers a panel from 1, and letters its queries from A", () => {
        const p = layoutPanel(
            {
                title: "t",
                description: "d",
                unit: "short",
                queries: [
                    ["a", "la"],
                    ["b", "lb"],
                    ["c", "lc"],
                    ["d", "ld"],
                ],
                range: {},
            },
            4,
        );
        assert.strictEqual(p.id, 5);
        assert.deepStrictEqual(p.gridPos, { x: 0, y: 16, w: 12, h: 8 });
        assert.deepStrictEqual(p.fieldConfig.defaults, { unit: "short" });
        assert.deepStrictEqual(p.targets, [
            { refId: "A", expr: "a", legendFormat: "la" },
            { refId: "B", expr: "b", legendFormat: "lb" },
            { refId: "C", expr: "c", legendFormat: "lc" },
            { refId: "D", expr: "d", legendFormat: "ld" },
        ]);
    });

    it("draws every panel as a time series from the dashboard's Prometheus variable, legend as a table below", () => {
        const d = buildDashboard(inputOf(stack()));
        assert.deepStrictEqual(d.templating.list, [
            {
                name: "datasource",
                label: "Prometheus",
                type: "datasource",
                query: "prometheus",
                current: {},
                hide: 0,
            },
        ]);
        for (const p of d.panels) {
            assert.strictEqual(p.type, "timeseries");
            assert.deepStrictEqual(p.datasource, { type: "prometheus", uid: "${datasource}" });
            assert.deepStrictEqual(p.options, {
                legend: { displayMode: "table", placement: "bottom", showLegend: true },
            });
        }
    });
});

describe("dashboard decisions: the dashboard itself", () => {
    it("is named after the app and namespace, in UTC, refreshed every 30 s over the last 6 h", () => {
        const d = buildDashboard(inputOf(stack()));
        assert.deepStrictEqual(
            { ...d, panels: [], templating: { list: [] } },
            {
                uid: "release-shop-api-shop-ns",
                title: "shop-api release (shop-ns)",
                tags: ["release", "shop-api"],
                timezone: "utc",
                schemaVersion: 39,
                refresh: "30s",
                time: { from: "now-6h", to: "now" },
                templating: { list: [] },
                panels: [],
            },
        );
    });

    it("keeps the uid within Grafana's 40 characters", () => {
        assert.strictEqual(dashboardUid("api", "shop"), "release-api-shop");
        const long = dashboardUid("checkout-frontend-api", "payments-production");
        assert.strictEqual(long, "release-checkout-frontend-api-payments-p");
        assert.strictEqual(long.length, 40);
    });

    it("builds the same panels from the parts as the dashboard shows", () => {
        const input = inputOf(stack());
        const s = dashboardSources(input);
        assert.deepStrictEqual(
            buildDashboard(input).panels,
            [...appPanels(s), ...databasePanels(s), ...cachePanels(s), ...sloPanels(s)].map(
                layoutPanel,
            ),
        );
    });
});
