// The workloads of a release: `release:workloads.<key>`. Each colour runs one version of all of them.
// A workload sets only what differs from the shared defaults in `release:app` and
// `release:autoscaling`; resolveWorkloads() merges the two into one plain object per workload.
// A new kind goes in WORKLOAD_KINDS, KIND_FIELDS below, and a builder in decisions/workloadObjects.ts.
import { z } from "zod";
import {
    DEFAULT_ENV_NAMES,
    autoscalingFields,
    dataContractSchema,
    envNamesFields,
    healthFields,
    plainEnv,
    probesSchema,
    repository,
    type ProbeTiming,
} from "./app";
import {
    cpuQuantity,
    dnsLabel,
    envName,
    hostname,
    httpPath,
    image,
    int,
    memoryQuantity,
    oneOf,
    pattern,
} from "./rules";
import { reportIssues, type ConfigIssue, type CrossFieldRule, type ParsedConfig } from "./types";

export const WORKLOAD_KINDS = ["web", "tcp", "worker", "cron"] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/** Kinds with a Deployment, HPA and PDB per colour. */
export const SCALABLE_KINDS: readonly WorkloadKind[] = ["web", "tcp", "worker"];

/** Longest workload object name: "<name>-green" must fit a CronJob name (52 characters). */
export const WORKLOAD_NAME_MAX = 46;

const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/;

/** Five-field cron schedule (minute hour day-of-month month day-of-week) or a @macro. */
const CRON = /^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\S+\s+){4}\S+)$/;

const stringList = () =>
    z
        .array(z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }), {
            error: "must be a list of strings",
        })
        .min(1, { error: "must be a list of strings" });

const partialResources = z.strictObject({
    cpu: cpuQuantity().optional(),
    memory: memoryQuantity().optional(),
});

export const workloadSchema = z.strictObject({
    kind: oneOf(WORKLOAD_KINDS),
    /** Object base name; default "<app.name>-<key>". Objects are "<name>-<color>". */
    name: dnsLabel(WORKLOAD_NAME_MAX).optional(),
    /** Image repository; the colour's version is the tag. Default release:app.repository. */
    repository: repository().optional(),
    /** A full pinned image used in every colour (a repository that does not follow the version). */
    image: image().optional(),
    command: stringList().optional(),
    args: stringList().optional(),
    port: int(1, 65535).optional(),
    health: z.strictObject(mapOptional(healthFields)).optional(),
    probes: probesSchema.optional(),
    resources: z
        .strictObject({
            requests: partialResources.optional(),
            limits: partialResources.optional(),
        })
        .optional(),
    /** Merged over release:app.env; the workload's value wins. */
    env: plainEnv().optional(),
    /** Names from release:appSecrets this workload gets; default all of them. */
    secretKeys: z.array(envName()).optional(),
    /** The old name of secretKeys, refused with a message that names the new one. */
    secrets: z
        .unknown()
        .refine(() => false, {
            error: "must be renamed to secretKeys (the list of release:appSecrets keys this workload mounts)",
        })
        .optional(),
    corsOrigins: z.array(z.string({ error: "must be a string" })).optional(),
    terminationGracePeriodSeconds: int(1, 3600).optional(),
    preStopSleepSeconds: int(0, 300).optional(),
    runAsUser: int(1, 2147483647).optional(),
    autoscaling: z.strictObject(mapOptional(autoscalingFields)).optional(),
    envNames: z.strictObject(mapOptional(envNamesFields)).optional(),
    data: dataContractSchema.optional(),
    // web
    host: hostname().optional(),
    pathPrefix: httpPath().optional(),
    // tcp
    servicePort: int(1, 65535).optional(),
    loadBalancer: z
        .strictObject({
            scheme: oneOf(["internet-facing", "internal"] as const).optional(),
            /** Client CIDRs allowed through the NLB; default any. */
            sourceRanges: z.array(pattern(CIDR, "an IPv4 CIDR such as 203.0.113.0/24")).optional(),
        })
        .optional(),
    // cron
    schedule: pattern(CRON, 'a cron schedule such as "*/15 * * * *"').optional(),
    timeZone: pattern(
        /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/,
        "an IANA time zone such as Etc/UTC",
    ).optional(),
    successfulJobsHistoryLimit: int(0, 100).optional(),
    failedJobsHistoryLimit: int(0, 100).optional(),
    startingDeadlineSeconds: int(10, 86400).optional(),
    activeDeadlineSeconds: int(30, 86400).optional(),
    backoffLimit: int(0, 10).optional(),
});

