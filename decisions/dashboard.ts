// Pure: the release dashboard (Grafana JSON model) for one app. Shows what on-call would otherwise
// read off tables during a shift: traffic share, error ratio and p95 per colour, HPA bounds per
// colour, database connections and replication lag, Redis hit ratio.
import { storesOf, webJobsOf, type AlertRulesInput } from "./alertRules";
import { CLOUDWATCH_EXPORTER } from "./cloudwatchExporter";
import { appSelector, colorRecords } from "./httpQueries";
import { CLOUDWATCH_LABELS, metricNames, type MetricKey } from "./metricsCatalogue";

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

/** One panel before layout: its text, unit, [query, legend] pairs and the axis range. */
export interface PanelSpec {
    readonly title: string;
    readonly description: string;
    readonly unit: string;
    readonly queries: readonly (readonly [expr: string, legend: string])[];
    readonly range: { readonly min?: number; readonly max?: number };
}

/** What every panel reads: metric names, the rate window and the series' label selectors. */
export interface DashboardSources {
    readonly m: Record<MetricKey, string>;
    /** `release:monitoring.rateWindow`. */
    readonly window: string;
    /** Every web workload's request series in the namespace, one per job and colour. */
    readonly app: string;
    /** The HPAs of both colours of every scalable workload. */
    readonly hpas: string;
    readonly pg: string;
    readonly redis: string;
    readonly cloudwatch: string;
    /** The SLO burn rates' distinct long windows, in config order. */
    readonly sloWindows: readonly string[];
    /** `release:monitoring.slo.availability`, in percent. */
    readonly availability: number;
}

export function dashboardSources(input: AlertRulesInput): DashboardSources {
    const ns = input.namespace;
    // Every web workload on the same panels, one series per workload (job) and colour.
    const jobs = webJobsOf(input);
    const owners = input.podOwners ?? jobs;
    const owner = owners.length === 1 ? owners[0] : `(${owners.join("|")})`;
    const exporter = (job: string) => `job="${job}",namespace="${ns}"`;
    return {
        m: metricNames(input.monitoring.metrics),
        window: input.monitoring.rateWindow,
        app: appSelector(jobs, ns),
        hpas: `namespace="${ns}",horizontalpodautoscaler=~"${owner}-(blue|green)"`,
        pg: exporter(input.postgresJob ?? "postgres-exporter"),
        redis: exporter(input.redisJob ?? "redis-exporter"),
        cloudwatch: exporter(input.cloudwatchJob ?? CLOUDWATCH_EXPORTER),
        sloWindows: [
            ...new Set(Object.values(input.monitoring.slo.burnRates).map((b) => b.longWindow)),
        ],
        availability: input.monitoring.slo.availability,
    };
}

const perColor = "{{job}} {{color}}";

/** The kube-state-metrics HPA series, one query each. */
const HPA_METRICS = {
    current: "hpaCurrentReplicas",
    desired: "hpaDesiredReplicas",
    max: "hpaMaxReplicas",
} as const satisfies Record<string, MetricKey>;

/** Traffic share, 5xx ratio and p95 per colour, and the HPAs: the release itself. */
export function appPanels({ m, window: w, app, hpas }: DashboardSources): PanelSpec[] {
    const requests = `rate(${m.httpRequests}{${app}}[${w}])`;
    const records = colorRecords(w);
    return [
        {
            title: "Traffic share per colour",
            description: "Share of requests each colour served (the router weights as measured).",
            unit: "percentunit",
            queries: [
                [
                    `sum by (job, color) (${requests}) / ignoring (color) group_left () sum by (job) (${requests})`,
                    perColor,
                ],
            ],
            range: { min: 0, max: 1 },
        },
        {
            title: "5xx ratio per colour",
            description: "Canary against stable: AL-13 fires when the canary is clearly worse.",
            unit: "percentunit",
            queries: [[`${records.errors}{${app}}`, perColor]],
            range: { min: 0 },
        },
        {
            title: "p95 latency per colour",
            description: "95th percentile request duration per colour.",
            unit: "s",
            queries: [[`${records.p95}{${app}}`, perColor]],
            range: { min: 0 },
        },
        {
            title: "HPA current / desired / max per colour",
            description: "AL-14 fires when current stays at max.",
            unit: "short",
            queries: (["current", "desired", "max"] as const).map((k) => [
                `${m[HPA_METRICS[k]]}{${hpas}}`,
                `{{horizontalpodautoscaler}} ${k}`,
            ]),
            range: { min: 0 },
        },
    ];
}

