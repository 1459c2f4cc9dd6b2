// Pure: the CloudWatch exporter's (YACE) scrape config and IAM permissions for one stack. It brings
// the RDS and ElastiCache metrics that only CloudWatch has (free storage, replica lag, cache memory)
// into Prometheus under the names the catalogue lists.
import { cloudWatchMetrics, type CloudWatchMetric } from "./metricsCatalogue";

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
