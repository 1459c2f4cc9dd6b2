// Pure: every metric the PrometheusRule, the dashboard, `analyze` and the capacity preflight read,
// listed once with the source that produces it. The builders take their metric names from here, so
// an alert cannot read a name that nothing in (or required by) the stack exports.

/** Who produces a metric. */
export type MetricSourceId =
    | "app"
    | "prometheus"
    | "kube-state-metrics"
    | "cadvisor"
    | "postgres-exporter"
    | "redis-exporter"
    | "cloudwatch-exporter";

export interface MetricSource {
    readonly title: string;
    /**
     * "plan": the program deploys it (an exporter Deployment, or the app's ServiceMonitor) and the
     * drift test finds it in the plan; "prerequisite": the cluster must already run it
     * (docs/metrics.md lists each with the version its metric names come from).
     */
    readonly deployedBy: "plan" | "prerequisite";
    /** `app.kubernetes.io/name` of the pods that export it when the plan deploys it. */
    readonly component?: string;
}

export const METRIC_SOURCES: Record<MetricSourceId, MetricSource> = {
    app: { title: "the app's own /metrics", deployedBy: "plan" },
    prometheus: { title: "Prometheus itself (scrape health)", deployedBy: "prerequisite" },
    "kube-state-metrics": {
        title: "kube-state-metrics (kube-prometheus-stack)",
        deployedBy: "prerequisite",
    },
    cadvisor: {
        title: "cAdvisor in the kubelet (kube-prometheus-stack)",
        deployedBy: "prerequisite",
    },
    "postgres-exporter": {
        title: "postgres_exporter",
        deployedBy: "plan",
        component: "postgres-exporter",
    },
    "redis-exporter": { title: "redis_exporter", deployedBy: "plan", component: "redis-exporter" },
    "cloudwatch-exporter": {
        title: "YACE (yet-another-cloudwatch-exporter)",
        deployedBy: "plan",
        component: "cloudwatch-exporter",
    },
};

/** A CloudWatch metric the exporter fetches: namespace, metric and statistic. */
export interface CloudWatchMetric {
    readonly namespace: "AWS/RDS" | "AWS/ElastiCache";
    readonly metric: string;
    readonly statistic: "Average" | "Maximum" | "Minimum";
}

export interface MetricSpec {
    /** Default metric name (a stack may rename the app, kube-state-metrics and cAdvisor ones). */
    readonly name: string;
    readonly source: MetricSourceId;
    readonly type: "counter" | "gauge" | "histogram";
    readonly help: string;
    /** For the CloudWatch exporter: what it fetches; `name` is derived from it (yaceMetricName). */
    readonly cloudwatch?: CloudWatchMetric;
}

/** YACE's metric name: aws_<namespace>_<metric>_<statistic>, snake-cased (pkg/promutil BuildMetricName). */
export function yaceMetricName(namespace: string, metric: string, statistic: string): string {
    const promString = (text: string) => {
        let out = "";
        let prev = "";
        for (const c of text) {
            if (" ,\t/\\.-:=@<>()“".includes(c)) out += "_";
            else if (c === "%") out += "_percent";
            else {
                if (/[A-Z]/.test(c) && /[a-z0-9]/.test(prev)) out += "_";
                out += c.toLowerCase();
            }
            prev = c;
        }
        return out;
    };
    const ns = promString(namespace.toLowerCase()).replace(/^_/, "");
    let name = promString(metric);
    // YACE drops namespace words the metric name repeats (Glue's glue_*, RDS's RDSTo…).
    for (const part of ns.split("_")) name = name.startsWith(part) ? name.slice(part.length) : name;
    name = name.replace(/^_/, "");
    return `${ns.startsWith("aws") ? "" : "aws_"}${ns}_${name}_${promString(statistic)}`;
}

const cw = (m: CloudWatchMetric, help: string): MetricSpec => ({
    name: yaceMetricName(m.namespace, m.metric, m.statistic),
    source: "cloudwatch-exporter",
    type: "gauge",
    help,
    cloudwatch: m,
});

