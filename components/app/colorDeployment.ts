import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Color, StackConfig } from "../../config";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../../decisions/podSecurity";

export interface ColorDeploymentArgs {
    /** Which colour this is; part of every object name and the `color` label. */
    readonly color: Color;
    /** Namespace for every object (no default). */
    readonly namespace: pulumi.Input<string>;
    /** App identity, ports, probes, resources and shutdown settings from `release:app`. */
    readonly app: StackConfig["app"];
    /** HPA targets and scale-down stabilisation from `release:autoscaling`. */
    readonly autoscaling: StackConfig["autoscaling"];
    /** Pinned image reference (no default). */
    readonly image: string;
    /** `version` label value (no default). */
    readonly version: string;
    /** Replicas and HPA bounds from the capacity and ordering decisions (no default). */
    readonly capacity: {
        readonly replicas: pulumi.Input<number>;
        /** Omitted when the colour is scaled to zero: no HPA. */
        readonly hpa?: {
            readonly minReplicas: pulumi.Input<number>;
            readonly maxReplicas: pulumi.Input<number>;
        };
    };
    /** Resources the Deployment and HPA wait for: routing, when this colour loses traffic; default none. */
    readonly scaleAfter?: pulumi.Input<pulumi.Resource[]>;
    /** Spread across zones strictly (prod) or best-effort; default false. */
    readonly strictZoneSpread?: boolean;
    /** Secrets mounted whole as environment (envFrom); default none. */
    readonly envFromSecrets?: pulumi.Input<string>[];
}

/**
 * One colour of the blue/green pair: Deployment, Service, HorizontalPodAutoscaler and
 * PodDisruptionBudget. The HPA is omitted only when the colour is scaled to zero.
 */
export class ColorDeployment extends pulumi.ComponentResource {
    public readonly deployment: k8s.apps.v1.Deployment;
    public readonly service: k8s.core.v1.Service;
    public readonly hpa?: k8s.autoscaling.v2.HorizontalPodAutoscaler;
    public readonly pdb: k8s.policy.v1.PodDisruptionBudget;
    /** Service name the router sends this colour's traffic to. */
    public readonly serviceName: string;

