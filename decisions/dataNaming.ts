// Pure naming rules for the data tier: RDS identifiers, release snapshot ids, restored instance names,
// migration Job names and connection URLs. Deterministic, so a plan never invents a new name.
import {
    RDS_INSTANCE_ID_MAX,
    RDS_SNAPSHOT_ID_MAX,
    bounded,
    shortHash,
    slug,
} from "../config/identifiers";

// The identifier rules live with the schema that checks them; names built here follow them.
export {
    RDS_INSTANCE_ID_MAX,
    RDS_SNAPSHOT_ID_MAX,
    UTC_TIMESTAMP,
    bounded,
    pitrInstanceId,
    rdsIdProblem,
    restoredInstanceId,
    slug,
    snapshotRefProblem,
} from "../config/identifiers";

/** The snapshot taken before `version` first runs against `dbIdentifier`: `<db>-pre-<version>`. */
export function releaseSnapshotId(dbIdentifier: string, version: string): string {
    const v = slug(version);
    // A version of only punctuation still needs a unique, valid suffix.
    return bounded(`${dbIdentifier}-pre-`, v || `v${shortHash(version)}`, RDS_SNAPSHOT_ID_MAX);
}

/** The n-th read replica of a primary: `<primary>-replica-<n>`, within 63 characters. */
export function replicaInstanceId(primaryId: string, n: number): string {
    const suffix = `-replica-${n}`;
    if (primaryId.length + suffix.length <= RDS_INSTANCE_ID_MAX) return `${primaryId}${suffix}`;
    const head = primaryId.slice(0, RDS_INSTANCE_ID_MAX - suffix.length - 7).replace(/-+$/, "");
    return `${head}-${shortHash(primaryId)}${suffix}`;
}

/**
 * The migration Job for a version: `<app>-migrate-<version>`. Kubernetes Job names end up in a
 * 63-character label, and a Job's pod template is immutable, so each version gets its own Job.
 */
export function migrationJobName(appName: string, version: string): string {
    return bounded(`${appName}-migrate-`, slug(version) || shortHash(version), 63);
}

/**
 * Keys of the datastore Secret the data tier writes. Workloads read them through secretKeyRef
 * under the env names their data contract chooses.
 */
export const DATASTORE_KEYS = {
    databaseUrl: "DATABASE_URL",
    /** The URL without its query string, for workloads that add their own parameters. */
    databaseUrlBase: "DATABASE_URL_BASE",
    databaseHost: "DATABASE_HOST",
    databasePort: "DATABASE_PORT",
    databaseName: "DATABASE_NAME",
    databaseUser: "DATABASE_USER",
    databasePassword: "DATABASE_PASSWORD",
    replicaUrl: (n: number) => `DATABASE_REPLICA_${n}_URL`,
    replicaUrlBase: (n: number) => `DATABASE_REPLICA_${n}_URL_BASE`,
    redisUrl: "REDIS_URL",
    redisHost: "REDIS_HOST",
    redisPort: "REDIS_PORT",
    redisPassword: "REDIS_PASSWORD",
} as const;

/** What a PostgreSQL connection URL is built from. */
export interface PostgresUrlParts {
    username: string;
    password: string;
    host: string;
    port: number;
    dbName: string;
}

/** `postgresql://user:password@host:port/db` (no query), credentials percent-encoded. */
export function postgresUrlBase(p: PostgresUrlParts): string {
    const user = encodeURIComponent(p.username);
    const pass = encodeURIComponent(p.password);
    return `postgresql://${user}:${pass}@${p.host}:${p.port}/${encodeURIComponent(p.dbName)}`;
}

/** `postgresql://user:password@host:port/db?sslmode=require`, credentials percent-encoded. */
export function postgresUrl(p: PostgresUrlParts): string {
    return `${postgresUrlBase(p)}?sslmode=require`;
}

/** `rediss://:token@host:port` (TLS; ElastiCache AUTH uses the default user). */
export function redisUrl(p: { token: string; host: string; port: number }): string {
    return `rediss://:${encodeURIComponent(p.token)}@${p.host}:${p.port}`;
}

/** Characters RDS refuses in a master password: '/', '@', '"' and space. */
export const RDS_PASSWORD_FORBIDDEN = ["/", "@", '"', " "];
/** Special characters used in generated RDS passwords (none of the forbidden ones). */
export const RDS_PASSWORD_SPECIALS = "!#$%&*()-_=+[]{}<>:?";
/** ElastiCache AUTH tokens accept only these special characters. */
export const REDIS_TOKEN_SPECIALS = "!&#$^<>-";

/**
 * The Secret the colours mount: `<app>-datastores-<hash>`, where the hash covers what changes the
 * URLs' meaning (active DB, credential rotations). A restore or rotation therefore renames the
 * Secret, which changes both colours' pod templates and rolls them onto the new URLs within the
 * same `pulumi up`, instead of leaving running pods on the old database.
 */
export function datastoreSecretName(appName: string, parts: (string | number)[]): string {
    return `${appName}-datastores-${shortHash(parts.join("|"))}`;
}

/** A deployed version and the image that runs it. */
export interface ReleaseVersion {
    readonly version: string;
    readonly image: string;
}

/**
 * The distinct versions the colours run, in colour order. Snapshots and migrations are keyed by
 * version, so both colours on one version share one snapshot and one Job, and swapping which colour
 * is stable changes nothing here.
 */
export function releaseVersions(colors: (ReleaseVersion | undefined)[]): ReleaseVersion[] {
    const seen = new Set<string>();
    const out: ReleaseVersion[] = [];
    for (const c of colors) {
        if (!c || seen.has(slug(c.version))) continue;
        seen.add(slug(c.version));
        out.push(c);
    }
    return out;
}
