// Config sections for the app tier: identity, workload shape, autoscaling, colours, traffic, router.
import { z } from "zod";
import {
    ENV_NAME,
    isSecretEnvName,
    bool,
    booleanish,
    cpuQuantity,
    dns1035Label,
    dnsLabel,
    envName,
    headerName,
    hostname,
    httpPath,
    int,
    memoryQuantity,
    oneOf,
    pattern,
    quantityValue,
    text,
} from "./rules";
import { progressionTrafficFields } from "./progression";
import { canaryWeight } from "./traffic";

export const COLORS = ["blue", "green"] as const;
export type Color = (typeof COLORS)[number];

const resourceSpec = z.strictObject({
    cpu: cpuQuantity(),
    memory: memoryQuantity(),
});

/** Plain, non-secret environment; secret-looking names are refused with the way to set them. */
export const plainEnv = () =>
    z.record(envName(), text()).superRefine((env, ctx) => {
        for (const key of Object.keys(env)) {
            if (isSecretEnvName(key)) {
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
    });

export const healthFields = {
    liveness: httpPath(),
    readiness: httpPath(),
    startup: httpPath(),
    metrics: httpPath(),
};

const probeTiming = z.strictObject({
    periodSeconds: int(1, 300).optional(),
    failureThreshold: int(1, 100).optional(),
    timeoutSeconds: int(1, 60).optional(),
    initialDelaySeconds: int(0, 600).optional(),
});
export type ProbeTiming = z.output<typeof probeTiming>;

/** Probe timings per probe; each key left unset keeps the default. */
export const probesSchema = z.strictObject({
    startup: probeTiming.optional(),
    liveness: probeTiming.optional(),
    readiness: probeTiming.optional(),
});

/** An env name the program injects, or false to leave it out. */
export const envToggle = () =>
    z.preprocess(
        booleanish,
        z.custom<string | false>(
            (v) => v === false || (typeof v === "string" && ENV_NAME.test(v)),
            {
                error: "must be an environment variable name or false",
            },
        ),
    );

/** Names of the env vars the program injects into every workload; false switches one off. */
export const envNamesFields = {
    port: envToggle(),
    color: envToggle(),
    version: envToggle(),
    corsOrigins: envToggle(),
};
export const DEFAULT_ENV_NAMES = {
    port: "PORT",
    color: "APP_COLOR",
    version: "APP_VERSION",
    corsOrigins: "CORS_ORIGINS",
} as const;

const urlParam = pattern(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, "a URL query parameter name");
const urlParamValue = z
    .preprocess(
        (v) => (typeof v === "number" ? String(v) : v),
        pattern(/^[A-Za-z0-9._~-]{1,100}$/, "1–100 URL-safe characters (letters, digits, . _ ~ -)"),
    )
    .optional();

/** `false` is shorthand for `{ enabled: false }`. */
const offShorthand = (v: unknown) => (booleanish(v) === false ? { enabled: false } : v);

/** How a workload reads the database: env names for the URL and its parts (unset parts are off). */
export const databaseContractSchema = z.preprocess(
    offShorthand,
    z.strictObject({
        enabled: bool().optional(),
        url: envToggle().optional(),
        /** Query parameters appended to the URL after sslmode=require (e.g. connection_limit). */
        params: z.record(urlParam, urlParamValue).optional(),
        host: envToggle().optional(),
        port: envToggle().optional(),
        name: envToggle().optional(),
        user: envToggle().optional(),
        password: envToggle().optional(),
        /** Inject DATABASE_REPLICA_<n>_URL per read replica. */
        replicaUrls: bool().optional(),
    }),
);

/** How a workload reads the cache: a URL, or host, port and password. */
export const redisContractSchema = z.preprocess(
    offShorthand,
    z.strictObject({
        enabled: bool().optional(),
        url: envToggle().optional(),
        host: envToggle().optional(),
        port: envToggle().optional(),
        password: envToggle().optional(),
    }),
);

export const dataContractSchema = z.strictObject({
    database: databaseContractSchema.optional(),
    redis: redisContractSchema.optional(),
});

/** An image repository without tag or digest: the colour's version is the tag. */
export const repository = () =>
    pattern(
        /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?(:\d+)?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/,
        "an image repository without a tag, such as registry.example.com/team/app",
    );

export const appSchema = z.strictObject({
    /** Base name of app-level objects; workloads default to "<name>-<workload>" (Service names: RFC 1035). */
    name: dns1035Label(40),
    namespace: dnsLabel(63),
    /** Public host name of web workloads (each may set its own). */
    host: hostname(),
    /** Default image repository of every workload; the colour's version is the tag. */
    repository: repository().optional(),
    port: int(1, 65535).default(8080),
    health: z
        .strictObject({
            liveness: healthFields.liveness.default("/health/live"),
            readiness: healthFields.readiness.default("/health/ready"),
            startup: healthFields.startup.default("/health/live"),
            metrics: healthFields.metrics.default("/metrics"),
        })
        .prefault({}),
    probes: probesSchema.prefault({}),
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
    env: plainEnv().default({}),
    /** Allowed CORS origins, exported to the app as CORS_ORIGINS. */
    corsOrigins: z.array(text(), { error: "must be a list of origins" }).default([]),
    /** Seconds the kubelet waits after SIGTERM before SIGKILL. */
    terminationGracePeriodSeconds: int(1, 3600).default(45),
    /** Seconds the preStop hook sleeps so routers stop sending before the app stops. */
    preStopSleepSeconds: int(0, 300).default(15),
    /** Run the container as this UID (non-root). */
    runAsUser: int(1, 2147483647).default(10001),
    /** Env names the program injects (PORT, APP_COLOR, APP_VERSION, CORS_ORIGINS); false drops one. */
    envNames: z
        .strictObject({
            port: envNamesFields.port.default(DEFAULT_ENV_NAMES.port),
            color: envNamesFields.color.default(DEFAULT_ENV_NAMES.color),
            version: envNamesFields.version.default(DEFAULT_ENV_NAMES.version),
            corsOrigins: envNamesFields.corsOrigins.default(DEFAULT_ENV_NAMES.corsOrigins),
        })
        .prefault({}),
    /** Default data-tier contract of every workload. */
    data: dataContractSchema.prefault({}),
});

export const autoscalingFields = {
    /** Replicas the workload needs to serve 100 % of traffic; capacity maths scales from it. */
    baselineReplicas: int(1, 1000),
    minReplicas: int(1, 1000),
    maxReplicas: int(1, 1000),
    targetCpuUtilization: int(1, 100),
    targetMemoryUtilization: int(1, 100),
    scaleDownStabilizationSeconds: int(0, 3600),
};

export const autoscalingSchema = z
    .strictObject({
        baselineReplicas: autoscalingFields.baselineReplicas.default(2),
        minReplicas: autoscalingFields.minReplicas.default(2),
        maxReplicas: autoscalingFields.maxReplicas.default(4),
        targetCpuUtilization: autoscalingFields.targetCpuUtilization.default(70),
        targetMemoryUtilization: autoscalingFields.targetMemoryUtilization.default(80),
        scaleDownStabilizationSeconds: autoscalingFields.scaleDownStabilizationSeconds.default(300),
    })
    .prefault({});

/** One version of the whole system: the image tag of every workload that follows the colour. */
const colorSchema = z.strictObject({
    version: pattern(
        /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/,
        "an image tag that is also a label value (1–63 letters, digits, '.', '_', '-')",
    ).refine((v) => v !== "latest", { error: 'must be pinned: the tag "latest" is mutable' }),
});

export const colorsSchema = z
    .strictObject({
        blue: colorSchema.optional(),
        green: colorSchema.optional(),
    })
    .prefault({});

/** A deployed colour and the version it runs. */
export interface DeployedColor {
    readonly color: Color;
    readonly version: string;
}

/**
 * The deployed colours, in blue, green order, with their versions: a colour without a version is
 * not deployed at all. The one place a colour's version is read from the config.
 */
export function deployedColors(colors: z.output<typeof colorsSchema>): DeployedColor[] {
    return COLORS.flatMap((color) => {
        const spec = colors[color];
        return spec ? [{ color, version: spec.version }] : [];
    });
}

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
