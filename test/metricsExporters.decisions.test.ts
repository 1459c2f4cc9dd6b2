// The data tier's exporters as objects, called directly: one postgres_exporter per DB instance and
// one redis_exporter, each hardened, reading its URL from the Secret, behind a Service per kind.
import * as assert from "assert";
import {
    EXPORTER_PORTS,
    EXPORTER_UID,
    exporterDeployment,
    exporterPods,
    exporterService,
    type ExporterPod,
} from "../decisions/metricsExporters";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../decisions/podSecurity";

const postgres = {
    image: "quay.io/prometheuscommunity/postgres-exporter:v0.17.1",
    targets: [
        { name: "shop-db", role: "primary" as const, secretKey: "PG_PRIMARY_URL" },
        { name: "shop-db-replica-1", role: "replica" as const, secretKey: "PG_REPLICA_1_URL" },
    ],
};
const redis = { image: "oliver006/redis_exporter:v1.74.0", secretKey: "REDIS_URL" };
const partOf = {
    "app.kubernetes.io/part-of": "shop-api",
    "app.kubernetes.io/managed-by": "pulumi",
};

describe("metrics exporter decisions: which exporters", () => {
    it("runs one postgres_exporter per DB instance, then one redis_exporter", () => {
        assert.deepStrictEqual(exporterPods({ postgres, redis }), [
            {
                kind: "postgres-exporter",
                pods: [
                    {
                        kind: "postgres-exporter",
                        suffix: "shop-db",
                        role: "primary",
                        image: postgres.image,
                        env: { name: "DATA_SOURCE_NAME", secretKey: "PG_PRIMARY_URL" },
                    },
                    {
                        kind: "postgres-exporter",
                        suffix: "shop-db-replica-1",
                        role: "replica",
                        image: postgres.image,
                        env: { name: "DATA_SOURCE_NAME", secretKey: "PG_REPLICA_1_URL" },
                    },
                ],
            },
            {
                kind: "redis-exporter",
                pods: [
                    {
                        kind: "redis-exporter",
                        suffix: "primary",
                        role: "primary",
                        image: redis.image,
                        env: { name: "REDIS_ADDR", secretKey: "REDIS_URL" },
                    },
                ],
            },
        ]);
    });

    it("runs only the exporters of the stores the stack has", () => {
        const kinds = (i: Parameters<typeof exporterPods>[0]) => exporterPods(i).map((k) => k.kind);
        assert.deepStrictEqual(kinds({ postgres }), ["postgres-exporter"]);
        assert.deepStrictEqual(kinds({ redis }), ["redis-exporter"]);
        assert.deepStrictEqual(kinds({}), []);
    });
});

describe("metrics exporter decisions: objects", () => {
    const replica: ExporterPod = exporterPods({ postgres })[0].pods[1];

    it("gives each instance its own hardened Deployment, reading its URL from the Secret", () => {
        const d = exporterDeployment(replica, "shop", "shop-datastore", "shop-api");
        const selector = {
            "app.kubernetes.io/name": "postgres-exporter",
            "app.kubernetes.io/instance": "shop-db-replica-1",
        };
        const labels = { ...selector, role: "replica", ...partOf };
        assert.deepStrictEqual(d.metadata, {
            name: "postgres-exporter-shop-db-replica-1",
            namespace: "shop",
            labels,
        });
        assert.deepStrictEqual(d.spec.selector, { matchLabels: selector });
        assert.strictEqual(d.spec.replicas, 1);
        assert.deepStrictEqual(d.spec.template.metadata, { labels });
        const spec = d.spec.template.spec;
        assert.strictEqual(spec.automountServiceAccountToken, false);
        assert.deepStrictEqual(
            spec.securityContext,
            restrictedPodSecurity(65534, { fsGroup: false }),
        );
        assert.strictEqual(EXPORTER_UID, 65534);
        assert.deepStrictEqual(spec.containers, [
            {
                name: "postgres-exporter",
                image: postgres.image,
                imagePullPolicy: "IfNotPresent",
                ports: [{ name: "metrics", containerPort: 9187 }],
                env: [
                    {
                        name: "DATA_SOURCE_NAME",
                        valueFrom: {
                            secretKeyRef: { name: "shop-datastore", key: "PG_REPLICA_1_URL" },
                        },
                    },
                ],
                resources: {
                    requests: { cpu: "25m", memory: "32Mi" },
                    limits: { cpu: "200m", memory: "128Mi" },
                },
                livenessProbe: { tcpSocket: { port: "metrics" }, periodSeconds: 20 },
                readinessProbe: { tcpSocket: { port: "metrics" }, periodSeconds: 10 },
                securityContext: restrictedContainerSecurity(),
            },
        ]);
    });

    it("listens on each exporter's upstream port", () => {
        assert.deepStrictEqual(EXPORTER_PORTS, {
            "postgres-exporter": 9187,
            "redis-exporter": 9121,
        });
        const [pod] = exporterPods({ redis })[0].pods;
        const d = exporterDeployment(pod, "shop", "shop-datastore", "shop-api");
        assert.strictEqual(d.metadata.name, "redis-exporter-primary");
        assert.deepStrictEqual(d.spec.template.spec.containers[0].ports, [
            { name: "metrics", containerPort: 9121 },
        ]);
    });

    it("puts every instance of a kind behind one Service on port metrics", () => {
        const svc = exporterService("postgres-exporter", "shop", "shop-api");
        assert.deepStrictEqual(svc, {
            metadata: {
                name: "postgres-exporter",
                namespace: "shop",
                labels: { "app.kubernetes.io/name": "postgres-exporter", ...partOf },
            },
            spec: {
                type: "ClusterIP",
                selector: { "app.kubernetes.io/name": "postgres-exporter" },
                ports: [{ name: "metrics", port: 9187, targetPort: "metrics" }],
            },
        });
        // The Service selects the pods of every instance (primary and replicas).
        for (const p of exporterPods({ postgres })[0].pods) {
            const labels: Record<string, string> = exporterDeployment(p, "shop", "s", "a").spec
                .template.metadata.labels;
            for (const [k, v] of Object.entries(svc.spec.selector))
                assert.strictEqual(labels[k], v);
        }
        assert.deepStrictEqual(exporterService("redis-exporter", "shop", "shop-api").spec.ports, [
            { name: "metrics", port: 9121, targetPort: "metrics" },
        ]);
    });
});