/** The catalogue. Keys are what builders and `release:monitoring.metrics` use. */
export const METRICS = {
    // The app (every seed runbook names these).
    httpRequests: {
        name: "http_requests_total",
        source: "app",
        type: "counter",
        help: "Requests served, labelled with the HTTP status code.",
    },
    httpDurationBucket: {
        name: "http_request_duration_seconds_bucket",
        source: "app",
        type: "histogram",
        help: "Request duration histogram buckets, in seconds.",
    },
    // Prometheus' own series for every scrape target.
    up: {
        name: "up",
        source: "prometheus",
        type: "gauge",
        help: "1 if the last scrape succeeded.",
    },
    alerts: {
        name: "ALERTS",
        source: "prometheus",
        type: "gauge",
        help: "1 per pending or firing alert, labelled alertname and alertstate (analysis).",
    },
    // cAdvisor (kubelet /metrics/cadvisor).
    containerCpu: {
        name: "container_cpu_usage_seconds_total",
        source: "cadvisor",
        type: "counter",
        help: "CPU seconds a container used.",
    },
    containerMemory: {
        name: "container_memory_working_set_bytes",
        source: "cadvisor",
        type: "gauge",
        help: "Working set of a container, what the OOM killer looks at.",
    },
    // kube-state-metrics v2.x.
    containerLimits: {
        name: "kube_pod_container_resource_limits",
        source: "kube-state-metrics",
        type: "gauge",
        help: 'Container limits, labelled resource="cpu"|"memory".',
    },
    containerRequests: {
        name: "kube_pod_container_resource_requests",
        source: "kube-state-metrics",
        type: "gauge",
        help: 'Container requests, labelled resource="cpu"|"memory" (capacity preflight).',
    },
    containerRestarts: {
        name: "kube_pod_container_status_restarts_total",
        source: "kube-state-metrics",
        type: "counter",
        help: "Container restarts.",
    },
    nodeAllocatable: {
        name: "kube_node_status_allocatable",
        source: "kube-state-metrics",
        type: "gauge",
        help: 'Node allocatable resources, labelled resource="cpu"|"memory" (capacity preflight).',
    },
    podPhase: {
        name: "kube_pod_status_phase",
        source: "kube-state-metrics",
        type: "gauge",
        help: "1 for the phase a pod is in, labelled phase (capacity preflight: Pending|Running).",
    },
    hpaCurrentReplicas: {
        name: "kube_horizontalpodautoscaler_status_current_replicas",
        source: "kube-state-metrics",
        type: "gauge",
        help: "Current replicas of an HPA.",
    },
    hpaDesiredReplicas: {
        name: "kube_horizontalpodautoscaler_status_desired_replicas",
        source: "kube-state-metrics",
        type: "gauge",
        help: "Desired replicas of an HPA.",
    },
    hpaMinReplicas: {
        name: "kube_horizontalpodautoscaler_spec_min_replicas",
        source: "kube-state-metrics",
        type: "gauge",
        help: "minReplicas of an HPA.",
    },
    hpaMaxReplicas: {
        name: "kube_horizontalpodautoscaler_spec_max_replicas",
        source: "kube-state-metrics",
        type: "gauge",
        help: "maxReplicas of an HPA.",
    },
    cronJobLastSuccess: {
        name: "kube_cronjob_status_last_successful_time",
        source: "kube-state-metrics",
        type: "gauge",
        help: "Unix time a CronJob's last Job succeeded (backup staleness; kube-state-metrics 2.3+).",
    },
    cronJobCreated: {
        name: "kube_cronjob_created",
        source: "kube-state-metrics",
        type: "gauge",
        help: "Unix time a CronJob was created (a backup that never succeeded).",
    },
    // postgres_exporter (one Deployment per DB instance).
    pgUp: {
        name: "pg_up",
        source: "postgres-exporter",
        type: "gauge",
        help: "1 if the exporter reached PostgreSQL.",
    },
    pgReplicationLag: {
        name: "pg_replication_lag_seconds",
        source: "postgres-exporter",
        type: "gauge",
        help: "Seconds a replica trails its primary.",
    },
    pgConnections: {
        name: "pg_stat_activity_count",
        source: "postgres-exporter",
        type: "gauge",
        help: "Connections by database and state.",
    },
    pgMaxConnections: {
        name: "pg_settings_max_connections",
        source: "postgres-exporter",
        type: "gauge",
        help: "max_connections.",
    },
    // redis_exporter.
    redisHits: {
        name: "redis_keyspace_hits_total",
        source: "redis-exporter",
        type: "counter",
        help: "Successful key lookups.",
    },
    redisMisses: {
        name: "redis_keyspace_misses_total",
        source: "redis-exporter",
        type: "counter",
        help: "Failed key lookups.",
    },
    redisMemoryUsed: {
        name: "redis_memory_used_bytes",
        source: "redis-exporter",
        type: "gauge",
        help: "Bytes Redis has allocated (capacity preflight).",
    },
    redisMemoryMax: {
        name: "redis_memory_max_bytes",
        source: "redis-exporter",
        type: "gauge",
        help: "maxmemory; 0 when unlimited (capacity preflight).",
    },
    // CloudWatch, through YACE.
    dbFreeStorageBytes: cw(
        { namespace: "AWS/RDS", metric: "FreeStorageSpace", statistic: "Average" },
        "Free storage of an RDS instance, in bytes.",
    ),
    dbConnections: cw(
        { namespace: "AWS/RDS", metric: "DatabaseConnections", statistic: "Average" },
        "Client connections to an RDS instance, as RDS counts them.",
    ),
    dbReplicaLag: cw(
        { namespace: "AWS/RDS", metric: "ReplicaLag", statistic: "Maximum" },
        "Seconds an RDS read replica trails its source.",
    ),
    cacheMemoryUsage: cw(
        {
            namespace: "AWS/ElastiCache",
            metric: "DatabaseMemoryUsagePercentage",
            statistic: "Average",
        },
        "Percentage of maxmemory a cache node uses (capacity preflight).",
    ),
    cacheBytesUsed: cw(
        { namespace: "AWS/ElastiCache", metric: "BytesUsedForCache", statistic: "Average" },
        "Bytes a cache node uses for data.",
    ),
} as const satisfies Record<string, MetricSpec>;

