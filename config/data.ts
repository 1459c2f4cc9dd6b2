// Config sections for the data tier: the network the stores live in (owned elsewhere), the RDS
// PostgreSQL database and the ElastiCache Redis cache. All three are optional so app-only stacks
// still parse; when a data store is set, the rules below hold it to the runbooks' standards.
import { z } from "zod";
import {
    RDS_INSTANCE_ID_MAX,
    UTC_TIMESTAMP,
    pitrInstanceId,
    rdsIdProblem,
    restoredInstanceId,
    slug,
    snapshotRefProblem,
    timestampProblem,
} from "./identifiers";
import {
    CHANGE_WINDOW,
    CHANGE_WINDOW_TEXT,
    DAILY_WINDOW,
    WEEKLY_WINDOW,
    dailyLength,
    dailyRanges,
    overlaps,
    weeklyLength,
    weeklyRanges,
    within,
} from "./windows";
import { backupSchema } from "./backup";
import { bool, image, int, oneOf, pattern } from "./rules";
import { reportIssues, type ConfigIssue, type CrossFieldRule, type ParsedConfig } from "./types";

/** PostgreSQL floor (CL-35: 15+, 16+ preferred, so 16 is the default); the policy pack's rds-engine-version default matches. */
export const POSTGRES_MIN_MAJOR = 15;
/** Redis floor (CL-35: 7+). */
export const REDIS_MIN_MAJOR = 7;

/** Minimum prod backup retention (7 daily backups plus weeks of history; PITR for CL-31). */
export const PROD_MIN_BACKUP_RETENTION_DAYS = 14;

/** Pinned exporter images (checked against the upstream releases when this was written). */
export const POSTGRES_EXPORTER_IMAGE = "quay.io/prometheuscommunity/postgres-exporter:v0.20.1";
export const REDIS_EXPORTER_IMAGE = "quay.io/oliver006/redis_exporter:v1.91.1";

const awsId = (prefix: string, what: string) =>
    pattern(
        new RegExp(`^${prefix}-[0-9a-f]{8,17}$`),
        `a ${what} id such as ${prefix}-0123456789abcdef0`,
    );

const kmsKeyArn = () =>
    pattern(
        /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/[A-Za-z0-9-]+|alias\/[A-Za-z0-9/_-]+)$/,
        "a KMS key or alias ARN",
    );

const rdsId = () =>
    z.string({ error: "must be an RDS instance identifier" }).superRefine((v, ctx) => {
        const problem = rdsIdProblem(v, RDS_INSTANCE_ID_MAX);
        if (problem) ctx.addIssue({ code: "custom", message: problem, input: v });
    });

/** "16" or "16.4": the major version is what the parameter group family follows. */
const engineVersion = (minMajor: number, what: string) =>
    pattern(/^\d+(\.\d+)?$/, `a version such as "${minMajor}" or "${minMajor}.1"`).refine(
        (v) => Number(v.split(".")[0]) >= minMajor,
        { error: `must be ${what} ${minMajor} or later (CL-35)` },
    );

const dailyWindow = (minMinutes: number) =>
    pattern(DAILY_WINDOW, 'a UTC window "hh:mm-hh:mm"').refine(
        (v) => (dailyLength(v) ?? 0) >= minMinutes,
        { error: `must be at least ${minMinutes} minutes long` },
    );

const weeklyWindow = (minMinutes: number) =>
    pattern(
        WEEKLY_WINDOW,
        'a UTC window "ddd:hh:mm-ddd:hh:mm" such as "tue:02:00-tue:03:00"',
    ).refine(
        (v) => {
            const len = weeklyLength(v) ?? 0;
            return len >= minMinutes && len <= 24 * 60;
        },
        { error: `must be ${minMinutes} minutes to 24 hours long` },
    );

