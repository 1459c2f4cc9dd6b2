import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    exporterDeployment,
    exporterPods,
    exporterService,
    type ExportersInput,
} from "../../decisions/metricsExporters";

export type { ExporterTarget } from "../../decisions/metricsExporters";

export interface MetricsExportersArgs extends ExportersInput {
    /** Namespace of every object (no default). */
    readonly namespace: pulumi.Input<string>;
    /** App name for the part-of label (no default). */
    readonly appName: string;
    /** Secret with the connection URLs, e.g. the datastore Secret (no default). */
    readonly secretName: pulumi.Input<string>;
    /** Exporter dependencies (the datastore Secret); default none. */
    readonly gates?: pulumi.Input<pulumi.Resource>[];
}

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

        for (const { kind, pods } of exporterPods(args)) {
            for (const pod of pods) {
                this.deployments.push(
                    new k8s.apps.v1.Deployment(
                        `${name}-${kind}-${pod.suffix}`,
                        exporterDeployment(pod, args.namespace, args.secretName, args.appName),
                        childOpts,
                    ),
                );
            }
            this.services.push(
                new k8s.core.v1.Service(
                    `${name}-${kind}`,
                    exporterService(kind, args.namespace, args.appName),
                    childOpts,
                ),
            );
        }

        this.registerOutputs({ services: this.services.map((s) => s.metadata.name) });
    }
}