export const workloadsSchema = z
    .record(
        pattern(
            /^[a-z]([-a-z0-9]{0,22}[a-z0-9])?$/,
            "a workload key: a lowercase DNS label of at most 24 characters starting with a letter",
        ),
        workloadSchema,
    )
    .refine((w) => Object.keys(w).length > 0, { error: "must list at least one workload" });

function mapOptional<T extends Record<string, z.ZodType>>(fields: T) {
    return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.optional()])) as {
        [K in keyof T]: z.ZodOptional<T[K]>;
    };
}

/** Fields that only some kinds accept; every other field applies to every kind. */
const KIND_FIELDS: Record<string, readonly WorkloadKind[]> = {
    host: ["web"],
    pathPrefix: ["web"],
    servicePort: ["tcp"],
    loadBalancer: ["tcp"],
    corsOrigins: ["web"],
    schedule: ["cron"],
    timeZone: ["cron"],
    successfulJobsHistoryLimit: ["cron"],
    failedJobsHistoryLimit: ["cron"],
    startingDeadlineSeconds: ["cron"],
    activeDeadlineSeconds: ["cron"],
    backoffLimit: ["cron"],
    autoscaling: SCALABLE_KINDS,
    probes: SCALABLE_KINDS,
    health: SCALABLE_KINDS,
    preStopSleepSeconds: SCALABLE_KINDS,
};