export type MetricKey = keyof typeof METRICS;

/** A stack's renames (`release:monitoring.metrics`), by catalogue key. */
export type MetricOverrides = Partial<Record<MetricKey, string>>;

/** Keys a stack may rename: their names depend on the app or on the cluster's versions. */
export const RENAMEABLE_SOURCES: readonly MetricSourceId[] = [
    "app",
    "kube-state-metrics",
    "cadvisor",
];

/** Label on each CloudWatch series naming its RDS instance / ElastiCache cluster (YACE, camel case). */
export const CLOUDWATCH_LABELS = {
    dbInstance: "dimension_DBInstanceIdentifier",
    cacheCluster: "dimension_CacheClusterId",
} as const;

/** Metric names for one stack: the catalogue's, with the stack's renames applied. */
export function metricNames(overrides: MetricOverrides = {}): Record<MetricKey, string> {
    const out = {} as Record<MetricKey, string>;
    for (const [key, spec] of Object.entries(METRICS) as [MetricKey, MetricSpec][]) {
        const renamed = (overrides as Record<string, string | undefined>)[key];
        out[key] = renamed ?? spec.name;
    }
    return out;
}

/** Name -> catalogue entry for one stack (renames applied). */
export function catalogueByName(
    overrides: MetricOverrides = {},
): Map<string, { key: MetricKey } & MetricSpec> {
    const names = metricNames(overrides);
    const out = new Map<string, { key: MetricKey } & MetricSpec>();
    for (const [key, spec] of Object.entries(METRICS) as [MetricKey, MetricSpec][]) {
        out.set(names[key], { key, ...spec, name: names[key] });
    }
    return out;
}

/** The CloudWatch metrics of one namespace, for the exporter's config. */
export function cloudWatchMetrics(namespace: CloudWatchMetric["namespace"]): CloudWatchMetric[] {
    return Object.values(METRICS as Record<string, MetricSpec>)
        .map((s) => s.cloudwatch)
        .filter((m): m is CloudWatchMetric => m?.namespace === namespace);
}
