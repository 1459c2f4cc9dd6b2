// The CloudWatch exporter's decisions, called directly: one discovery job per store kind, limited to
// this stack's tagged stores, and the region-bound, read-only IAM statements.
import * as assert from "assert";
import {
    CLOUDWATCH_EXPORTER,
    CLOUDWATCH_EXPORTER_IMAGE,
    cloudwatchExporterStatements,
    yaceConfig,
} from "../decisions/cloudwatchExporter";
import { cloudWatchMetrics } from "../decisions/metricsCatalogue";

const input = { region: "eu-west-1", tags: { app: "nv.api", stage: "prod" } };
type Job = Record<string, unknown>;
const jobs = (cfg: Record<string, unknown> | undefined) => (cfg?.discovery as { jobs: Job[] }).jobs;

describe("cloudwatch exporter decisions", () => {
    it("nothing to scrape without a database or a cache", () => {
        assert.strictEqual(yaceConfig({ ...input, database: false, cache: false }), undefined);
    });

    it("an RDS job for the stack's own database, tags matched exactly, five periods back", () => {
        const cfg = yaceConfig({ ...input, database: true, cache: false });
        assert.deepStrictEqual(
            { ...cfg, discovery: undefined },
            { apiVersion: "v1alpha1", "sts-region": "eu-west-1", discovery: undefined },
        );
        assert.deepStrictEqual(jobs(cfg), [
            {
                type: "AWS/RDS",
                regions: ["eu-west-1"],
                searchTags: [
                    { key: "app", value: "^nv\\.api$" },
                    { key: "stage", value: "^prod$" },
                    { key: "release/data-store", value: "^postgres$" },
                ],
                dimensionNameRequirements: ["DBInstanceIdentifier"],
                period: 60,
                length: 300,
                metrics: cloudWatchMetrics("AWS/RDS").map((m) => ({
                    name: m.metric,
                    statistics: [m.statistic],
                })),
            },
        ]);
    });

    it("an ElastiCache job per node, after the RDS job, at the configured period", () => {
        const [rds, redis] = jobs(
            yaceConfig({ ...input, database: true, cache: true, periodSeconds: 120 }),
        );
        assert.strictEqual(rds.type, "AWS/RDS");
        assert.deepStrictEqual(
            [redis.type, redis.dimensionNameRequirements, redis.period, redis.length],
            ["AWS/ElastiCache", ["CacheClusterId", "CacheNodeId"], 120, 600],
        );
        assert.deepStrictEqual((redis.searchTags as Job[])[2], {
            key: "release/data-store",
            value: "^redis$",
        });
        assert.strictEqual(jobs(yaceConfig({ ...input, database: false, cache: true })).length, 1);
    });

    it("reads metrics and discovers tagged stores on every resource, in the stack's region only", () => {
        const inRegion = { StringEquals: { "aws:RequestedRegion": "eu-west-1" } };
        assert.deepStrictEqual(cloudwatchExporterStatements("eu-west-1"), [
            {
                Sid: "ReadCloudWatchMetrics",
                Effect: "Allow",
                Action: ["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"],
                Resource: ["*"],
                Condition: inRegion,
            },
            {
                Sid: "DiscoverTaggedStores",
                Effect: "Allow",
                Action: ["tag:GetResources"],
                Resource: ["*"],
                Condition: inRegion,
            },
        ]);
    });

    it("runs a pinned image under a fixed name", () => {
        assert.match(
            CLOUDWATCH_EXPORTER_IMAGE,
            /^quay\.io\/prometheuscommunity\/yet-another-cloudwatch-exporter:v\d+\.\d+\.\d+$/,
        );
        assert.strictEqual(CLOUDWATCH_EXPORTER, "cloudwatch-exporter");
    });
});