/** Unset timings keep Kubernetes' defaults (timeout 1 s, no initial delay). */
const DEFAULT_PROBES: Record<"startup" | "liveness" | "readiness", ProbeTiming> = {
    startup: { periodSeconds: 5, failureThreshold: 30 },
    liveness: { periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
    readiness: { periodSeconds: 5, failureThreshold: 2, timeoutSeconds: 2 },
};

export interface DatabaseContract {
    url: string | false;
    /** Query parameters after sslmode (which is always present, default require). */
    params: Record<string, string>;
    host: string | false;
    port: string | false;
    name: string | false;
    user: string | false;
    password: string | false;
    replicaUrls: boolean;
}

export interface RedisContract {
    url: string | false;
    host: string | false;
    port: string | false;
    password: string | false;
}

export interface CronSettings {
    schedule: string;
    timeZone: string;
    successfulJobsHistoryLimit: number;
    failedJobsHistoryLimit: number;
    startingDeadlineSeconds: number;
    activeDeadlineSeconds: number;
    backoffLimit: number;
}

/** One workload with every default applied: what the pure builders consume. */
export interface Workload {
    readonly key: string;
    readonly kind: WorkloadKind;
    /** Object base name; objects are "<name>-<color>". */
    readonly name: string;
    /** Repository the colour's version tags, or undefined when `image` is pinned. */
    readonly repository?: string;
    /** Full pinned image used in every colour. */
    readonly pinnedImage?: string;
    readonly command?: string[];
    readonly args?: string[];
    readonly port: number;
    readonly health: { liveness: string; readiness: string; startup: string; metrics: string };
    readonly probes: Record<"startup" | "liveness" | "readiness", ProbeTiming>;
    readonly resources: {
        requests: { cpu: string; memory: string };
        limits: { cpu: string; memory: string };
    };
    readonly env: Record<string, string>;
    /** release:appSecrets names this workload gets; undefined = all of them. */
    readonly secretKeys?: string[];
    readonly corsOrigins: string[];
    readonly terminationGracePeriodSeconds: number;
    readonly preStopSleepSeconds: number;
    readonly runAsUser: number;
    readonly autoscaling: {
        baselineReplicas: number;
        minReplicas: number;
        maxReplicas: number;
        targetCpuUtilization: number;
        targetMemoryUtilization: number;
        scaleDownStabilizationSeconds: number;
    };
    readonly envNames: {
        port: string | false;
        color: string | false;
        version: string | false;
        corsOrigins: string | false;
    };
    /** undefined: the workload reads no database (or the stack has none). */
    readonly database?: DatabaseContract;
    readonly redis?: RedisContract;
    readonly host: string;
    readonly pathPrefix: string;
    readonly servicePort: number;
    readonly loadBalancer: { scheme: "internet-facing" | "internal"; sourceRanges: string[] };
    readonly cron?: CronSettings;
}

/** One `release:workloads` entry as parsed: only what the workload sets itself. */
type WorkloadConfig = z.output<typeof workloadSchema>;
type AppConfig = ParsedConfig["app"];

function defined<T extends object>(o: T | undefined): Partial<T> {
    return Object.fromEntries(
        Object.entries(o ?? {}).filter(([, v]) => v !== undefined),
    ) as Partial<T>;
}

function databaseContract(cfg: ParsedConfig, w: WorkloadConfig): DatabaseContract | undefined {
    if (!cfg.database) return undefined;
    const merged = { ...defined(cfg.app.data.database), ...defined(w.data?.database) };
    if (merged.enabled === false) return undefined;
    return {
        url: merged.url ?? "DATABASE_URL",
        params: {
            ...defined(cfg.app.data.database?.params),
            ...defined(w.data?.database?.params),
        } as Record<string, string>,
        host: merged.host ?? false,
        port: merged.port ?? false,
        name: merged.name ?? false,
        user: merged.user ?? false,
        password: merged.password ?? false,
        replicaUrls: merged.replicaUrls ?? true,
    };
}

function redisContract(cfg: ParsedConfig, w: WorkloadConfig): RedisContract | undefined {
    if (!cfg.cache) return undefined;
    const merged = { ...defined(cfg.app.data.redis), ...defined(w.data?.redis) };
    if (merged.enabled === false) return undefined;
    return {
        url: merged.url ?? "REDIS_URL",
        host: merged.host ?? false,
        port: merged.port ?? false,
        password: merged.password ?? false,
    };
}

function probes(app: AppConfig, w: WorkloadConfig): Workload["probes"] {
    const out = {} as Workload["probes"];
    for (const p of ["startup", "liveness", "readiness"] as const) {
        out[p] = { ...DEFAULT_PROBES[p], ...defined(app.probes?.[p]), ...defined(w.probes?.[p]) };
    }
    return out;
}

/** Every workload of a parsed config with the app-level defaults applied, in config order. */
export function resolveWorkloads(cfg: ParsedConfig): Workload[] {
    const app = cfg.app;
    return Object.entries(cfg.workloads).map(([key, w]) => {
        const port = w.port ?? app.port;
        return {
            key,
            kind: w.kind,
            name: w.name ?? `${app.name}-${key}`,
            repository: w.image ? undefined : (w.repository ?? app.repository),
            pinnedImage: w.image,
            command: w.command,
            args: w.args,
            port,
            health: { ...app.health, ...defined(w.health) },
            probes: probes(app, w),
            resources: {
                requests: { ...app.resources.requests, ...defined(w.resources?.requests) },
                limits: { ...app.resources.limits, ...defined(w.resources?.limits) },
            },
            env: { ...app.env, ...(w.env ?? {}) },
            secretKeys: w.secretKeys,
            corsOrigins: w.corsOrigins ?? (w.kind === "web" ? app.corsOrigins : []),
            terminationGracePeriodSeconds:
                w.terminationGracePeriodSeconds ?? app.terminationGracePeriodSeconds,
            preStopSleepSeconds: w.preStopSleepSeconds ?? app.preStopSleepSeconds,
            runAsUser: w.runAsUser ?? app.runAsUser,
            autoscaling: { ...cfg.autoscaling, ...defined(w.autoscaling) },
            envNames: { ...DEFAULT_ENV_NAMES, ...defined(app.envNames), ...defined(w.envNames) },
            database: databaseContract(cfg, w),
            redis: redisContract(cfg, w),
            host: w.host ?? app.host,
            pathPrefix: w.pathPrefix ?? "/",
            servicePort: w.servicePort ?? port,
            loadBalancer: {
                scheme: w.loadBalancer?.scheme ?? "internet-facing",
                sourceRanges: w.loadBalancer?.sourceRanges ?? [],
            },
            cron:
                w.kind === "cron"
                    ? {
                          schedule: w.schedule ?? "",
                          timeZone: w.timeZone ?? "Etc/UTC",
                          successfulJobsHistoryLimit: w.successfulJobsHistoryLimit ?? 3,
                          failedJobsHistoryLimit: w.failedJobsHistoryLimit ?? 3,
                          startingDeadlineSeconds: w.startingDeadlineSeconds ?? 300,
                          activeDeadlineSeconds: w.activeDeadlineSeconds ?? 3600,
                          backoffLimit: w.backoffLimit ?? 1,
                      }
                    : undefined,
        };
    });
}

/** The image a workload runs in a colour: its pinned image, else "<repository>:<version>". */
export function workloadImage(w: Workload, version: string): string {
    return w.pinnedImage ?? `${w.repository}:${version}`;
}

export const isScalable = (w: Workload): boolean => SCALABLE_KINDS.includes(w.kind);

const SSL_MODES = ["require", "verify-ca", "verify-full"];

type At = (...p: (string | number)[]) => (string | number)[];

/** What one workload is checked with: its resolved form, its own entry and its key path. */
interface Checked {
    readonly w: Workload;
    readonly src: WorkloadConfig;
    readonly at: At;
}

/** Fields of another kind (a web host on a worker) would be silently ignored. */
function kindFieldProblems({ w, src, at }: Checked): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    for (const [field, kinds] of Object.entries(KIND_FIELDS)) {
        const value = (src as Record<string, unknown>)[field];
        if (value !== undefined && !kinds.includes(w.kind)) {
            out.push({
                path: at(field),
                input: value,
                message: `must not be set on a ${w.kind} workload (it applies to ${kinds.join(", ")})`,
            });
        }
    }
    return out;
}

