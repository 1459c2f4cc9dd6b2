// Config section for object storage: `release:buckets`, one entry per bucket. Every setting has a
// safe default, so `release:buckets: { uploads: {} }` is already an encrypted, versioned, private
// bucket that denies plain HTTP. Workloads reach a bucket only through their pod identity.
import { z } from "zod";
import { bool, dnsLabel, envName, int, oneOf, pattern } from "./rules";
import { reportIssues, type ConfigIssue, type CrossFieldRule, type ParsedConfig } from "./types";

export const BUCKET_ENCRYPTIONS = ["sse-kms", "sse-s3"] as const;
export const BUCKET_ACCESS = ["read", "read-write"] as const;
/** Storage classes a lifecycle rule may move objects to. */
export const STORAGE_CLASSES = [
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER_IR",
    "GLACIER",
    "DEEP_ARCHIVE",
] as const;
export type StorageClass = (typeof STORAGE_CLASSES)[number];

/** The id of the housekeeping lifecycle rule every bucket gets; configured rules may not use it. */
export const HOUSEKEEPING_RULE = "housekeeping";

/** S3's transition waterfall: objects only ever move to a class further down this list. */
const WATERFALL: StorageClass[] = [
    "STANDARD_IA",
    "INTELLIGENT_TIERING",
    "ONEZONE_IA",
    "GLACIER_IR",
    "GLACIER",
    "DEEP_ARCHIVE",
];

/** Days an object must age before S3 accepts a transition to the class (IA classes: 30). */
export const MIN_TRANSITION_DAYS: Record<StorageClass, number> = {
    STANDARD_IA: 30,
    ONEZONE_IA: 30,
    INTELLIGENT_TIERING: 0,
    GLACIER_IR: 0,
    GLACIER: 0,
    DEEP_ARCHIVE: 0,
};

/** S3 general purpose bucket names, without dots (dots break TLS on virtual-hosted URLs). */
export const BUCKET_NAME =
    /^(?!xn--|sthree-|amzn-s3-demo-)(?!.*(-s3alias|--ol-s3|--x-s3|--table-s3)$)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

const transitionSchema = z.strictObject({
    /** Days after creation (current versions) or after becoming noncurrent (noncurrent versions). */
    days: int(0, 36500),
    storageClass: oneOf(STORAGE_CLASSES),
});

const lifecycleRuleSchema = z.strictObject({
    /** Rule id shown in the S3 console (no default). */
    id: pattern(
        /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/,
        "a rule id of letters, digits, '.', '_', '-'",
    ),
    /** Key prefix the rule applies to; default the whole bucket. */
    prefix: z.string({ error: "must be a key prefix" }).max(1024).default(""),
    /** Move current versions to cheaper classes; default none. */
    transitions: z.array(transitionSchema).default([]),
    /** Delete current versions this many days after creation; default never. */
    expireAfterDays: int(1, 36500).optional(),
    /** Move noncurrent versions to cheaper classes; default none. */
    noncurrentTransitions: z.array(transitionSchema).default([]),
    /** Permanently delete versions this many days after they become noncurrent; default never. */
    noncurrentExpireAfterDays: int(1, 36500).optional(),
});

export const bucketSchema = z.strictObject({
    /** Globally unique bucket name; default `<app>-<key>-<stage>-<region>`. */
    name: pattern(
        BUCKET_NAME,
        "an S3 bucket name: 3–63 lowercase letters, digits and hyphens, no dots",
    ).optional(),
    /** sse-kms: a KMS key of the bucket's own with rotation; sse-s3: S3-managed keys. */
    encryption: oneOf(BUCKET_ENCRYPTIONS).default("sse-kms"),
    /** Keep every version of every object (required in prod). */
    versioning: bool().default(true),
    /** Lifecycle rules; default none besides aborting incomplete uploads. */
    lifecycle: z.array(lifecycleRuleSchema).default([]),
    /** Days before unfinished multipart uploads are cleaned up. */
    abortIncompleteUploadsAfterDays: int(1, 365).default(7),
    /** Days a deleted bucket key waits before KMS destroys it (7–30). */
    keyDeletionWindowDays: int(7, 30).default(30),
    /** Workloads (by name) and the access each gets through its pod identity; default none. */
    access: z.record(dnsLabel(63), oneOf(BUCKET_ACCESS)).default({}),
    /** Env var carrying the bucket name to the workloads with access; default `<KEY>_BUCKET`. */
    envVar: envName().optional(),
});

export const storageSections = {
    buckets: z.record(dnsLabel(40), bucketSchema).default({}),
};

export type BucketConfig = z.output<typeof bucketSchema>;
export type LifecycleRuleConfig = z.output<typeof lifecycleRuleSchema>;

function transitionProblems(
    path: (string | number)[],
    transitions: { days: number; storageClass: StorageClass }[],
    expireAfter: number | undefined,
    expireKey: string,
): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    const seen = new Set<string>();
    transitions.forEach((t, i) => {
        const min = MIN_TRANSITION_DAYS[t.storageClass];
        if (t.days < min) {
            out.push({
                path: [...path, i, "days"],
                input: t.days,
                message: `must be at least ${min} for ${t.storageClass} (S3 refuses earlier transitions)`,
            });
        }
        if (seen.has(t.storageClass)) {
            out.push({
                path: [...path, i, "storageClass"],
                input: t.storageClass,
                message: "must not appear twice in one rule",
            });
        }
        seen.add(t.storageClass);
        const colder = transitions.find(
            (o) =>
                o.days < t.days &&
                WATERFALL.indexOf(o.storageClass) > WATERFALL.indexOf(t.storageClass),
        );
        if (colder) {
            out.push({
                path: [...path, i, "storageClass"],
                input: t.storageClass,
                message: `must not be warmer than ${colder.storageClass}, which the rule reaches earlier (S3 only moves objects to colder classes)`,
            });
        }
        if (expireAfter !== undefined && expireAfter <= t.days) {
            out.push({
                path: [...path, i, "days"],
                input: t.days,
                message: `must be less than ${expireKey} (${expireAfter}): S3 refuses a transition on or after expiry`,
            });
        }
    });
    return out;
}