export const networkSchema = z.strictObject({
    /** The VPC the data stores live in (owned outside this program). */
    vpcId: awsId("vpc", "VPC"),
    /** Private subnets for the DB and cache subnet groups; two AZs at least. */
    privateSubnetIds: z
        .array(awsId("subnet", "subnet"), { error: "must be a list of subnet ids" })
        .min(2, { error: "must list at least 2 private subnets (in different availability zones)" })
        .refine((ids) => new Set(ids).size === ids.length, {
            error: "must not list a subnet twice",
        }),
    /** Security group of the app's nodes/pods: the only source allowed to reach the stores. */
    appSecurityGroupId: awsId("sg", "security group"),
});

export const databaseSchema = z.strictObject({
    /** RDS identifier of the primary; snapshots are named `<identifier>-pre-<version>`. */
    identifier: rdsId(),
    engineVersion: engineVersion(POSTGRES_MIN_MAJOR, "PostgreSQL").default("16"),
    instanceClass: pattern(
        /^db\.[a-z0-9]+\.[a-z0-9]+$/,
        'an RDS instance class such as "db.r6g.large"',
    ).default("db.t4g.medium"),
    /** Read replicas' class; defaults to instanceClass. */
    replicaInstanceClass: pattern(
        /^db\.[a-z0-9]+\.[a-z0-9]+$/,
        'an RDS instance class such as "db.r6g.large"',
    ).optional(),
    allocatedStorageGb: int(20, 65536).default(20),
    /** Storage autoscaling ceiling; 0 turns storage autoscaling off. */
    maxAllocatedStorageGb: int(0, 65536).default(0),
    storageType: oneOf(["gp3", "gp2", "io1", "io2"] as const).default("gp3"),
    dbName: pattern(/^[A-Za-z][A-Za-z0-9_]{0,62}$/, "a PostgreSQL database name").default("app"),
    username: pattern(
        /^(?!rdsadmin$|rds_)[A-Za-z][A-Za-z0-9_]{0,62}$/,
        "a PostgreSQL user name (not rdsadmin or rds_*)",
    ).default("app_admin"),
    port: int(1150, 65535).default(5432),
    multiAz: bool().default(false),
    deletionProtection: bool().default(true),
    /** Customer-managed KMS key for storage and Performance Insights; default the AWS-managed key. */
    kmsKeyId: kmsKeyArn().optional(),
    /** Days of automated backups (and so of point-in-time recovery). */
    backupRetentionDays: int(0, 35).default(7),
    backupWindow: dailyWindow(30).default("01:00-01:30"),
    maintenanceWindow: weeklyWindow(30).default("tue:02:00-tue:03:00"),
    performanceInsightsRetentionDays: int(7, 731)
        .refine((d) => d === 7 || d === 731 || d % 31 === 0, {
            error: "must be 7, 731 or a multiple of 31",
        })
        .default(7),
    /** Read replicas of the primary (replicateSourceDb). */
    replicas: int(0, 5).default(0),
    /** Bump to generate a new master password (rotation). */
    passwordRotation: int(1, 1_000_000).default(1),
    /** Restore into a new instance from this snapshot; the current instance is kept. */
    restoreFromSnapshot: z
        .string({ error: "must be a snapshot identifier" })
        .superRefine((v, ctx) => {
            const problem = snapshotRefProblem(v);
            if (problem) ctx.addIssue({ code: "custom", message: problem, input: v });
        })
        .optional(),
    /** Point-in-time restore of the primary into a new instance (UTC, e.g. 2026-11-22T03:15:00Z). */
    restoreToTime: pattern(UTC_TIMESTAMP, "a UTC timestamp such as 2026-11-22T03:15:00Z")
        .superRefine((v, ctx) => {
            const problem = timestampProblem(v);
            if (problem) ctx.addIssue({ code: "custom", message: problem, input: v });
        })
        .optional(),
    migration: z.strictObject({
        /** Workload (release:workloads key) whose image runs the migration; default the first web one. */
        workload: pattern(/^[a-z][-a-z0-9]*$/, "a release:workloads key").optional(),
        /** Command the migration Job runs in the release's image (no default). */
        command: z
            .array(z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }), {
                error: "must be a command as a list of strings",
            })
            .min(1, { error: "must be a command as a list of strings" }),
        backoffLimit: int(0, 10).default(1),
        activeDeadlineSeconds: int(30, 86400).default(900),
    }),
    exporterImage: image().default(POSTGRES_EXPORTER_IMAGE),
    /** Daily logical backup (pg_dump) to a bucket; default none. */
    backup: backupSchema.optional(),
});