function imageProblems({ w, src, at }: Checked): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    if (src.image && src.repository) {
        out.push({
            path: at("repository"),
            input: src.repository,
            message: `must not be set together with release:workloads.${w.key}.image (one image source)`,
        });
    }
    if (!w.pinnedImage && !w.repository) {
        out.push({
            path: at("repository"),
            input: undefined,
            message:
                "must be set (or release:app.repository, or a pinned release:workloads." +
                w.key +
                ".image)",
        });
    }
    return out;
}

/** Object names fit a CronJob name and are unique; `names` maps each name seen to its workload. */
function nameProblems({ w, at }: Checked, names: Map<string, string>): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    if (w.name.length > WORKLOAD_NAME_MAX) {
        out.push({
            path: at("name"),
            input: w.name,
            message: `must be at most ${WORKLOAD_NAME_MAX} characters ("<name>-green" must fit a CronJob name); the default "<app.name>-<key>" is too long, so set a shorter name`,
        });
    }
    const other = names.get(w.name);
    if (other) {
        out.push({
            path: at("name"),
            input: w.name,
            message: `must differ from release:workloads.${other}'s object name`,
        });
    }
    names.set(w.name, w.key);
    return out;
}

/** A cron needs a schedule; two web workloads must not claim one host and path. */
function kindProblems({ w, src, at }: Checked, routes: Map<string, string>): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    if (w.kind === "cron" && !src.schedule) {
        out.push({
            path: at("schedule"),
            input: undefined,
            message: "must be set on a cron workload",
        });
    }
    if (w.kind === "web") {
        const route = `${w.host}${w.pathPrefix}`;
        const clash = routes.get(route);
        if (clash) {
            out.push({
                path: at("pathPrefix"),
                input: w.pathPrefix,
                message: `must differ from release:workloads.${clash}'s on host ${w.host}`,
            });
        }
        routes.set(route, w.key);
    }
    return out;
}

