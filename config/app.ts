// Config sections for the app tier: identity, workload shape, autoscaling, colours, traffic, router.
import { z } from "zod";
import {
    SECRET_ENV_NAME,
    bool,
    cpuQuantity,
    dns1035Label,
    dnsLabel,
    envName,
    headerName,
    hostname,
    httpPath,
    image,
    imageVersion,
    int,
    isSecurePlaceholder,
    labelValue,
    memoryQuantity,
    oneOf,
    pattern,
    quantityValue,
    text,
    versionLabelProblem,
} from "./rules";
import { progressionTrafficFields } from "./progression";
import { canaryWeight } from "./traffic";

export const COLORS = ["blue", "green"] as const;
export type Color = (typeof COLORS)[number];

const resourceSpec = z.strictObject({
    cpu: cpuQuantity(),
    memory: memoryQuantity(),
});

export const appSchema = z.strictObject({
    /** Base name of every object; colours append "-blue"/"-green" (Service names: RFC 1035). */
    name: dns1035Label(40),
    namespace: dnsLabel(63),
    /** Public host name served by the router. */
    host: hostname(),
    port: int(1, 65535).default(8080),
    health: z
        .strictObject({
            liveness: httpPath().default("/health/live"),
            readiness: httpPath().default("/health/ready"),
            startup: httpPath().default("/health/live"),
            metrics: httpPath().default("/metrics"),
        })
        .prefault({}),
    resources: z
        .strictObject({
            requests: resourceSpec.default({ cpu: "250m", memory: "256Mi" }),
            limits: resourceSpec.default({ cpu: "1", memory: "512Mi" }),
        })
        .prefault({})
        .superRefine((r, ctx) => {
            // The API server refuses a container whose request exceeds its limit.
            for (const kind of ["cpu", "memory"] as const) {
                if (quantityValue(r.requests[kind]) > quantityValue(r.limits[kind])) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["requests", kind],
                        input: r.requests[kind],
                        message: `must be ≤ release:app.resources.limits.${kind} (${r.limits[kind]})`,
                    });
                }
            }
        }),
    /** Plain, non-secret environment; secrets go in `release:appSecrets`. */
    env: z
        .record(envName(), text())
        .default({})
        .superRefine((env, ctx) => {
            for (const key of Object.keys(env)) {
                if (SECRET_ENV_NAME.test(key)) {
                    ctx.addIssue({
                        code: "custom",
                        path: [key],
                        input: "[redacted]",
                        message:
                            "must not be a literal: names like this hold secrets, so set it with `pulumi config set --secret --path appSecrets." +
                            key +
                            "`",
                    });
                }
            }
        }),
    /** Allowed CORS origins, exported to the app as CORS_ORIGINS. */
    corsOrigins: z.array(text(), { error: "must be a list of origins" }).default([]),
    /** Seconds the kubelet waits after SIGTERM before SIGKILL. */
    terminationGracePeriodSeconds: int(1, 3600).default(45),
    /** Seconds the preStop hook sleeps so routers stop sending before the app stops. */
    preStopSleepSeconds: int(0, 300).default(15),
    /** Run the container as this UID (non-root). */
    runAsUser: int(1, 2147483647).default(10001),
});

export const autoscalingSchema = z
    .strictObject({
        /** Replicas the app needs to serve 100 % of traffic; capacity maths scales from it. */
        baselineReplicas: int(1, 1000).default(2),
        minReplicas: int(1, 1000).default(2),
        maxReplicas: int(1, 1000).default(4),
        targetCpuUtilization: int(1, 100).default(70),
        targetMemoryUtilization: int(1, 100).default(80),
        scaleDownStabilizationSeconds: int(0, 3600).default(300),
    })
    .prefault({});

const colorSchema = z
    .strictObject({
        image: image(),
        /** Version label; defaults to the image tag (or the digest's first 12 hex digits). */
        version: labelValue()
            .refine((v) => v !== "", { error: "must not be empty" })
            .optional(),
    })
    .superRefine((c, ctx) => {
        // The version becomes the pods' `version` label, which the API server checks.
        if (c.version !== undefined || isSecurePlaceholder(c.image)) return;
        const problem = versionLabelProblem(imageVersion(c.image), true);
        if (problem)
            ctx.addIssue({ code: "custom", path: ["image"], input: c.image, message: problem });
    });

export const colorsSchema = z
    .strictObject({
        blue: colorSchema.optional(),
        green: colorSchema.optional(),
    })
    .prefault({});

export const trafficSchema = z.strictObject({
    /** The colour serving production (Argo Rollouts' "stable"). */
    stable: oneOf(COLORS),
    /** Percent of requests sent to the other colour, the canary. */
    canaryWeight: canaryWeight().default(0),
    /** Replicas kept for a colour at weight 0 (the warm rollback target); 0 scales it down. */
    idleReplicas: int(0, 1000).default(1),
    /** Requests carrying this header with a colour as value go to that colour. */
    previewHeader: headerName().default("X-Preview-Color"),
    /**
     * Read each deployed colour's live replica count (a `get` of its Deployment) before a step, so
     * a colour losing traffic never drops below what its HPA runs. false only when a Deployment was
     * deleted by hand: the step then keeps what the last update applied.
     */
    readLiveReplicas: bool().default(true),
    ...progressionTrafficFields,
});

export const ROUTER_KINDS = ["gateway-api", "alb", "nginx"] as const;
export type RouterKind = (typeof ROUTER_KINDS)[number];

export const routerSchema = z
    .strictObject({
        kind: oneOf(ROUTER_KINDS).default("gateway-api"),
        tls: z
            .strictObject({
                /** kubernetes.io/tls Secret for Gateway API and nginx. */
                secretName: dnsLabel(253).optional(),
                /** ACM certificate for the ALB. */
                certificateArn: pattern(
                    /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/,
                    "an ACM certificate ARN",
                ).optional(),
                /** ALB TLS policy. */
                sslPolicy: z.string().default("ELBSecurityPolicy-TLS13-1-2-2021-06"),
            })
            .prefault({}),
        gateway: z
            .strictObject({
                /** Create a Gateway for this app; false attaches to an existing one. */
                create: bool().default(true),
                name: dnsLabel(63).optional(),
                namespace: dnsLabel(63).optional(),
                className: dnsLabel(63).default("aws-application-load-balancer"),
                listener: dnsLabel(63).default("https"),
            })
            .prefault({}),
        alb: z
            .strictObject({
                scheme: oneOf(["internet-facing", "internal"] as const).default("internet-facing"),
                groupName: dnsLabel(63).optional(),
            })
            .prefault({}),
        nginx: z.strictObject({ className: dnsLabel(63).default("nginx") }).prefault({}),
    })
    .prefault({});

/** Secret app settings (JWT keys, API keys): names only are validated; values stay secret. */
export const appSecretsSchema = z.record(envName(), text()).default({});
