// The metrics catalogue, the CloudWatch exporter's config and IAM, and the PromQL name extraction:
// pure, no plan.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    CLOUDWATCH_EXPORTER_ACTIONS,
    cloudwatchExporterStatements,
    yaceConfig,
} from "../decisions/cloudwatchExporter";
import {
    METRICS,
    METRIC_SOURCES,
    RENAMEABLE_SOURCES,
    catalogueByName,
    metricNames,
    yaceMetricName,
    type MetricSpec,
} from "../decisions/metricsCatalogue";
import { parseStackConfig } from "../config";
import { REPO_ROOT } from "../scripts/lib/plan";
import { loadStackInput } from "../scripts/lib/stackFile";
import { documentedPrerequisites, metricNamesIn } from "../scripts/lib/metricSources";

const specs = Object.entries(METRICS) as [string, MetricSpec][];

describe("metrics catalogue", () => {
    it("names YACE metrics as YACE does: aws_<namespace>_<metric>_<statistic>, snake case", () => {
        // Expected values are YACE's own (its README, CHANGELOG and promutil tests).
        assert.equal(
            yaceMetricName("AWS/RDS", "FreeStorageSpace", "Average"),
            "aws_rds_free_storage_space_average",
        );
        assert.equal(
            yaceMetricName("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "Average"),
            "aws_elasticache_database_memory_usage_percentage_average",
        );
        assert.equal(
            yaceMetricName("AWS/RDS", "ReplicaLag", "Maximum"),
            "aws_rds_replica_lag_maximum",
        );
        assert.equal(
            yaceMetricName("AWS/EC2", "CPUUtilization", "Average"),
            "aws_ec2_cpuutilization_average",
        );
        // Namespace words the metric repeats are dropped (YACE 0.59 and later).
        assert.equal(
            yaceMetricName("AWS/RDS", "RDSToAuroraPostgreSQLReplicaLag", "Average"),
            "aws_rds_to_aurora_postgre_sqlreplica_lag_average",
        );
        assert.equal(
            yaceMetricName("Glue", "glue.driver.jvm.heap.usage", "Average"),
            "aws_glue_driver_jvm_heap_usage_average",
        );
    });

    it("lists each metric name once, each with a known source", () => {
        const names = specs.map(([, s]) => s.name);
        assert.deepEqual(
            names.filter((n, i) => names.indexOf(n) !== i),
            [],
            "a metric listed twice",
        );
        for (const [key, s] of specs) {
            assert.ok(METRIC_SOURCES[s.source], `${key}: unknown source ${s.source}`);
            assert.match(s.name, /^[a-zA-Z_:][a-zA-Z0-9_:]*$/, key);
        }
    });

    it("derives every CloudWatch metric's name from what the exporter fetches", () => {
        const cloudwatch = specs.filter(([, s]) => s.source === "cloudwatch-exporter");
        assert.ok(cloudwatch.length >= 4);
        for (const [key, s] of cloudwatch) {
            assert.ok(s.cloudwatch, `${key} names no CloudWatch metric`);
            const c = s.cloudwatch;
            assert.equal(s.name, yaceMetricName(c.namespace, c.metric, c.statistic), key);
        }
        const fetched = cloudwatch.map(([, s]) => s.cloudwatch!.metric);
        for (const m of [
            "FreeStorageSpace",
            "DatabaseConnections",
            "ReplicaLag",
            "DatabaseMemoryUsagePercentage",
        ]) {
            assert.ok(fetched.includes(m), `the exporter must bring in ${m}`);
        }
    });

    it("applies a stack's renames and keeps the source", () => {
        const names = metricNames({ httpRequests: "nova_http_requests_total" });
        assert.equal(names.httpRequests, "nova_http_requests_total");
        assert.equal(names.pgUp, "pg_up");
        const byName = catalogueByName({ httpRequests: "nova_http_requests_total" });
        assert.equal(byName.get("nova_http_requests_total")?.source, "app");
        assert.equal(byName.has("http_requests_total"), false, "the old name must be gone");
    });

    it("lets a stack rename exactly the app, kube-state-metrics and cAdvisor metrics", () => {
        const input = loadStackInput("prod");
        const raw: Record<string, any> = {};
        for (const [k, v] of Object.entries(input.config)) {
            if (k.startsWith("release:")) raw[k.slice("release:".length)] = structuredClone(v);
        }
        for (const [key, s] of specs) {
            const cfg = structuredClone(raw);
            cfg.monitoring.metrics = { [key]: "renamed_metric" };
            let accepted = true;
            try {
                parseStackConfig(cfg);
            } catch {
                accepted = false;
            }
            assert.equal(accepted, RENAMEABLE_SOURCES.includes(s.source), `${key} (${s.source})`);
        }
    });

    it("docs/metrics.md lists every catalogue metric and every prerequisite with a version", () => {
        const doc = fs.readFileSync(path.join(REPO_ROOT, "docs", "metrics.md"), "utf8");
        for (const [key, s] of specs)
            assert.ok(doc.includes(`\`${s.name}\``), `${key} (${s.name})`);
        const documented = documentedPrerequisites();
        for (const [id, s] of Object.entries(METRIC_SOURCES)) {
            if (s.deployedBy === "prerequisite") assert.ok(documented.has(id), id);
        }
    });
});

describe("CloudWatch exporter config (YACE)", () => {
    const tags = { app: "nova-api", stage: "prod" };

    it("discovers only this stack's stores: RDS and ElastiCache by app, stage and kind", () => {
        const cfg = yaceConfig({ region: "eu-west-1", tags, database: true, cache: true }) as any;
        assert.equal(cfg.apiVersion, "v1alpha1");
        assert.deepEqual(
            cfg.discovery.jobs.map((j: any) => j.type),
            ["AWS/RDS", "AWS/ElastiCache"],
        );
        for (const j of cfg.discovery.jobs) {
            assert.deepEqual(j.regions, ["eu-west-1"]);
            const byKey = Object.fromEntries(j.searchTags.map((t: any) => [t.key, t.value]));
            assert.equal(byKey.app, "^nova-api$");
            assert.equal(byKey.stage, "^prod$");
            const re = new RegExp(byKey.app);
            assert.ok(re.test("nova-api") && !re.test("nova-api-2") && !re.test("old-nova-api"));
        }
        const rds = cfg.discovery.jobs[0];
        assert.deepEqual(rds.dimensionNameRequirements, ["DBInstanceIdentifier"]);
        assert.deepEqual(rds.metrics.map((m: any) => `${m.name}/${m.statistics.join()}`).sort(), [
            "DatabaseConnections/Average",
            "FreeStorageSpace/Average",
            "ReplicaLag/Maximum",
        ]);
        assert.deepEqual(cfg.discovery.jobs[1].metrics.map((m: any) => m.name).sort(), [
            "BytesUsedForCache",
            "DatabaseMemoryUsagePercentage",
        ]);
    });

    it("has a job per store the stack has, and no config without one", () => {
        const only = (database: boolean, cache: boolean) =>
            (yaceConfig({ region: "eu-west-1", tags, database, cache }) as any)?.discovery.jobs.map(
                (j: any) => j.type,
            );
        assert.deepEqual(only(true, false), ["AWS/RDS"]);
        assert.deepEqual(only(false, true), ["AWS/ElastiCache"]);
        assert.equal(only(false, false), undefined);
    });

    it("escapes regex characters in tag values", () => {
        const cfg = yaceConfig({
            region: "eu-west-1",
            tags: { app: "a.b", stage: "prod" },
            database: true,
            cache: false,
        }) as any;
        const re = new RegExp(cfg.discovery.jobs[0].searchTags[0].value);
        assert.ok(re.test("a.b") && !re.test("axb"));
    });

    it("grants GetMetricData, ListMetrics and tag:GetResources in the stack's region, nothing else", () => {
        const statements = cloudwatchExporterStatements("eu-west-1");
        const actions = statements.flatMap((s) => s.Action).sort();
        assert.deepEqual(actions, [...CLOUDWATCH_EXPORTER_ACTIONS].sort());
        for (const s of statements) {
            assert.equal(s.Effect, "Allow");
            assert.deepEqual(s.Condition, { StringEquals: { "aws:RequestedRegion": "eu-west-1" } });
        }
    });
});

describe("PromQL metric names", () => {
    it("finds names inside functions, aggregations, binary operations and __name__ matchers", () => {
        const { names, error } = metricNamesIn(
            'sum by (job) (rate(a_total{job="x"}[5m])) / on (job) group_left () b:c:rate5m ' +
                "and histogram_quantile(0.9, sum by (le) (rate(d_bucket[5m]))) > 0.3 " +
                'or {__name__="e_total",job="y"} unless absent(f)',
        );
        assert.equal(error, undefined);
        assert.deepEqual(names, ["a_total", "b:c:rate5m", "d_bucket", "e_total", "f"]);
    });

    it("does not take label names, label values or function names for metrics", () => {
        const { names } = metricNamesIn('max by (pod) (up{job="rate",pod=~"sum.+"}) == bool 0');
        assert.deepEqual(names, ["up"]);
    });

    it("reports an expression it cannot parse", () => {
        assert.match(metricNamesIn("sum(rate(x[5m])").error ?? "", /cannot parse/);
        assert.match(metricNamesIn("a >> b").error ?? "", /cannot parse/);
    });
});