    constructor(name: string, args: ColorDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:app:ColorDeployment", name, {}, opts);
        const { app, color } = args;
        const objectName = `${app.name}-${color}`;
        const selector = { "app.kubernetes.io/name": app.name, color };
        const labels = {
            ...selector,
            version: args.version,
            "app.kubernetes.io/part-of": app.name,
            "app.kubernetes.io/managed-by": "pulumi",
        };
        const metadata = { name: objectName, namespace: args.namespace, labels };

        const env = [
            { name: "PORT", value: String(app.port) },
            { name: "APP_COLOR", value: color },
            { name: "APP_VERSION", value: args.version },
            ...Object.entries(app.env).map(([k, v]) => ({ name: k, value: v })),
            ...(app.corsOrigins.length > 0
                ? [{ name: "CORS_ORIGINS", value: app.corsOrigins.join(",") }]
                : []),
        ];
        const probe = (path: string, extra: Record<string, number>) => ({
            httpGet: { path, port: "http" },
            ...extra,
        });

        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata,
                spec: {
                    replicas: args.capacity.replicas,
                    selector: { matchLabels: selector },
                    strategy: {
                        type: "RollingUpdate",
                        rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 },
                    },
                    template: {
                        metadata: { labels },
                        spec: {
                            automountServiceAccountToken: false,
                            terminationGracePeriodSeconds: app.terminationGracePeriodSeconds,
                            securityContext: restrictedPodSecurity(app.runAsUser),
                            topologySpreadConstraints: [
                                {
                                    maxSkew: 1,
                                    topologyKey: "topology.kubernetes.io/zone",
                                    whenUnsatisfiable: args.strictZoneSpread
                                        ? "DoNotSchedule"
                                        : "ScheduleAnyway",
                                    labelSelector: { matchLabels: selector },
                                },
                                {
                                    maxSkew: 1,
                                    topologyKey: "kubernetes.io/hostname",
                                    whenUnsatisfiable: "ScheduleAnyway",
                                    labelSelector: { matchLabels: selector },
                                },
                            ],
                            containers: [
                                {
                                    name: "app",
                                    image: args.image,
                                    imagePullPolicy: "IfNotPresent",
                                    ports: [{ name: "http", containerPort: app.port }],
                                    env,
                                    envFrom: (args.envFromSecrets ?? []).map((s) => ({
                                        secretRef: { name: s },
                                    })),
                                    resources: {
                                        requests: app.resources.requests,
                                        limits: app.resources.limits,
                                    },
                                    startupProbe: probe(app.health.startup, {
                                        periodSeconds: 5,
                                        failureThreshold: 30,
                                    }),
                                    livenessProbe: probe(app.health.liveness, {
                                        periodSeconds: 10,
                                        failureThreshold: 3,
                                        timeoutSeconds: 2,
                                    }),
                                    readinessProbe: probe(app.health.readiness, {
                                        periodSeconds: 5,
                                        failureThreshold: 2,
                                        timeoutSeconds: 2,
                                    }),
                                    // The sleep keeps the pod serving while routers deregister it.
                                    lifecycle: {
                                        preStop: {
                                            sleep: { seconds: app.preStopSleepSeconds },
                                        },
                                    },
                                    securityContext: restrictedContainerSecurity(),
                                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                },
                            ],
                            // A writable /tmp, since the root filesystem is read-only.
                            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
                        },
                    },
                },
            },
            { parent: this, dependsOn: args.scaleAfter ?? [] },
        );

        this.serviceName = objectName;
        this.service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata,
                spec: {
                    type: "ClusterIP",
                    selector,
                    ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
                },
            },
            { parent: this },
        );

        if (args.capacity.hpa) {
            this.hpa = new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                `${name}-hpa`,
                {
                    metadata,
                    spec: {
                        scaleTargetRef: {
                            apiVersion: "apps/v1",
                            kind: "Deployment",
                            name: objectName,
                        },
                        minReplicas: args.capacity.hpa.minReplicas,
                        maxReplicas: args.capacity.hpa.maxReplicas,
                        metrics: [
                            {
                                type: "Resource",
                                resource: {
                                    name: "cpu",
                                    target: {
                                        type: "Utilization",
                                        averageUtilization: args.autoscaling.targetCpuUtilization,
                                    },
                                },
                            },
                            {
                                type: "Resource",
                                resource: {
                                    name: "memory",
                                    target: {
                                        type: "Utilization",
                                        averageUtilization:
                                            args.autoscaling.targetMemoryUtilization,
                                    },
                                },
                            },
                        ],
                        behavior: {
                            scaleDown: {
                                stabilizationWindowSeconds:
                                    args.autoscaling.scaleDownStabilizationSeconds,
                                policies: [{ type: "Percent", value: 50, periodSeconds: 60 }],
                            },
                            scaleUp: {
                                stabilizationWindowSeconds: 0,
                                policies: [{ type: "Percent", value: 100, periodSeconds: 30 }],
                            },
                        },
                    },
                },
                {
                    parent: this,
                    dependsOn: pulumi
                        .output(args.scaleAfter ?? [])
                        .apply((after) => [this.deployment, ...after]),
                },
            );
        }

        // maxUnavailable stays constant so a traffic shift never has to touch the PDB.
        this.pdb = new k8s.policy.v1.PodDisruptionBudget(
            `${name}-pdb`,
            {
                metadata,
                spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
            },
            { parent: this },
        );

        this.registerOutputs({
            deploymentName: objectName,
            serviceName: this.serviceName,
            replicas: args.capacity.replicas,
        });
    }
}
