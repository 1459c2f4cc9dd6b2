// Config for the database's logical backup: a daily pg_dump CronJob writing to one of
// `release:buckets` under a dated key. Images are pinned. The default slot, 04:30 UTC daily, stays
// clear of the change window (02:00–04:00): pg_dump's table locks would stall a migration.
import { z } from "zod";
import { bool, image, imageVersion, int, pattern } from "./rules";
import { reportIssues, type ConfigIssue, type CrossFieldRule, type ParsedConfig } from "./types";

/** pg_dump 17 reads every server version the schema allows (16+). */
export const PG_DUMP_IMAGE = "docker.io/library/postgres:17.6-alpine";
export const AWS_CLI_IMAGE = "docker.io/amazon/aws-cli:2.27.50";

/** Five cron fields; macros and seconds are not accepted by Kubernetes CronJobs. */
const CRON = /^(\S+\s+){4}\S+$/;

export const backupSchema = z.strictObject({
    /** Key of the `release:buckets` entry the dumps go to (no default). */
    bucket: pattern(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a key of release:buckets"),
    /** Key prefix inside the bucket; dumps land at `<prefix>/<db>/<yyyy>/<mm>/<dd>/…`. */
    prefix: pattern(
        /^[A-Za-z0-9][A-Za-z0-9._/-]{0,200}[A-Za-z0-9]$/,
        "a key prefix without leading or trailing /",
    ).default("postgres"),
    /** Cron schedule in `timeZone`. */
    schedule: pattern(CRON, 'a five-field cron schedule such as "0 2 * * *"').default("30 4 * * *"),
    timeZone: pattern(
        /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/,
        "an IANA time zone such as Etc/UTC",
    ).default("Etc/UTC"),
    /** Image with pg_dump (major version ≥ the server's). */
    image: image().default(PG_DUMP_IMAGE),
    /** Image with the AWS CLI, which uploads the dump. */
    uploaderImage: image().default(AWS_CLI_IMAGE),
    /** Hard limit for one backup run, in seconds. */
    activeDeadlineSeconds: int(300, 86400).default(3600),
    /** A run that could not start within this many seconds of its slot is skipped (and counted missed). */
    startingDeadlineSeconds: int(60, 86400).default(600),
    backoffLimit: int(0, 10).default(2),
    successfulJobsHistoryLimit: int(1, 10).default(3),
    failedJobsHistoryLimit: int(1, 10).default(3),
    /** Scratch space for the dump file; default the database's allocated storage. */
    scratchGi: int(1, 65536).optional(),
    /** Hours without a successful backup before the alert fires. */
    maxAgeHours: int(1, 168).default(26),
    /** Check the dump with `pg_restore --list` before uploading it. */
    verify: bool().default(true),
});

export type BackupConfig = z.output<typeof backupSchema>;

/** Pure: cross-field problems of `release:database.backup`. */
export function backupProblems(cfg: ParsedConfig): ConfigIssue[] {
    const db = cfg.database;
    const b: BackupConfig | undefined = db?.backup;
    if (!db || !b) return [];
    const out: ConfigIssue[] = [];
    const at = (...p: string[]) => ["database", "backup", ...p];
    if (!Object.hasOwn(cfg.buckets, b.bucket)) {
        const keys = Object.keys(cfg.buckets);
        out.push({
            path: at("bucket"),
            input: b.bucket,
            message: `must be a key of release:buckets (${keys.length > 0 ? keys.join(", ") : "none declared"})`,
        });
    }
    if (!cfg.cluster) {
        out.push({
            path: at(),
            input: undefined,
            message:
                "must not be set without release:cluster.oidcProviderArn (the backup job writes to S3 through a pod identity)",
        });
    }
    if (!cfg.monitoring) {
        out.push({
            path: at(),
            input: undefined,
            message:
                "must not be set without release:monitoring (the alert on a backup older than maxAgeHours lives in its PrometheusRule)",
        });
    }
    // pg_dump refuses to dump a server of a newer major version than its own.
    const dumpMajor = Number(/^(\d+)/.exec(imageVersion(b.image))?.[1]);
    const serverMajor = Number(db.engineVersion.split(".")[0]);
    if (Number.isFinite(dumpMajor) && dumpMajor < serverMajor) {
        out.push({
            path: at("image"),
            input: b.image,
            message: `must carry pg_dump ${serverMajor} or later for PostgreSQL ${serverMajor} (pg_dump cannot dump a newer server)`,
        });
    }
    return out;
}

export const backupRules: CrossFieldRule[] = [
    function databaseBackup(cfg, ctx) {
        reportIssues(ctx, backupProblems(cfg));
    },
];