export const cacheSchema = z.strictObject({
    /** ElastiCache replication group id (1–40 characters). */
    replicationGroupId: pattern(
        /^(?=.{1,40}$)[a-z]([a-z0-9]|-(?!-))*(?<!-)$/,
        "1–40 lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen",
    ),
    engineVersion: engineVersion(REDIS_MIN_MAJOR, "Redis").default("7.1"),
    nodeType: pattern(
        /^cache\.[a-z0-9]+\.[a-z0-9]+$/,
        'a cache node type such as "cache.r7g.large"',
    ).default("cache.t4g.small"),
    /** Primary plus replicas; ≥ 2 turns on automatic failover and multi-AZ. */
    nodes: int(1, 6).default(1),
    port: int(1024, 65535).default(6379),
    kmsKeyId: kmsKeyArn().optional(),
    maxmemoryPolicy: oneOf([
        "volatile-lru",
        "allkeys-lru",
        "volatile-lfu",
        "allkeys-lfu",
        "volatile-random",
        "allkeys-random",
        "volatile-ttl",
        "noeviction",
    ] as const).default("volatile-lru"),
    snapshotRetentionDays: int(0, 35).default(7),
    snapshotWindow: dailyWindow(60).default("03:00-04:00"),
    maintenanceWindow: weeklyWindow(60).default("wed:02:00-wed:03:00"),
    /** Bump to generate a new AUTH token (rotated with ElastiCache's ROTATE strategy). */
    authTokenRotation: int(1, 1_000_000).default(1),
    exporterImage: image().default(REDIS_EXPORTER_IMAGE),
});

/** Whether the app may write: `stopped` scales every workload colour to zero (a restore needs it). */
export const WRITES_MODES = ["serving", "stopped"] as const;

export const dataSchema = z
    .strictObject({
        /** serving (default), or stopped: every colour of every workload at 0 pods, crons suspended. */
        writes: oneOf(WRITES_MODES).default("serving"),
        /**
         * The RDS instance the app serves writes from once they resume after a restore; default
         * release:database.identifier. Naming the restored instance here confirms the restore.
         */
        servingFrom: rdsId().optional(),
    })
    .prefault({});

export const dataSections = {
    network: networkSchema.optional(),
    database: databaseSchema.optional(),
    cache: cacheSchema.optional(),
    data: dataSchema,
};

export type NetworkConfig = z.output<typeof networkSchema>;
export type DatabaseConfig = z.output<typeof databaseSchema>;
export type CacheConfig = z.output<typeof cacheSchema>;
export type DataConfig = z.output<typeof dataSchema>;

/** The RDS instance the app's DATABASE_URL names: the restored one while a restore is set. */
export function activeDatabaseId(db: DatabaseConfig): string {
    if (db.restoreFromSnapshot) return restoredInstanceId(db.identifier, db.restoreFromSnapshot);
    if (db.restoreToTime) return pitrInstanceId(db.identifier, db.restoreToTime);
    return db.identifier;
}

/** The config key of the restore in effect, for messages. */
const restoreKey = (db: DatabaseConfig) =>
    db.restoreFromSnapshot
        ? "release:database.restoreFromSnapshot"
        : "release:database.restoreToTime";

/**
 * Pure: a restore must never run while pods write to the instance it replaces. Serving writes is
 * allowed only from the instance release:data.servingFrom names (default the original), so moving
 * the app to another instance (a restore, or undoing one) needs writes stopped first; naming the
 * restored instance there afterwards is the explicit "the restore is done and checked" step.
 */
