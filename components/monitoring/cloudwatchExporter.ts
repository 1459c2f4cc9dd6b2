import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    CLOUDWATCH_EXPORTER,
    cloudwatchExporterConfigMap,
    cloudwatchExporterDeployment,
    cloudwatchExporterLabels,
    cloudwatchExporterService,
    cloudwatchExporterStatements,
    yaceConfig,
    type StoreTags,
} from "../../decisions/cloudwatchExporter";
import { PodIdentity } from "../identity/podIdentity";

export interface CloudWatchExporterArgs {
    /** Namespace of every object; a plain string, the role's trust policy names it (no default). */
    readonly namespace: string;
    /** App name for the part-of label (no default). */
    readonly appName: string;
    /** AWS region of the stores (no default). */
    readonly region: string;
    /** Tags the data tier put on the stores, which the exporter discovers them by (no default). */
    readonly storeTags: StoreTags;
    /** Export RDS metrics; default false. */
    readonly database?: boolean;
    /** Export ElastiCache metrics; default false. */
    readonly cache?: boolean;
    /** The cluster's IAM OIDC provider ARN, for the exporter's pod identity (no default). */
    readonly oidcProviderArn: string;
    /** Image; default the pinned YACE release. */
    readonly image?: string;
    /** Tags on the IAM role; default none. */
    readonly tags?: Record<string, string>;
}

/**
 * The CloudWatch exporter (YACE): its own pod identity (an IAM role that only its ServiceAccount
 * can assume, allowed to read metrics and discover tagged resources, nothing else), a ConfigMap
 * selecting this stack's DB instances and replication group by their tags, a hardened Deployment
 * and a Service labelled `app.kubernetes.io/name: cloudwatch-exporter` with a port named `metrics`,
 * which the alerting ServiceMonitors select.
 */
export class CloudWatchExporter extends pulumi.ComponentResource {
    public readonly identity: PodIdentity;
    public readonly deployment: k8s.apps.v1.Deployment;
    public readonly service: k8s.core.v1.Service;

    constructor(
        name: string,
        args: CloudWatchExporterArgs,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("release:monitoring:CloudWatchExporter", name, {}, opts);
        // Children wait for what the component waits for (the Namespace).
        const dependsOn = opts?.dependsOn;
        const config = yaceConfig({
            region: args.region,
            tags: args.storeTags,
            database: args.database ?? false,
            cache: args.cache ?? false,
        });
        if (!config) throw new Error("CloudWatchExporter needs a database or a cache to export");
        const configText = JSON.stringify(config, null, 2);

        this.identity = new PodIdentity(
            `${name}-identity`,
            {
                namespace: args.namespace,
                serviceAccountName: CLOUDWATCH_EXPORTER,
                oidcProviderArn: args.oidcProviderArn,
                statements: cloudwatchExporterStatements(args.region),
                labels: cloudwatchExporterLabels(args.appName).labels,
                tags: args.tags,
            },
            { parent: this, dependsOn },
        );
        const configMap = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            cloudwatchExporterConfigMap(args.namespace, args.appName, configText),
            { parent: this, dependsOn },
        );
        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            cloudwatchExporterDeployment({
                namespace: args.namespace,
                appName: args.appName,
                configText,
                serviceAccountName: this.identity.serviceAccountName,
                configMapName: configMap.metadata.name,
                image: args.image,
            }),
            { parent: this, dependsOn: [this.identity, configMap] },
        );
        this.service = new k8s.core.v1.Service(
            `${name}-service`,
            cloudwatchExporterService(args.namespace, args.appName),
            { parent: this, dependsOn },
        );

        this.registerOutputs({
            roleArn: this.identity.roleArn,
            service: this.service.metadata.name,
        });
    }
}
