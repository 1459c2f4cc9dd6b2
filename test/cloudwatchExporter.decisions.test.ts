// The CloudWatch exporter's decisions, called directly: one discovery job per store kind, limited to
// this stack's tagged stores, the region-bound, read-only IAM statements, and its Kubernetes objects.
import * as assert from "assert";
import { createHash } from "crypto";
import {
    CLOUDWATCH_EXPORTER,
    CLOUDWATCH_EXPORTER_CONFIG_DIR,
    CLOUDWATCH_EXPORTER_IMAGE,
    CLOUDWATCH_EXPORTER_PORT,
    CLOUDWATCH_EXPORTER_UID,
    cloudwatchExporterConfigMap,
    cloudwatchExporterDeployment,
    cloudwatchExporterLabels,
    cloudwatchExporterService,
    cloudwatchExporterStatements,
    yaceConfig,
    type CloudWatchExporterPod,
} from "../decisions/cloudwatchExporter";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../decisions/podSecurity";
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

describe("cloudwatch exporter objects", () => {
    const configText = JSON.stringify(
        yaceConfig({ ...input, database: true, cache: false }),
        null,
        2,
    );
    const pod = (over: Partial<CloudWatchExporterPod<string>> = {}) =>
        cloudwatchExporterDeployment({
            namespace: "shop",
            appName: "shop-api",
            configText,
            serviceAccountName: "cloudwatch-exporter",
            configMapName: "cloudwatch-exporter-config",
            ...over,
        });
    const labels = {
        "app.kubernetes.io/name": "cloudwatch-exporter",
        "app.kubernetes.io/part-of": "shop-api",
        "app.kubernetes.io/managed-by": "pulumi",
    };

    it("labels every object as part of the app and selects by the exporter's name alone", () => {
        assert.deepStrictEqual(cloudwatchExporterLabels("shop-api"), {
            selector: { "app.kubernetes.io/name": "cloudwatch-exporter" },
            labels,
        });
    });

    it("carries YACE's config in a ConfigMap under config.yml", () => {
        assert.deepStrictEqual(cloudwatchExporterConfigMap("shop", "shop-api", configText), {
            metadata: { name: "cloudwatch-exporter-config", namespace: "shop", labels },
            data: { "config.yml": configText },
        });
    });

    it("runs one hardened pod under the exporter's identity, reading the mounted config", () => {
        const d = pod();
        assert.deepStrictEqual(d.metadata, {
            name: "cloudwatch-exporter",
            namespace: "shop",
            labels,
        });
        assert.strictEqual(d.spec.replicas, 1);
        assert.deepStrictEqual(d.spec.selector, {
            matchLabels: { "app.kubernetes.io/name": "cloudwatch-exporter" },
        });
        assert.deepStrictEqual(d.spec.template.metadata.labels, labels);
        const spec = d.spec.template.spec;
        assert.strictEqual(spec.serviceAccountName, "cloudwatch-exporter");
        assert.strictEqual(spec.automountServiceAccountToken, false);
        assert.deepStrictEqual(
            spec.securityContext,
            restrictedPodSecurity(65534, { fsGroup: false }),
        );
        assert.strictEqual(CLOUDWATCH_EXPORTER_UID, 65534);
        assert.deepStrictEqual(spec.volumes, [
            {
                name: "config",
                configMap: { name: "cloudwatch-exporter-config", defaultMode: 0o444 },
            },
        ]);
        assert.deepStrictEqual(spec.containers, [
            {
                name: "cloudwatch-exporter",
                image: CLOUDWATCH_EXPORTER_IMAGE,
                imagePullPolicy: "IfNotPresent",
                args: [
                    "--config.file=/etc/yace/config.yml",
                    "--listen-address=:5000",
                    "--scraping-interval=60",
                ],
                ports: [{ name: "metrics", containerPort: 5000 }],
                volumeMounts: [{ name: "config", mountPath: "/etc/yace", readOnly: true }],
                resources: {
                    requests: { cpu: "25m", memory: "64Mi" },
                    limits: { cpu: "200m", memory: "192Mi" },
                },
                livenessProbe: {
                    httpGet: { path: "/healthz", port: "metrics" },
                    periodSeconds: 20,
                },
                readinessProbe: {
                    httpGet: { path: "/healthz", port: "metrics" },
                    periodSeconds: 10,
                },
                securityContext: restrictedContainerSecurity(),
            },
        ]);
        assert.strictEqual(CLOUDWATCH_EXPORTER_CONFIG_DIR, "/etc/yace");
        assert.strictEqual(CLOUDWATCH_EXPORTER_PORT, 5000);
    });

    it("rolls the pod when the config changes: the template carries the config's SHA-256", () => {
        const sha = (text: string) => createHash("sha256").update(text).digest("hex");
        const checksum = (text: string) =>
            pod({ configText: text }).spec.template.metadata.annotations["checksum/config"];
        assert.strictEqual(checksum(configText), sha(configText));
        const other = JSON.stringify(
            yaceConfig({ ...input, database: true, cache: true }),
            null,
            2,
        );
        assert.strictEqual(checksum(other), sha(other));
        assert.notStrictEqual(checksum(other), checksum(configText));
    });

    it("runs the image it is given instead of the pinned one", () => {
        const image = "registry.example.com/yace:v0.63.0";
        assert.strictEqual(pod({ image }).spec.template.spec.containers[0].image, image);
    });

    it("serves metrics on a ClusterIP Service that selects the exporter's pods", () => {
        const svc = cloudwatchExporterService("shop", "shop-api");
        assert.deepStrictEqual(svc, {
            metadata: { name: "cloudwatch-exporter", namespace: "shop", labels },
            spec: {
                type: "ClusterIP",
                selector: { "app.kubernetes.io/name": "cloudwatch-exporter" },
                ports: [{ name: "metrics", port: 5000, targetPort: "metrics" }],
            },
        });
        const podLabels: Record<string, string> = pod().spec.template.metadata.labels;
        for (const [k, v] of Object.entries(svc.spec.selector)) assert.strictEqual(podLabels[k], v);
    });
});