export function writesProblems(db: DatabaseConfig | undefined, data: DataConfig): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    if (!db) {
        if (data.servingFrom !== undefined) {
            out.push({
                path: ["data", "servingFrom"],
                input: data.servingFrom,
                message:
                    "must not be set without release:database (it names the RDS instance the app writes to)",
            });
        }
        return out;
    }
    if (data.writes === "stopped") return out;
    const active = activeDatabaseId(db);
    const servingFrom = data.servingFrom ?? db.identifier;
    if (servingFrom === active) return out;
    if (active !== db.identifier) {
        out.push({
            path: ["data", "writes"],
            input: data.writes,
            message:
                `must be stopped while ${restoreKey(db)} moves the app to ${active}: stop writes in their own pulumi up first ` +
                `(pulumi config set --path data.writes stopped), so no pod writes to ${servingFrom} during the restore; ` +
                `once the restored data is checked, set data.servingFrom to ${active} and data.writes to serving`,
        });
    } else {
        out.push({
            path: ["data", "servingFrom"],
            input: data.servingFrom,
            message:
                `must name ${active}, the instance the app uses (release:database.identifier, no restore set), ` +
                "while release:data.writes is serving: to leave a restored instance, stop writes first",
        });
    }
    return out;
}

const issue = (path: (string | number)[], input: unknown, message: string): ConfigIssue => ({
    path,
    input,
    message,
});

/** The stores live in a network this program does not own, so it must be named. */
function networkProblems(cfg: ParsedConfig): ConfigIssue[] {
    if ((!cfg.database && !cfg.cache) || cfg.network) return [];
    return [
        issue(
            ["network"],
            undefined,
            "must be set when release:database or release:cache is set (the VPC, private subnets and app security group)",
        ),
    ];
}

function backupRetentionProblems(db: DatabaseConfig, prod: boolean): ConfigIssue[] {
    const at = ["database", "backupRetentionDays"];
    if (prod && db.backupRetentionDays < PROD_MIN_BACKUP_RETENTION_DAYS) {
        return [
            issue(
                at,
                db.backupRetentionDays,
                `must be at least ${PROD_MIN_BACKUP_RETENTION_DAYS} in prod (backup retention and point-in-time recovery, CL-09)`,
            ),
        ];
    }
    if (db.backupRetentionDays < 1) {
        return [
            issue(
                at,
                db.backupRetentionDays,
                "must be at least 1 (0 turns off automated backups and point-in-time recovery)",
            ),
        ];
    }
    return [];
}

/** Prod's database is highly available, undeletable by accident and maintained in the window. */
function prodDatabaseProblems(db: DatabaseConfig): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    if (!db.multiAz)
        out.push(issue(["database", "multiAz"], db.multiAz, "must be true in prod (CL-36)"));
    if (!db.deletionProtection) {
        out.push(
            issue(
                ["database", "deletionProtection"],
                db.deletionProtection,
                "must be true in prod (CL-37)",
            ),
        );
    }
    if (db.replicas < 1) {
        out.push(
            issue(
                ["database", "replicas"],
                db.replicas,
                "must be at least 1 in prod (CL-36: primary plus replicas)",
            ),
        );
    }
    if (!within(weeklyRanges(db.maintenanceWindow), CHANGE_WINDOW)) {
        out.push(
            issue(
                ["database", "maintenanceWindow"],
                db.maintenanceWindow,
                `must lie inside the change window ${CHANGE_WINDOW_TEXT} in prod (CL-32)`,
            ),
        );
    }
    return out;
}

