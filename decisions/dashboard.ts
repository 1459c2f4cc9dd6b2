// Pure: the release dashboard (Grafana JSON model) for one app. Shows what on-call would otherwise
// read off tables during a shift: traffic share, error ratio and p95 per colour, HPA bounds per
// colour, database connections and replication lag, Redis hit ratio.
import { storesOf, webJobsOf, type AlertRulesInput } from "./alertRules";
import { CLOUDWATCH_EXPORTER } from "./cloudwatchExporter";
import { appSelector } from "./httpQueries";
import { CLOUDWATCH_LABELS, metricNames } from "./metricsCatalogue";

export interface DashboardPanel {
    id: number;
    type: "timeseries";
    title: string;
    description: string;
    gridPos: { x: number; y: number; w: number; h: number };
    datasource: { type: "prometheus"; uid: "${datasource}" };
    fieldConfig: { defaults: { unit: string; min?: number; max?: number }; overrides: [] };
    options: { legend: { displayMode: "table"; placement: "bottom"; showLegend: true } };
    targets: { refId: string; expr: string; legendFormat: string }[];
}

export interface Dashboard {
    uid: string;
    title: string;
    tags: string[];
    timezone: "utc";
    schemaVersion: number;
    refresh: string;
    time: { from: string; to: string };
    templating: { list: Record<string, unknown>[] };
    panels: DashboardPanel[];
}

/** Grafana uids are at most 40 characters. */
export function dashboardUid(appName: string, namespace: string): string {
    return `release-${appName}-${namespace}`.slice(0, 40);
}

/** One panel: title, description, unit, [query, legend] pairs and the axis range. */
type PanelSpec = [string, string, string, [string, string][], { min?: number; max?: number }?];

