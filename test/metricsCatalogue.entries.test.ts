// The catalogue's entries, one property at a time: who exports each metric (and so whether the plan
// deploys it), its type against Prometheus' naming conventions, and the lookups the builders use.
// Pure: no plan, no config files.
import * as assert from "assert";
import {
    CLOUDWATCH_LABELS,
    METRICS,
    METRIC_SOURCES,
    RENAMEABLE_SOURCES,
    catalogueByName,
    cloudWatchMetrics,
    metricNames,
    yaceMetricName,
    type MetricSourceId,
    type MetricSpec,
} from "../decisions/metricsCatalogue";
import { yaceConfig } from "../decisions/cloudwatchExporter";

const specs = Object.entries(METRICS) as [string, MetricSpec][];

describe("metrics catalogue: sources", () => {
    it("deploys the app's ServiceMonitor and the three exporters; the cluster brings the rest", () => {
        const deployedBy = Object.fromEntries(
            Object.entries(METRIC_SOURCES).map(([id, s]) => [id, s.deployedBy]),
        );
        assert.deepStrictEqual(deployedBy, {
            app: "plan",
            prometheus: "prerequisite",
            "kube-state-metrics": "prerequisite",
            cadvisor: "prerequisite",
            "postgres-exporter": "plan",
            "redis-exporter": "plan",
            "cloudwatch-exporter": "plan",
        });
    });

    it("names the pods of each exporter the plan deploys after the exporter, and no others", () => {
        for (const [id, s] of Object.entries(METRIC_SOURCES)) {
            const exporter = s.deployedBy === "plan" && id !== "app";
            assert.strictEqual(s.component, exporter ? id : undefined, id);
        }
    });

    it("gives every source a title for docs and messages", () => {
        for (const [id, s] of Object.entries(METRIC_SOURCES)) {
            assert.ok(s.title.trim().length > 3, id);
        }
        assert.match(METRIC_SOURCES.cadvisor.title, /cAdvisor/);
        assert.match(METRIC_SOURCES["cloudwatch-exporter"].title, /YACE/);
    });

    it("lets stacks rename only the app, kube-state-metrics and cAdvisor metrics", () => {
        assert.deepStrictEqual([...RENAMEABLE_SOURCES].sort(), [
            "app",
            "cadvisor",
            "kube-state-metrics",
        ]);
    });
});

describe("metrics catalogue: entries", () => {
    // Prefixes each exporter puts on its series (Prometheus' `up`/`ALERTS` are its own).
    const prefixOf: Record<MetricSourceId, RegExp> = {
        app: /^http_/,
        prometheus: /^(up|ALERTS)$/,
        "kube-state-metrics": /^kube_/,
        cadvisor: /^container_/,
        "postgres-exporter": /^pg_/,
        "redis-exporter": /^redis_/,
        "cloudwatch-exporter": /^aws_/,
    };

    it("attributes each metric to the source whose prefix it carries", () => {
        for (const [key, s] of specs) {
            assert.ok(prefixOf[s.source], `${key}: unknown source ${s.source}`);
            assert.match(s.name, prefixOf[s.source], `${key} (${s.source})`);
        }
    });

    it("types each metric by Prometheus' conventions: _total counters, _bucket histograms", () => {
        for (const [key, s] of specs) {
            const expected = s.name.endsWith("_total")
                ? "counter"
                : s.name.endsWith("_bucket")
                  ? "histogram"
                  : "gauge";
            assert.strictEqual(s.type, expected, key);
        }
    });

    it("describes every metric in a sentence", () => {
        for (const [key, s] of specs) {
            assert.match(s.help, /^\S.{4,}\.$/, key);
        }
    });

    it("reads YACE's CloudWatch series as gauges from the exporter, with what it fetches", () => {
        const cloudwatch = specs.filter(([, s]) => s.cloudwatch);
        assert.deepStrictEqual(
            cloudwatch.map(([k]) => k),
            [
                "dbFreeStorageBytes",
                "dbConnections",
                "dbReplicaLag",
                "cacheMemoryUsage",
                "cacheBytesUsed",
            ],
        );
        for (const [key, s] of cloudwatch) {
            assert.strictEqual(s.source, "cloudwatch-exporter", key);
            assert.strictEqual(s.type, "gauge", key);
        }
        for (const [key, s] of specs.filter(([, s]) => !s.cloudwatch)) {
            assert.notStrictEqual(s.source, "cloudwatch-exporter", key);
        }
        // Replica lag alerts on the worst replica, not the average.
        assert.strictEqual(METRICS.dbReplicaLag.cloudwatch?.statistic, "Maximum");
        assert.strictEqual(METRICS.dbReplicaLag.name, "aws_rds_replica_lag_maximum");
    });

    it("lists each namespace's CloudWatch metrics for the exporter, and no other namespace's", () => {
        const rds = cloudWatchMetrics("AWS/RDS");
        assert.deepStrictEqual(
            rds.map((m) => `${m.metric}/${m.statistic}`),
            ["FreeStorageSpace/Average", "DatabaseConnections/Average", "ReplicaLag/Maximum"],
        );
        assert.ok(rds.every((m) => m.namespace === "AWS/RDS"));
        const cache = cloudWatchMetrics("AWS/ElastiCache");
        assert.deepStrictEqual(
            cache.map((m) => `${m.metric}/${m.statistic}`),
            ["DatabaseMemoryUsagePercentage/Average", "BytesUsedForCache/Average"],
        );
    });

    it("labels CloudWatch series with the dimension the exporter is told to require", () => {
        const cfg = yaceConfig({
            region: "eu-west-1",
            tags: { app: "a", stage: "prod" },
            database: true,
            cache: true,
        }) as any;
        const [rds, cache] = cfg.discovery.jobs;
        assert.strictEqual(
            CLOUDWATCH_LABELS.dbInstance,
            `dimension_${rds.dimensionNameRequirements[0]}`,
        );
        assert.strictEqual(
            CLOUDWATCH_LABELS.cacheCluster,
            `dimension_${cache.dimensionNameRequirements[0]}`,
        );
        assert.strictEqual(CLOUDWATCH_LABELS.dbInstance, "dimension_DBInstanceIdentifier");
    });
});

