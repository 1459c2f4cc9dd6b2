import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import {
    CLOUDWATCH_EXPORTER,
    CLOUDWATCH_EXPORTER_IMAGE,
    CLOUDWATCH_EXPORTER_PORT,
    cloudwatchExporterStatements,
    yaceConfig,
    type StoreTags,
} from "../../decisions/cloudwatchExporter";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../../decisions/podSecurity";
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

/** YACE's image runs as a non-root user; any UID works, nobody keeps it in line with the others. */
const EXPORTER_UID = 65534;
const CONFIG_DIR = "/etc/yace";

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
        const selector = { "app.kubernetes.io/name": CLOUDWATCH_EXPORTER };
        const labels = {
            ...selector,
            "app.kubernetes.io/part-of": args.appName,
            "app.kubernetes.io/managed-by": "pulumi",
        };

        this.identity = new PodIdentity(
            `${name}-identity`,
            {
                namespace: args.namespace,
                serviceAccountName: CLOUDWATCH_EXPORTER,
                oidcProviderArn: args.oidcProviderArn,
                statements: cloudwatchExporterStatements(args.region),
                labels,
                tags: args.tags,
            },
            { parent: this, dependsOn },
        );

        const configMap = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            {
                metadata: {
                    name: `${CLOUDWATCH_EXPORTER}-config`,
                    namespace: args.namespace,
                    labels,
                },
                data: { "config.yml": configText },
            },
            { parent: this, dependsOn },
        );

        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: { name: CLOUDWATCH_EXPORTER, namespace: args.namespace, labels },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: selector },
                    template: {
                        metadata: {
                            labels,
                            // YACE reads its config once: a new config must roll the pod.
                            annotations: {
                                "checksum/config": createHash("sha256")
                                    .update(configText)
                                    .digest("hex"),
                            },
                        },
                        spec: {
                            serviceAccountName: this.identity.serviceAccountName,
                            // The EKS webhook projects the web-identity token on its own volume.
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurity(EXPORTER_UID, {
                                fsGroup: false,
                            }),
                            containers: [
                                {
                                    name: CLOUDWATCH_EXPORTER,
                                    image: args.image ?? CLOUDWATCH_EXPORTER_IMAGE,
                                    imagePullPolicy: "IfNotPresent",
                                    args: [
                                        `--config.file=${CONFIG_DIR}/config.yml`,
                                        `--listen-address=:${CLOUDWATCH_EXPORTER_PORT}`,
                                        // CloudWatch publishes these every minute; polling faster buys nothing.
                                        "--scraping-interval=60",
                                    ],
                                    ports: [
                                        {
                                            name: "metrics",
                                            containerPort: CLOUDWATCH_EXPORTER_PORT,
                                        },
                                    ],
                                    volumeMounts: [
                                        { name: "config", mountPath: CONFIG_DIR, readOnly: true },
                                    ],
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
                            ],
                            volumes: [
                                {
                                    name: "config",
                                    configMap: {
                                        name: configMap.metadata.name,
                                        defaultMode: 0o444,
                                    },
                                },
                            ],
                        },
                    },
                },
            },
            { parent: this, dependsOn: [this.identity, configMap] },
        );

        this.service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { name: CLOUDWATCH_EXPORTER, namespace: args.namespace, labels },
                spec: {
                    type: "ClusterIP",
                    selector,
                    ports: [
                        { name: "metrics", port: CLOUDWATCH_EXPORTER_PORT, targetPort: "metrics" },
                    ],
                },
            },
            { parent: this, dependsOn },
        );

        this.registerOutputs({
            roleArn: this.identity.roleArn,
            service: this.service.metadata.name,
        });
    }
}