type At = (...p: (string | number)[]) => (string | number)[];

/** One lifecycle rule: S3 refuses a rule that does nothing, or moves objects it cannot. */
function lifecycleRuleProblems(
    key: string,
    b: BucketConfig,
    r: LifecycleRuleConfig,
    at: At,
): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    if (r.id === HOUSEKEEPING_RULE) {
        out.push({
            path: at("id"),
            input: r.id,
            message: `must not be "${HOUSEKEEPING_RULE}" (every bucket gets a rule with that id)`,
        });
    }
    if (
        r.transitions.length === 0 &&
        r.expireAfterDays === undefined &&
        r.noncurrentTransitions.length === 0 &&
        r.noncurrentExpireAfterDays === undefined
    ) {
        out.push({
            path: at(),
            input: r.id,
            message:
                "must set at least one of transitions, expireAfterDays, noncurrentTransitions, noncurrentExpireAfterDays",
        });
    }
    out.push(
        ...transitionProblems(
            at("transitions"),
            r.transitions,
            r.expireAfterDays,
            "expireAfterDays",
        ),
        ...transitionProblems(
            at("noncurrentTransitions"),
            r.noncurrentTransitions,
            r.noncurrentExpireAfterDays,
            "noncurrentExpireAfterDays",
        ),
    );
    if (!b.versioning && (r.noncurrentTransitions.length > 0 || r.noncurrentExpireAfterDays)) {
        out.push({
            path: at("noncurrentExpireAfterDays"),
            input: r.noncurrentExpireAfterDays,
            message: `must not be set when release:buckets.${key}.versioning is false (there are no noncurrent versions)`,
        });
    }
    return out;
}

function lifecycleProblems(key: string, b: BucketConfig, at: At): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    const ids = new Set<string>();
    b.lifecycle.forEach((r, i) => {
        if (ids.has(r.id)) {
            out.push({
                path: at("lifecycle", i, "id"),
                input: r.id,
                message: "must be unique within the bucket",
            });
        }
        ids.add(r.id);
        out.push(...lifecycleRuleProblems(key, b, r, (...p) => at("lifecycle", i, ...p)));
    });
    return out;
}

/** Grants go to workloads of this stack, through pod identities (which need the OIDC provider). */
function accessProblems(cfg: ParsedConfig, b: BucketConfig, at: At): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    const grantees = Object.keys(b.access);
    if (grantees.length > 0 && !cfg.cluster) {
        out.push({
            path: at("access"),
            input: b.access,
            message:
                "must not grant access without release:cluster.oidcProviderArn (workloads reach buckets only through pod identities)",
        });
    }
    const workloads = Object.keys(cfg.workloads);
    for (const w of grantees) {
        if (!workloads.includes(w)) {
            out.push({
                path: at("access", w),
                input: w,
                message: `must name a key of release:workloads (${workloads.join(", ")})`,
            });
        }
    }
    return out;
}

/** The bucket's env var must not shadow one a grantee already has (plain or secret). */
function envVarReuseProblems(
    cfg: ParsedConfig,
    b: BucketConfig,
    envVar: string,
    at: At,
): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    for (const w of Object.keys(b.access)) {
        const workload = cfg.workloads[w] as ParsedConfig["workloads"][string] | undefined;
        const own = { ...cfg.app.env, ...workload?.env };
        const secrets = workload?.secretKeys ?? Object.keys(cfg.appSecrets);
        if (envVar in own || secrets.includes(envVar)) {
            out.push({
                path: at(b.envVar ? "envVar" : "access", ...(b.envVar ? [] : [w])),
                input: envVar,
                message: `must not reuse an env var workload ${w} already sets (${envVar}): the pod would carry it twice`,
            });
        }
    }
    return out;
}

/** Pure: every cross-field problem in `release:buckets` for a parsed config. */
export function storageProblems(cfg: ParsedConfig): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    const envVars = new Map<string, string>();
    for (const [key, b] of Object.entries(cfg.buckets)) {
        const at: At = (...p) => ["buckets", key, ...p];
        if (cfg.stage === "prod" && !b.versioning) {
            out.push({
                path: at("versioning"),
                input: b.versioning,
                message: "must be true in prod (a deleted or overwritten object stays recoverable)",
            });
        }
        const envVar = b.envVar ?? bucketEnvVar(key);
        out.push(
            ...lifecycleProblems(key, b, at),
            ...accessProblems(cfg, b, at),
            ...envVarReuseProblems(cfg, b, envVar, at),
        );
        const other = envVars.get(envVar);
        if (other) {
            out.push({
                path: at("envVar"),
                input: envVar,
                message: `must differ from release:buckets.${other}'s env var`,
            });
        }
        envVars.set(envVar, key);
    }
    return out;
}

/** The default env var for a bucket key: "uploads" → UPLOADS_BUCKET. */
export function bucketEnvVar(key: string): string {
    return `${key.toUpperCase().replace(/-/g, "_")}_BUCKET`;
}

export const storageRules: CrossFieldRule[] = [
    function storage(cfg, ctx) {
        reportIssues(ctx, storageProblems(cfg));
    },
];