/** Replica bounds and draining of a scalable workload, reported on the key that set them. */
function scalingProblems(cfg: ParsedConfig, { w, src, at }: Checked): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    const a = w.autoscaling;
    const own = src.autoscaling;
    const where = own ? `release:workloads.${w.key}.autoscaling` : "release:autoscaling";
    const bound = (field: "minReplicas" | "baselineReplicas") => {
        if (a[field] <= a.maxReplicas) return;
        out.push({
            path:
                own?.[field] !== undefined || own?.maxReplicas !== undefined
                    ? at("autoscaling", field)
                    : ["autoscaling", field],
            input: a[field],
            message: `must be ≤ ${where}.maxReplicas (${a.maxReplicas})`,
        });
    };
    bound("minReplicas");
    bound("baselineReplicas");
    if (cfg.traffic.idleReplicas > a.maxReplicas) {
        out.push({
            path: ["traffic", "idleReplicas"],
            input: cfg.traffic.idleReplicas,
            message: `must be ≤ ${where}.maxReplicas (${a.maxReplicas}) of workload ${w.key}`,
        });
    }
    if (w.preStopSleepSeconds >= w.terminationGracePeriodSeconds) {
        const mine =
            src.preStopSleepSeconds !== undefined ||
            src.terminationGracePeriodSeconds !== undefined;
        out.push({
            path: mine ? at("preStopSleepSeconds") : ["app", "preStopSleepSeconds"],
            input: w.preStopSleepSeconds,
            message: `must be shorter than ${mine ? `release:workloads.${w.key}` : "release:app"}.terminationGracePeriodSeconds (${w.terminationGracePeriodSeconds}) so the app gets time to drain`,
        });
    }
    return out;
}

/** Secrets and data contracts name what the stack has, and database URLs keep TLS on. */
function dataContractProblems(cfg: ParsedConfig, { w, src, at }: Checked): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    for (const s of w.secretKeys ?? []) {
        if (!(s in cfg.appSecrets)) {
            out.push({
                path: at("secretKeys"),
                input: s,
                message: "must name keys of release:appSecrets",
            });
        }
    }
    if (src.data?.database && !cfg.database && src.data.database.enabled !== false) {
        out.push({
            path: at("data", "database"),
            input: undefined,
            message: "must not be set: the stack has no release:database",
        });
    }
    if (src.data?.redis && !cfg.cache && src.data.redis.enabled !== false) {
        out.push({
            path: at("data", "redis"),
            input: undefined,
            message: "must not be set: the stack has no release:cache",
        });
    }
    const sslmode = w.database?.params.sslmode;
    if (sslmode !== undefined && !SSL_MODES.includes(sslmode)) {
        out.push({
            path: at("data", "database", "params", "sslmode"),
            input: sslmode,
            message: `must be one of ${SSL_MODES.join(", ")} (TLS for every connection, CL-03)`,
        });
    }
    return out;
}

/** Pure: every cross-field problem of the workloads (also called by tests). */
export function workloadProblems(cfg: ParsedConfig): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    const names = new Map<string, string>();
    const routes = new Map<string, string>();
    for (const w of resolveWorkloads(cfg)) {
        const at: At = (...p) => ["workloads", w.key, ...p];
        const checked: Checked = { w, src: cfg.workloads[w.key], at };
        out.push(
            ...kindFieldProblems(checked),
            ...imageProblems(checked),
            ...nameProblems(checked, names),
            ...kindProblems(checked, routes),
            ...(isScalable(w) ? scalingProblems(cfg, checked) : []),
            ...dataContractProblems(cfg, checked),
            ...envNameClashes(w, at),
        );
    }
    return out;
}

/** Two injected env vars with one name would silently shadow each other. */
function envNameClashes(w: Workload, at: At): ConfigIssue[] {
    const seen = new Map<string, string>();
    const out: ConfigIssue[] = [];
    const take = (name: string | false, what: string) => {
        if (name === false) return;
        const prev = seen.get(name);
        if (prev) {
            out.push({
                path: at("data"),
                input: name,
                message: `must not inject ${name} twice (${prev} and ${what})`,
            });
        }
        seen.set(name, what);
    };
    for (const [k, v] of Object.entries(w.envNames)) take(v, `envNames.${k}`);
    for (const k of ["url", "host", "port", "name", "user", "password"] as const) {
        take(w.database?.[k] ?? false, `data.database.${k}`);
    }
    for (const k of ["url", "host", "port", "password"] as const)
        take(w.redis?.[k] ?? false, `data.redis.${k}`);
    return out;
}

export const workloadRules: CrossFieldRule[] = [
    function workloads(cfg, ctx) {
        reportIssues(ctx, workloadProblems(cfg));
    },
];