/** Settings of the database that must agree with each other. */
function databaseSettingProblems(db: DatabaseConfig): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    if (overlaps(dailyRanges(db.backupWindow), weeklyRanges(db.maintenanceWindow))) {
        out.push(
            issue(
                ["database", "backupWindow"],
                db.backupWindow,
                `must not overlap release:database.maintenanceWindow (${db.maintenanceWindow})`,
            ),
        );
    }
    if (db.maxAllocatedStorageGb > 0 && db.maxAllocatedStorageGb <= db.allocatedStorageGb) {
        out.push(
            issue(
                ["database", "maxAllocatedStorageGb"],
                db.maxAllocatedStorageGb,
                `must be 0 (off) or more than release:database.allocatedStorageGb (${db.allocatedStorageGb})`,
            ),
        );
    }
    if (db.restoreFromSnapshot && db.restoreToTime) {
        out.push(
            issue(
                ["database", "restoreToTime"],
                db.restoreToTime,
                "must not be set together with release:database.restoreFromSnapshot (restore from one source at a time)",
            ),
        );
    }
    return out;
}

/** Snapshots and migration Jobs are keyed by version, so two versions must not share a name. */
function versionSlugProblems(cfg: ParsedConfig): ConfigIssue[] {
    const blue = cfg.colors.blue;
    const green = cfg.colors.green;
    if (!blue || !green) return [];
    const vb = blue.version;
    const vg = green.version;
    if (vb === vg || slug(vb) !== slug(vg)) return [];
    return [
        issue(
            ["colors", "green", "version"],
            vg,
            `must not reduce to the same snapshot name as blue's version ${JSON.stringify(vb)} (both become "${slug(vg)}")`,
        ),
    ];
}

function migratorProblems(cfg: ParsedConfig, db: DatabaseConfig): ConfigIssue[] {
    const migrator = db.migration.workload;
    if (!migrator || Object.hasOwn(cfg.workloads, migrator)) return [];
    return [
        issue(
            ["database", "migration", "workload"],
            migrator,
            `must name a key of release:workloads (${Object.keys(cfg.workloads).join(", ")})`,
        ),
    ];
}

function databaseProblems(cfg: ParsedConfig, db: DatabaseConfig): ConfigIssue[] {
    const prod = cfg.stage === "prod";
    return [
        ...backupRetentionProblems(db, prod),
        ...(prod ? prodDatabaseProblems(db) : []),
        ...databaseSettingProblems(db),
        ...versionSlugProblems(cfg),
        ...migratorProblems(cfg, db),
    ];
}

function cacheProblems(cache: CacheConfig, prod: boolean): ConfigIssue[] {
    const out: ConfigIssue[] = [];
    if (prod && cache.nodes < 2) {
        out.push(
            issue(
                ["cache", "nodes"],
                cache.nodes,
                "must be at least 2 in prod (automatic failover and multi-AZ, CL-36)",
            ),
        );
    }
    if (prod && cache.snapshotRetentionDays < 1) {
        out.push(
            issue(
                ["cache", "snapshotRetentionDays"],
                cache.snapshotRetentionDays,
                "must be at least 1 in prod (daily cache snapshots)",
            ),
        );
    }
    if (prod && !within(weeklyRanges(cache.maintenanceWindow), CHANGE_WINDOW)) {
        out.push(
            issue(
                ["cache", "maintenanceWindow"],
                cache.maintenanceWindow,
                `must lie inside the change window ${CHANGE_WINDOW_TEXT} in prod (CL-32)`,
            ),
        );
    }
    if (overlaps(dailyRanges(cache.snapshotWindow), weeklyRanges(cache.maintenanceWindow))) {
        out.push(
            issue(
                ["cache", "snapshotWindow"],
                cache.snapshotWindow,
                `must not overlap release:cache.maintenanceWindow (${cache.maintenanceWindow})`,
            ),
        );
    }
    return out;
}

/** Pure: every data-tier cross-field problem for a parsed config (also called by tests). */
export function dataProblems(cfg: ParsedConfig): ConfigIssue[] {
    const { database: db, cache } = cfg;
    return [
        ...networkProblems(cfg),
        ...(db ? databaseProblems(cfg, db) : []),
        ...writesProblems(db, cfg.data),
        ...(cache ? cacheProblems(cache, cfg.stage === "prod") : []),
    ];
}

export const dataRules: CrossFieldRule[] = [
    function dataTier(cfg, ctx) {
        reportIssues(ctx, dataProblems(cfg));
    },
];
