// Pure: the CloudWatch exporter's (YACE) scrape config and IAM permissions for one stack. It brings
// the RDS and ElastiCache metrics that only CloudWatch has (free storage, replica lag, cache memory)
// into Prometheus under the names the catalogue lists. Also its Kubernetes objects, which the
// component wraps in resources.
import { createHash } from "crypto";
import { cloudWatchMetrics, type CloudWatchMetric } from "./metricsCatalogue";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./podSecurity";

/** Pinned YACE image (prometheus-community; checked against the upstream releases when written). */
export const CLOUDWATCH_EXPORTER_IMAGE =
    "quay.io/prometheuscommunity/yet-another-cloudwatch-exporter:v0.63.0";

/** `app.kubernetes.io/name` of its pods and Service, and its ServiceAccount's name. */
export const CLOUDWATCH_EXPORTER = "cloudwatch-exporter";
/** YACE's default listen port. */
export const CLOUDWATCH_EXPORTER_PORT = 5000;

/** The tags the data tier puts on every store (components/data/database.ts, cache.ts). */
export interface StoreTags {
    readonly app: string;
    readonly stage: string;
}

export interface YaceConfigInput {
    /** AWS region of the stack's stores. */
    readonly region: string;
    readonly tags: StoreTags;
    /** Scrape RDS: the stack has `release:database`. */
    readonly database: boolean;
    /** Scrape ElastiCache: the stack has `release:cache`. */
    readonly cache: boolean;
    /** CloudWatch period in seconds; RDS and ElastiCache publish every 60 s. Default 60. */
    readonly periodSeconds?: number;
}

/** An exact-match regex for a YACE searchTags value. */
const exact = (value: string) => `^${value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`;

const job = (
    type: CloudWatchMetric["namespace"],
    store: "postgres" | "redis",
    dimensions: string[],
    input: YaceConfigInput,
) => {
    const period = input.periodSeconds ?? 60;
    return {
        type,
        regions: [input.region],
        // Only this stack's stores: the data tier tags each with app, stage and its kind, and
        // YACE asks the tagging API for exactly those (every tag must match).
        searchTags: [
            { key: "app", value: exact(input.tags.app) },
            { key: "stage", value: exact(input.tags.stage) },
            { key: "release/data-store", value: exact(store) },
        ],
        dimensionNameRequirements: dimensions,
        period,
        // A few periods back, so a late CloudWatch datapoint still yields a value.
        length: period * 5,
        metrics: cloudWatchMetrics(type).map((m) => ({
            name: m.metric,
            statistics: [m.statistic],
        })),
    };
};

/**
 * YACE's config (apiVersion v1alpha1): one discovery job per store kind. Written as JSON, which
 * is YAML too. Undefined when the stack has neither a database nor a cache.
 */
export function yaceConfig(input: YaceConfigInput): Record<string, unknown> | undefined {
    const jobs = [
        ...(input.database ? [job("AWS/RDS", "postgres", ["DBInstanceIdentifier"], input)] : []),
        // Per node: CacheClusterId is the member cluster (<group>-001 …), CacheNodeId its node.
        ...(input.cache
            ? [job("AWS/ElastiCache", "redis", ["CacheClusterId", "CacheNodeId"], input)]
            : []),
    ];
    if (jobs.length === 0) return undefined;
    return { apiVersion: "v1alpha1", "sts-region": input.region, discovery: { jobs } };
}

/** The IAM actions YACE's discovery jobs need, and nothing else. */
export const CLOUDWATCH_EXPORTER_ACTIONS = [
    "cloudwatch:GetMetricData",
    "cloudwatch:ListMetrics",
    "tag:GetResources",
] as const;

/**
 * Least-privilege statements for the exporter's role. None of these actions supports resource-level
 * permissions, so Resource is "*"; the region condition keeps the role to the stack's region.
 */
export function cloudwatchExporterStatements(region: string) {
    const inRegion = { StringEquals: { "aws:RequestedRegion": region } };
    return [
        {
            Sid: "ReadCloudWatchMetrics",
            Effect: "Allow" as const,
            Action: ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"],
            Resource: ["*"],
            Condition: inRegion,
        },
        {
            Sid: "DiscoverTaggedStores",
            Effect: "Allow" as const,
            Action: ["tag:GetResources"],
            Resource: ["*"],
            Condition: inRegion,
        },
    ];
}