export function buildDashboard(input: AlertRulesInput): Dashboard {
    const m = metricNames(input.monitoring.metrics);
    const w = input.monitoring.rateWindow;
    const ns = input.namespace;
    // Every web workload on the same panels, one series per workload (job) and colour.
    const jobs = webJobsOf(input);
    const app = appSelector(jobs, ns);
    const owners = input.podOwners ?? jobs;
    const owner = owners.length === 1 ? owners[0] : `(${owners.join("|")})`;
    const hpas = `namespace="${ns}",horizontalpodautoscaler=~"${owner}-(blue|green)"`;
    const pg = `job="${input.postgresJob ?? "postgres-exporter"}",namespace="${ns}"`;
    const redis = `job="${input.redisJob ?? "redis-exporter"}",namespace="${ns}"`;
    const cloudwatch = `job="${input.cloudwatchJob ?? CLOUDWATCH_EXPORTER}",namespace="${ns}"`;
    const sloWindows = [
        ...new Set(Object.values(input.monitoring.slo.burnRates).map((b) => b.longWindow)),
    ];

    const stores = storesOf(input);
    const appPanels: PanelSpec[] = [
        [
            "Traffic share per colour",
            "Share of requests each colour served (the router weights as measured).",
            "percentunit",
            [
                [
                    `sum by (job, color) (rate(${m.httpRequests}{${app}}[${w}])) / ignoring (color) group_left () sum by (job) (rate(${m.httpRequests}{${app}}[${w}]))`,
                    "{{job}} {{color}}",
                ],
            ],
            { min: 0, max: 1 },
        ],
        [
            "5xx ratio per colour",
            "Canary against stable: AL-13 fires when the canary is clearly worse.",
            "percentunit",
            [
                [
                    `namespace_job_color:http_requests_errors:ratio_rate${w}{${app}}`,
                    "{{job}} {{color}}",
                ],
            ],
            { min: 0 },
        ],
        [
            "p95 latency per colour",
            "95th percentile request duration per colour.",
            "s",
            [
                [
                    `namespace_job_color:http_request_duration_seconds:p95_rate${w}{${app}}`,
                    "{{job}} {{color}}",
                ],
            ],
            { min: 0 },
        ],
        [
            "HPA current / desired / max per colour",
            "AL-14 fires when current stays at max.",
            "short",
            [
                [`${m.hpaCurrentReplicas}{${hpas}}`, "{{horizontalpodautoscaler}} current"],
                [`${m.hpaDesiredReplicas}{${hpas}}`, "{{horizontalpodautoscaler}} desired"],
                [`${m.hpaMaxReplicas}{${hpas}}`, "{{horizontalpodautoscaler}} max"],
            ],
            { min: 0 },
        ],
    ];
    // Data panels only for the stores the stack has: an empty panel reads as "all quiet".
    const databasePanels: PanelSpec[] = [
        [
            "Database connections",
            "Connections in use against max_connections (AL-09).",
            "short",
            [
                [`sum by (instance) (${m.pgConnections}{${pg}})`, "{{instance}} in use"],
                [`max by (instance) (${m.pgMaxConnections}{${pg}})`, "{{instance}} max"],
            ],
            { min: 0 },
        ],
        [
            "Replication lag",
            "Seconds the replicas trail the primary (AL-08).",
            "s",
            [[`max by (instance) (${m.pgReplicationLag}{${pg}})`, "{{instance}}"]],
            { min: 0 },
        ],
        [
            "Database free storage",
            "Free storage per RDS instance, from CloudWatch (AL-10).",
            "bytes",
            [[`${m.dbFreeStorageBytes}{${cloudwatch}}`, `{{${CLOUDWATCH_LABELS.dbInstance}}}`]],
            { min: 0 },
        ],
    ];
    const cachePanels: PanelSpec[] = [
        [
            "Redis hit ratio",
            "Keyspace hits / (hits + misses) (AL-11).",
            "percentunit",
            [
                [
                    `sum (rate(${m.redisHits}{${redis}}[${w}])) / (sum (rate(${m.redisHits}{${redis}}[${w}])) + sum (rate(${m.redisMisses}{${redis}}[${w}])))`,
                    "hit ratio",
                ],
            ],
            { min: 0, max: 1 },
        ],
        [
            "Cache memory used",
            "Share of maxmemory each Redis node uses, from CloudWatch.",
            "percent",
            [[`${m.cacheMemoryUsage}{${cloudwatch}}`, `{{${CLOUDWATCH_LABELS.cacheCluster}}}`]],
            { min: 0, max: 100 },
        ],
    ];
    const sloPanels: PanelSpec[] = [
        [
            "SLO error ratio (burn-rate long windows)",
            `Error ratio against the ${input.monitoring.slo.availability}% availability SLO (AL-12).`,
            "percentunit",
            sloWindows.map((win) => [
                `namespace_job:http_requests_errors:ratio_rate${win}{${app}}`,
                `{{job}} ${win}`,
            ]),
            { min: 0 },
        ],
    ];

    const specs = [
        ...appPanels,
        ...(stores.database ? databasePanels : []),
        ...(stores.cache ? cachePanels : []),
        ...sloPanels,
    ];
    const panels: DashboardPanel[] = specs.map(([title, description, unit, queries, range], i) => ({
        id: i + 1,
        type: "timeseries",
        title,
        description,
        gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
        datasource: { type: "prometheus", uid: "${datasource}" },
        fieldConfig: { defaults: { unit, ...range }, overrides: [] },
        options: { legend: { displayMode: "table", placement: "bottom", showLegend: true } },
        targets: queries.map(([expr, legendFormat], j) => ({
            refId: String.fromCharCode(65 + j),
            expr,
            legendFormat,
        })),
    }));

    return {
        uid: dashboardUid(input.appName, ns),
        title: `${input.appName} release (${ns})`,
        tags: ["release", input.appName],
        timezone: "utc",
        schemaVersion: 39,
        refresh: "30s",
        time: { from: "now-6h", to: "now" },
        templating: {
            list: [
                {
                    name: "datasource",
                    label: "Prometheus",
                    type: "datasource",
                    query: "prometheus",
                    current: {},
                    hide: 0,
                },
            ],
        },
        panels,
    };
}