/** Connections, replication lag and free storage of the stack's PostgreSQL. */
export function databasePanels({ m, pg, cloudwatch }: DashboardSources): PanelSpec[] {
    return [
        {
            title: "Database connections",
            description: "Connections in use against max_connections (AL-09).",
            unit: "short",
            queries: [
                [`sum by (instance) (${m.pgConnections}{${pg}})`, "{{instance}} in use"],
                [`max by (instance) (${m.pgMaxConnections}{${pg}})`, "{{instance}} max"],
            ],
            range: { min: 0 },
        },
        {
            title: "Replication lag",
            description: "Seconds the replicas trail the primary (AL-08).",
            unit: "s",
            queries: [[`max by (instance) (${m.pgReplicationLag}{${pg}})`, "{{instance}}"]],
            range: { min: 0 },
        },
        {
            title: "Database free storage",
            description: "Free storage per RDS instance, from CloudWatch (AL-10).",
            unit: "bytes",
            queries: [
                [`${m.dbFreeStorageBytes}{${cloudwatch}}`, `{{${CLOUDWATCH_LABELS.dbInstance}}}`],
            ],
            range: { min: 0 },
        },
    ];
}

/** Hit ratio and memory of the stack's Redis. */
export function cachePanels({ m, window: w, redis, cloudwatch }: DashboardSources): PanelSpec[] {
    const hits = `sum (rate(${m.redisHits}{${redis}}[${w}]))`;
    const misses = `sum (rate(${m.redisMisses}{${redis}}[${w}]))`;
    return [
        {
            title: "Redis hit ratio",
            description: "Keyspace hits / (hits + misses) (AL-11).",
            unit: "percentunit",
            queries: [[`${hits} / (${hits} + ${misses})`, "hit ratio"]],
            range: { min: 0, max: 1 },
        },
        {
            title: "Cache memory used",
            description: "Share of maxmemory each Redis node uses, from CloudWatch.",
            unit: "percent",
            queries: [
                [`${m.cacheMemoryUsage}{${cloudwatch}}`, `{{${CLOUDWATCH_LABELS.cacheCluster}}}`],
            ],
            range: { min: 0, max: 100 },
        },
    ];
}

/** The error ratio over each SLO burn-rate long window, against the availability target. */
export function sloPanels({ app, sloWindows, availability }: DashboardSources): PanelSpec[] {
    return [
        {
            title: "SLO error ratio (burn-rate long windows)",
            description: `Error ratio against the ${availability}% availability SLO (AL-12).`,
            unit: "percentunit",
            queries: sloWindows.map((win) => [
                `namespace_job:http_requests_errors:ratio_rate${win}{${app}}`,
                `{{job}} ${win}`,
            ]),
            range: { min: 0 },
        },
    ];
}

/** The panels in order. Data panels only for the stores the stack has: an empty panel reads as "all quiet". */
export function panelSpecs(input: AlertRulesInput): PanelSpec[] {
    const s = dashboardSources(input);
    const stores = storesOf(input);
    return [
        ...appPanels(s),
        ...(stores.database ? databasePanels(s) : []),
        ...(stores.cache ? cachePanels(s) : []),
        ...sloPanels(s),
    ];
}

/** Grafana's grid is 24 wide: two panels a row, each 12 wide and 8 high. */
export function layoutPanel(spec: PanelSpec, i: number): DashboardPanel {
    return {
        id: i + 1,
        type: "timeseries",
        title: spec.title,
        description: spec.description,
        gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
        datasource: { type: "prometheus", uid: "${datasource}" },
        fieldConfig: { defaults: { unit: spec.unit, ...spec.range }, overrides: [] },
        options: { legend: { displayMode: "table", placement: "bottom", showLegend: true } },
        targets: spec.queries.map(([expr, legendFormat], j) => ({
            // A, B, C … in query order.
            refId: String.fromCharCode(65 + j),
            expr,
            legendFormat,
        })),
    };
}

export function buildDashboard(input: AlertRulesInput): Dashboard {
    const ns = input.namespace;
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
        panels: panelSpecs(input).map(layoutPanel),
    };
}
