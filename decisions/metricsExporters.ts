// Pure: the data tier's Prometheus exporters as Kubernetes objects. postgres_exporter runs one
// Deployment per DB instance, so pg_up and replication lag exist for the primary and every replica;
// redis_exporter runs one. Each kind has a Service labelled `app.kubernetes.io/name: <kind>` with a
// port named `metrics`, which the alerting ServiceMonitors select. Credentials come from a Secret.
import { restrictedContainerSecurity, restrictedPodSecurity } from "./podSecurity";

export type ExporterKind = "postgres-exporter" | "redis-exporter";

/** Each exporter's upstream default listen port. */
export const EXPORTER_PORTS: Record<ExporterKind, number> = {
    "postgres-exporter": 9187,
    "redis-exporter": 9121,
};

/** Exporter UIDs: both upstream images run as nobody (65534) under the restricted PSS. */
export const EXPORTER_UID = 65534;

/** One database an exporter scrapes: its name and the Secret key holding its URL. */
export interface ExporterTarget {
    /** RDS identifier; becomes the Deployment suffix and the `app.kubernetes.io/instance` label. */
    readonly name: string;
    /** "primary" or "replica": the `role` label alerts can group by. */
    readonly role: "primary" | "replica";
    /** Key in the Secret with the connection URL. */
    readonly secretKey: string;
}

export interface ExportersInput {
    /** postgres_exporter image and one target per DB instance; default no Postgres exporter. */
    readonly postgres?: { readonly image: string; readonly targets: readonly ExporterTarget[] };
    /** redis_exporter image and the Secret key of REDIS_URL; default no Redis exporter. */
    readonly redis?: { readonly image: string; readonly secretKey: string };
}

/** One exporter pod: what it exports, which instance, its role, and where its URL is kept. */
export interface ExporterPod {
    readonly kind: ExporterKind;
    /** The instance: the Deployment's name suffix. */
    readonly suffix: string;
    readonly role: "primary" | "replica";
    readonly image: string;
    /** The env var the exporter reads its connection URL from, and the Secret key holding it. */
    readonly env: { readonly name: string; readonly secretKey: string };
}

/** The exporters a data tier runs, per kind in order (postgres first), each with its pods. */
export function exporterPods(input: ExportersInput): { kind: ExporterKind; pods: ExporterPod[] }[] {
    const kinds: { kind: ExporterKind; pods: ExporterPod[] }[] = [];
    if (input.postgres) {
        const { image, targets } = input.postgres;
        kinds.push({
            kind: "postgres-exporter",
            pods: targets.map((t) => ({
                kind: "postgres-exporter",
                suffix: t.name,
                role: t.role,
                image,
                env: { name: "DATA_SOURCE_NAME", secretKey: t.secretKey },
            })),
        });
    }
    if (input.redis) {
        kinds.push({
            kind: "redis-exporter",
            pods: [
                {
                    kind: "redis-exporter",
                    suffix: "primary",
                    role: "primary",
                    image: input.redis.image,
                    // redis_exporter reads the AUTH token from the rediss:// URL's user info.
                    env: { name: "REDIS_ADDR", secretKey: input.redis.secretKey },
                },
            ],
        });
    }
    return kinds;
}

const partOf = (appName: string) => ({
    "app.kubernetes.io/part-of": appName,
    "app.kubernetes.io/managed-by": "pulumi",
});

/**
 * One exporter's hardened Deployment. `namespace` and `secretName` are whatever the caller passes
 * (the Namespace's and the Secret's outputs).
 */
export function exporterDeployment<N, S>(
    p: ExporterPod,
    namespace: N,
    secretName: S,
    appName: string,
) {
    const selector = { "app.kubernetes.io/name": p.kind, "app.kubernetes.io/instance": p.suffix };
    const labels = { ...selector, role: p.role, ...partOf(appName) };
    return {
        metadata: { name: `${p.kind}-${p.suffix}`, namespace, labels },
        spec: {
            replicas: 1,
            selector: { matchLabels: selector },
            template: {
                metadata: { labels },
                spec: {
                    automountServiceAccountToken: false,
                    securityContext: restrictedPodSecurity(EXPORTER_UID, { fsGroup: false }),
                    containers: [
                        {
                            name: p.kind,
                            image: p.image,
                            imagePullPolicy: "IfNotPresent",
                            ports: [{ name: "metrics", containerPort: EXPORTER_PORTS[p.kind] }],
                            env: [
                                {
                                    name: p.env.name,
                                    valueFrom: {
                                        secretKeyRef: { name: secretName, key: p.env.secretKey },
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
                    ],
                },
            },
        },
    };
}

/** The Service of one exporter kind: every instance's pods behind port `metrics`. */
export function exporterService<N>(kind: ExporterKind, namespace: N, appName: string) {
    return {
        metadata: {
            name: kind,
            namespace,
            labels: { "app.kubernetes.io/name": kind, ...partOf(appName) },
        },
        spec: {
            type: "ClusterIP",
            selector: { "app.kubernetes.io/name": kind },
            ports: [{ name: "metrics", port: EXPORTER_PORTS[kind], targetPort: "metrics" }],
        },
    };
}