describe("metrics catalogue: lookups", () => {
    it("uses the catalogue's names when a stack renames nothing", () => {
        const names = metricNames();
        assert.deepStrictEqual(Object.keys(names), Object.keys(METRICS));
        for (const [key, s] of specs) assert.strictEqual(names[key as keyof typeof names], s.name);
        assert.deepStrictEqual(metricNames({}), names);
    });

    it("renames only the keys a stack names, whatever their order", () => {
        const names = metricNames({
            containerMemory: "container_memory_rss",
            httpRequests: "nova_requests_total",
        });
        assert.strictEqual(names.containerMemory, "container_memory_rss");
        assert.strictEqual(names.httpRequests, "nova_requests_total");
        assert.strictEqual(names.httpDurationBucket, "http_request_duration_seconds_bucket");
        assert.strictEqual(names.up, "up");
    });

    it("finds each entry by its name, with its key and everything the catalogue says of it", () => {
        const byName = catalogueByName();
        assert.strictEqual(byName.size, specs.length);
        assert.deepStrictEqual(byName.get("pg_up"), { key: "pgUp", ...METRICS.pgUp });
        assert.deepStrictEqual(byName.get("aws_rds_free_storage_space_average"), {
            key: "dbFreeStorageBytes",
            ...METRICS.dbFreeStorageBytes,
        });
        const renamed = catalogueByName({ containerRestarts: "kube_restarts" });
        assert.deepStrictEqual(renamed.get("kube_restarts"), {
            key: "containerRestarts",
            ...METRICS.containerRestarts,
            name: "kube_restarts",
        });
        assert.strictEqual(renamed.has(METRICS.containerRestarts.name), false);
        assert.strictEqual(renamed.size, specs.length);
    });
});

describe("YACE metric names: each rule of promString", () => {
    it("turns every separator YACE knows into an underscore", () => {
        assert.strictEqual(
            yaceMetricName("AWS/X", "a b,c\td/e\\f.g-h:i=j@k<l>m(n)o“p", "Sum"),
            "aws_x_a_b_c_d_e_f_g_h_i_j_k_l_m_n_o_p_sum",
        );
    });

    it("spells % as _percent", () => {
        assert.strictEqual(
            yaceMetricName("AWS/ElastiCache", "CacheHit%", "Average"),
            "aws_elasticache_cache_hit_percent_average",
        );
    });

    it("starts a word at a capital after a lower-case letter or a digit, not after a capital", () => {
        assert.strictEqual(yaceMetricName("AWS/X", "S3Get", "Sum"), "aws_x_s3_get_sum");
        assert.strictEqual(yaceMetricName("AWS/X", "ReadIOPS", "Sum"), "aws_x_read_iops_sum");
        assert.strictEqual(yaceMetricName("AWS/X", "a_B", "Sum"), "aws_x_a_b_sum");
    });

    it("keeps a leading aws in the namespace once, and adds it when missing", () => {
        assert.strictEqual(yaceMetricName("AWS/X", "M", "Sum"), "aws_x_m_sum");
        assert.strictEqual(yaceMetricName("Custom", "M", "Sum"), "aws_custom_m_sum");
        assert.strictEqual(yaceMetricName("/Custom", "M", "Sum"), "aws_custom_m_sum");
    });

    it("lower-cases the namespace before splitting words, so EC2Spot stays one word", () => {
        assert.strictEqual(
            yaceMetricName("AWS/EC2Spot", "AvailableInstancePoolsCount", "Average"),
            "aws_ec2spot_available_instance_pools_count_average",
        );
    });

    it("drops only the namespace words the metric starts with", () => {
        assert.strictEqual(yaceMetricName("AWS/RDS", "RDSLag", "Sum"), "aws_rds_lag_sum");
        assert.strictEqual(yaceMetricName("AWS/RDS", "LagRDS", "Sum"), "aws_rds_lag_rds_sum");
    });
});