/** YACE's image runs as a non-root user; any UID works, nobody keeps it in line with the others. */
export const CLOUDWATCH_EXPORTER_UID = 65534;
/** Where the config is mounted; `--config.file` points into it. */
export const CLOUDWATCH_EXPORTER_CONFIG_DIR = "/etc/yace";

/** The selector (what the Service and Deployment select by) and the labels of every object. */
export function cloudwatchExporterLabels(appName: string) {
    const selector = { "app.kubernetes.io/name": CLOUDWATCH_EXPORTER };
    const labels = {
        ...selector,
        "app.kubernetes.io/part-of": appName,
        "app.kubernetes.io/managed-by": "pulumi",
    };
    return { selector, labels };
}

/** YACE's config as the ConfigMap carries it, under `config.yml`. */
export function cloudwatchExporterConfigMap(
    namespace: string,
    appName: string,
    configText: string,
) {
    return {
        metadata: {
            name: `${CLOUDWATCH_EXPORTER}-config`,
            namespace,
            labels: cloudwatchExporterLabels(appName).labels,
        },
        data: { "config.yml": configText },
    };
}

export interface CloudWatchExporterPod<N> {
    readonly namespace: string;
    readonly appName: string;
    /** The ConfigMap's text: its hash rolls the pod when it changes. */
    readonly configText: string;
    /** The exporter's ServiceAccount, whose pod identity reads CloudWatch. */
    readonly serviceAccountName: string;
    /** The ConfigMap's name (the resource's output, so the Deployment follows it). */
    readonly configMapName: N;
    /** Image; default the pinned YACE release. */
    readonly image?: string;
}

/** One hardened YACE pod under the exporter's pod identity, its config mounted read-only. */
export function cloudwatchExporterDeployment<N>(p: CloudWatchExporterPod<N>) {
    const { selector, labels } = cloudwatchExporterLabels(p.appName);
    const probe = (periodSeconds: number) => ({
        httpGet: { path: "/healthz", port: "metrics" },
        periodSeconds,
    });
    return {
        metadata: { name: CLOUDWATCH_EXPORTER, namespace: p.namespace, labels },
        spec: {
            replicas: 1,
            selector: { matchLabels: selector },
            template: {
                metadata: {
                    labels,
                    // YACE reads its config once: a new config must roll the pod.
                    annotations: {
                        "checksum/config": createHash("sha256").update(p.configText).digest("hex"),
                    },
                },
                spec: {
                    serviceAccountName: p.serviceAccountName,
                    // The EKS webhook projects the web-identity token on its own volume.
                    automountServiceAccountToken: false,
                    securityContext: restrictedPodSecurity(CLOUDWATCH_EXPORTER_UID, {
                        fsGroup: false,
                    }),
                    containers: [
                        {
                            name: CLOUDWATCH_EXPORTER,
                            image: p.image ?? CLOUDWATCH_EXPORTER_IMAGE,
                            imagePullPolicy: "IfNotPresent",
                            args: [
                                `--config.file=${CLOUDWATCH_EXPORTER_CONFIG_DIR}/config.yml`,
                                `--listen-address=:${CLOUDWATCH_EXPORTER_PORT}`,
                                // CloudWatch publishes these every minute; polling faster buys nothing.
                                "--scraping-interval=60",
                            ],
                            ports: [{ name: "metrics", containerPort: CLOUDWATCH_EXPORTER_PORT }],
                            volumeMounts: [
                                {
                                    name: "config",
                                    mountPath: CLOUDWATCH_EXPORTER_CONFIG_DIR,
                                    readOnly: true,
                                },
                            ],
                            resources: {
                                requests: { cpu: "25m", memory: "64Mi" },
                                limits: { cpu: "200m", memory: "192Mi" },
                            },
                            livenessProbe: probe(20),
                            readinessProbe: probe(10),
                            securityContext: restrictedContainerSecurity(),
                        },
                    ],
                    volumes: [
                        {
                            name: "config",
                            configMap: { name: p.configMapName, defaultMode: 0o444 },
                        },
                    ],
                },
            },
        },
    };
}

/** The ClusterIP Service the alerting ServiceMonitor selects, port `metrics`. */
export function cloudwatchExporterService(namespace: string, appName: string) {
    const { selector, labels } = cloudwatchExporterLabels(appName);
    return {
        metadata: { name: CLOUDWATCH_EXPORTER, namespace, labels },
        spec: {
            type: "ClusterIP",
            selector,
            ports: [{ name: "metrics", port: CLOUDWATCH_EXPORTER_PORT, targetPort: "metrics" }],
        },
    };
}
