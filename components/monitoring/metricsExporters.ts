import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../../decisions/podSecurity";

/** One database an exporter scrapes: its name and the Secret key holding its URL. */
export interface ExporterTarget {
    /** RDS identifier; becomes the Deployment suffix and the `app.kubernetes.io/instance` label. */
    readonly name: string;
    /** "primary" or "replica": the `role` label alerts can group by. */
    readonly role: "primary" | "replica";
    /** Key in the Secret with the connection URL. */
    readonly secretKey: string;
}

export interface MetricsExportersArgs {
    /** Namespace of every object (no default). */
    readonly namespace: pulumi.Input<string>;
    /** App name for the part-of label (no default). */
    readonly appName: string;
    /** Secret with the connection URLs, e.g. the datastore Secret (no default). */
    readonly secretName: pulumi.Input<string>;
    /** postgres_exporter image and one target per DB instance; default no Postgres exporter. */
    readonly postgres?: { readonly image: string; readonly targets: ExporterTarget[] };
    /** redis_exporter image and the Secret key of REDIS_URL; default no Redis exporter. */
    readonly redis?: { readonly image: string; readonly secretKey: string };
    /** Exporter dependencies (the datastore Secret); default none. */
    readonly gates?: pulumi.Input<pulumi.Resource>[];
}

/** Exporter UIDs: both upstream images run as nobody (65534) under the restricted PSS. */
const EXPORTER_UID = 65534;

/**
 * postgres_exporter (one Deployment per DB instance, so pg_up and replication lag exist for the
 * primary and every replica) and redis_exporter, each with a Service labelled
 * `app.kubernetes.io/name: postgres-exporter` / `redis-exporter` and a port named `metrics`, which
 * the alerting ServiceMonitors select. Credentials come from the Secret via secretKeyRef.
 */
export class MetricsExporters extends pulumi.ComponentResource {
    public readonly deployments: k8s.apps.v1.Deployment[] = [];
    public readonly services: k8s.core.v1.Service[] = [];

    constructor(name: string, args: MetricsExportersArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:data:MetricsExporters", name, {}, opts);
        const childOpts = { parent: this, dependsOn: args.gates ?? [] };

        const exporter = (p: {
            component: "postgres-exporter" | "redis-exporter";
            suffix: string;
            labels: Record<string, string>;
            image: string;
            port: number;
            env: k8s.types.input.core.v1.EnvVar[];
        }) => {
            const selector = {
                "app.kubernetes.io/name": p.component,
                "app.kubernetes.io/instance": p.suffix,
            };
            const labels = {
                ...selector,
                ...p.labels,
                "app.kubernetes.io/part-of": args.appName,
                "app.kubernetes.io/managed-by": "pulumi",
            };
            this.deployments.push(
                new k8s.apps.v1.Deployment(
                    `${name}-${p.component}-${p.suffix}`,
                    {
                        metadata: {
                            name: `${p.component}-${p.suffix}`,
                            namespace: args.namespace,
                            labels,
                        },
                        spec: {
                            replicas: 1,
                            selector: { matchLabels: selector },
                            template: {
                                metadata: { labels },
                                spec: {
                                    automountServiceAccountToken: false,
                                    securityContext: restrictedPodSecurity(EXPORTER_UID, {
                                        fsGroup: false,
                                    }),
                                    containers: [
                                        {
                                            name: p.component,
                                            image: p.image,
                                            imagePullPolicy: "IfNotPresent",
                                            ports: [{ name: "metrics", containerPort: p.port }],
                                            env: p.env,
                                            resources: {
                                                requests: { cpu: "25m", memory: "32Mi" },
                                                limits: { cpu: "200m", memory: "128Mi" },
                                            },
                                            livenessProbe: {
                                                tcpSocket: { port: "metrics" },
                                                periodSeconds: 20,
                                            },
                                            readinessProbe: {
                                                tcpSocket: { port: "metrics" },
                                                periodSeconds: 10,
                                            },
                                            securityContext: restrictedContainerSecurity(),
                                        },
                                    ],
                                },
                            },
                        },
                    },
                    childOpts,
                ),
            );
        };
        const fromSecret = (envName: string, key: string) => ({
            name: envName,
            valueFrom: { secretKeyRef: { name: args.secretName, key } },
        });

        const service = (component: "postgres-exporter" | "redis-exporter", port: number) =>
            this.services.push(
                new k8s.core.v1.Service(
                    `${name}-${component}`,
                    {
                        metadata: {
                            name: component,
                            namespace: args.namespace,
                            labels: {
                                "app.kubernetes.io/name": component,
                                "app.kubernetes.io/part-of": args.appName,
                                "app.kubernetes.io/managed-by": "pulumi",
                            },
                        },
                        spec: {
                            type: "ClusterIP",
                            selector: { "app.kubernetes.io/name": component },
                            ports: [{ name: "metrics", port, targetPort: "metrics" }],
                        },
                    },
                    childOpts,
                ),
            );

        if (args.postgres) {
            for (const t of args.postgres.targets) {
                exporter({
                    component: "postgres-exporter",
                    suffix: t.name,
                    labels: { role: t.role },
                    image: args.postgres.image,
                    port: 9187,
                    env: [fromSecret("DATA_SOURCE_NAME", t.secretKey)],
                });
            }
            service("postgres-exporter", 9187);
        }
        if (args.redis) {
            exporter({
                component: "redis-exporter",
                suffix: "primary",
                labels: { role: "primary" },
                image: args.redis.image,
                port: 9121,
                // redis_exporter reads the AUTH token from the rediss:// URL's user info.
                env: [fromSecret("REDIS_ADDR", args.redis.secretKey)],
            });
            service("redis-exporter", 9121);
        }

        this.registerOutputs({ services: this.services.map((s) => s.metadata.name) });
    }
}
