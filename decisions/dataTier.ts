// Pure builders for the data tier: the guardrails each store gets from the stage, what the
// datastore Secret carries, which PostgreSQL endpoints the exporter scrapes, the Secrets' names,
// and the snapshot and migration each deployed version gets. The DataTier component only creates
// the children these describe and hands them the values other resources produce.
import type { StackConfig } from "../config";
import type { CacheConfig, DatabaseConfig } from "../config/data";
import {
    DATASTORE_KEYS,
    datastoreSecretName,
    migrationJobName,
    releaseSnapshotId,
    slug,
    type ReleaseVersion,
} from "./dataNaming";
import type { ExporterTarget, ExportersInput } from "./metricsExporters";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./podSecurity";

/** Prod stores are protected and change in their maintenance window; others change at once. */
export function storeGuardrails(prod: boolean) {
    return { protect: prod, applyImmediately: !prod };
}

/** What the database component exposes to the Secret and the exporter. `V` is a value's type. */
export interface DatabaseEndpoints<V> {
    /** RDS identifier of the primary the app uses (the restored one during a restore). */
    readonly activeIdentifier: string;
    readonly activeReplicaIdentifiers: readonly string[];
    readonly databaseUrl: V;
    readonly replicaUrls: readonly V[];
    readonly connection: {
        readonly host: V;
        readonly port: V;
        readonly dbName: string;
        readonly username: string;
        readonly password: V;
        readonly urlBase: V;
        readonly replicaUrlBases: readonly V[];
    };
}

/** What the cache component exposes to the Secret. */
export interface CacheEndpoints<V> {
    readonly redisUrl: V;
    readonly connection: { readonly host: V; readonly port: string; readonly password: V };
}

/**
 * The datastore Secret's entries: every form a workload's data contract may ask for
 * (DATASTORE_KEYS), so each workload picks its own. Replica keys are numbered from 1.
 */
export function datastoreSecretData<V>(
    db: DatabaseEndpoints<V> | undefined,
    cache: CacheEndpoints<V> | undefined,
): Record<string, V | string> {
    const K = DATASTORE_KEYS;
    const data: Record<string, V | string> = {};
    if (db) {
        const c = db.connection;
        data[K.databaseUrl] = db.databaseUrl;
        data[K.databaseUrlBase] = c.urlBase;
        data[K.databaseHost] = c.host;
        data[K.databasePort] = c.port;
        data[K.databaseName] = c.dbName;
        data[K.databaseUser] = c.username;
        data[K.databasePassword] = c.password;
        db.replicaUrls.forEach((url, i) => {
            data[K.replicaUrl(i + 1)] = url;
            data[K.replicaUrlBase(i + 1)] = c.replicaUrlBases[i];
        });
    }
    if (cache) {
        const c = cache.connection;
        data[K.redisUrl] = cache.redisUrl;
        data[K.redisHost] = c.host;
        data[K.redisPort] = c.port;
        data[K.redisPassword] = c.password;
    }
    return data;
}

/** The active primary and each of its replicas, each by its own URL in the datastore Secret. */
export function postgresTargets(
    db: Pick<DatabaseEndpoints<unknown>, "activeIdentifier" | "activeReplicaIdentifiers">,
): ExporterTarget[] {
    return [
        { name: db.activeIdentifier, role: "primary", secretKey: DATASTORE_KEYS.databaseUrl },
        ...db.activeReplicaIdentifiers.map((name, i) => ({
            name,
            role: "replica" as const,
            secretKey: DATASTORE_KEYS.replicaUrl(i + 1),
        })),
    ];
}

/** The exporters to run: one per store that exists, reading the datastore Secret. */
export function exporterSources(
    database: DatabaseConfig | undefined,
    cache: CacheConfig | undefined,
    targets: ExporterTarget[],
): ExportersInput {
    return {
        postgres: database && { image: database.exporterImage, targets },
        redis: cache && { image: cache.exporterImage, secretKey: DATASTORE_KEYS.redisUrl },
    };
}

/**
 * The datastore Secret's name. It changes with what its values come from (the active database,
 * the password and token rotations), so a restore or a rotation rolls the pods that read it.
 */
export function dataTierSecretName(
    appName: string,
    activeIdentifier: string | undefined,
    database: DatabaseConfig | undefined,
    cache: CacheConfig | undefined,
): string {
    return datastoreSecretName(appName, [
        activeIdentifier ?? "",
        database?.passwordRotation ?? 0,
        cache?.replicationGroupId ?? "",
        cache?.authTokenRotation ?? 0,
    ]);
}

/**
 * The Secret the migration Jobs read: its name never changes, so a restore or a rotation does not
 * change (and so re-run) a Job that already ran.
 */
export const migrationSecretName = (appName: string): string => `${appName}-migrations`;

/**
 * The manual snapshot taken before a version first runs against the database, `<db>-pre-<version>`,
 * tagged as a pre-release snapshot of that version. `I` is the instance identifier's type.
 */
export function releaseSnapshotArgs<I>(
    instanceIdentifier: I,
    dbIdentifier: string,
    version: string,
    tags: Record<string, string> | undefined,
) {
    return {
        dbInstanceIdentifier: instanceIdentifier,
        dbSnapshotIdentifier: releaseSnapshotId(dbIdentifier, version),
        tags: { ...tags, "release/version": version, "release/kind": "pre-release" },
    };
}

/** What one deployed version gets before traffic reaches it: a snapshot, then its migration. */
export interface ReleaseStep {
    /** Component name of the release snapshot. */
    readonly snapshotName: string;
    /** Component name of the migration Job. */
    readonly migrationName: string;
    readonly version: string;
    readonly image: string;
    readonly migration: {
        readonly command: string[];
        readonly backoffLimit: number;
        readonly activeDeadlineSeconds: number;
    };
}

/**
 * One step per deployed version, named after the version (not the colour), so a promotion or a
 * weight change leaves every snapshot and Job alone. No database, no steps.
 */
export function releaseSteps(
    name: string,
    versions: readonly ReleaseVersion[],
    database: DatabaseConfig | undefined,
): ReleaseStep[] {
    if (!database) return [];
    const m = database.migration;
    return versions.map((release) => {
        const key = slug(release.version);
        return {
            snapshotName: `${name}-pre-${key}`,
            migrationName: `${name}-migrate-${key}`,
            version: release.version,
            image: release.image,
            migration: {
                command: m.command,
                backoffLimit: m.backoffLimit,
                activeDeadlineSeconds: m.activeDeadlineSeconds,
            },
        };
    });
}

export interface MigrationJobInputs<N, S> {
    /** Namespace of the Job (an Input in the program). */
    readonly namespace: N;
    /** App identity, resources and UID from `release:app`. */
    readonly app: Pick<StackConfig["app"], "name" | "resources" | "runAsUser">;
    readonly version: string;
    /** That version's pinned image. */
    readonly image: string;
    readonly command: string[];
    /** Pod retries before the Job fails; default 1. */
    readonly backoffLimit?: number;
    /** Hard time limit of the whole Job in seconds; default 900. */
    readonly activeDeadlineSeconds?: number;
    /** Secrets mounted whole as environment; default none. */
    readonly envFromSecrets?: readonly S[];
}

/** How long a migration may run, in seconds: its configured deadline, else 900. */
export const migrationDeadline = (m: { activeDeadlineSeconds?: number }): number =>
    m.activeDeadlineSeconds ?? 900;

/**
 * One version's migration Job (metadata and spec): the version's image running the migrate command
 * once, restricted, with no API token, the migration Secret as its environment. Its name carries
 * the version, since a Job's pod template is immutable.
 */
export function migrationJobArgs<N, S>(m: MigrationJobInputs<N, S>) {
    const labels = {
        "app.kubernetes.io/name": m.app.name,
        "app.kubernetes.io/component": "migration",
        "app.kubernetes.io/part-of": m.app.name,
        "app.kubernetes.io/managed-by": "pulumi",
        version: m.version,
    };
    return {
        metadata: {
            name: migrationJobName(m.app.name, m.version),
            namespace: m.namespace,
            labels,
            // A failed migration is replaced (re-run) by the next `pulumi up` instead of failing
            // again on the same dead Job.
            annotations: { "pulumi.com/replaceUnready": "true" },
        },
        spec: {
            backoffLimit: m.backoffLimit ?? 1,
            activeDeadlineSeconds: migrationDeadline(m),
            template: {
                metadata: { labels },
                spec: {
                    restartPolicy: "Never",
                    automountServiceAccountToken: false,
                    securityContext: restrictedPodSecurity(m.app.runAsUser),
                    containers: [
                        {
                            name: "migrate",
                            image: m.image,
                            imagePullPolicy: "IfNotPresent",
                            command: m.command,
                            env: [{ name: "APP_VERSION", value: m.version }],
                            envFrom: (m.envFromSecrets ?? []).map((s) => ({
                                secretRef: { name: s },
                            })),
                            resources: {
                                requests: m.app.resources.requests,
                                limits: m.app.resources.limits,
                            },
                            securityContext: restrictedContainerSecurity(),
                            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                        },
                    ],
                    volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
                },
            },
        },
    };
}

/** Pulumi waits for the Job to complete (10 min by default): as long as it may run, plus a minute. */
export function migrationTimeouts(m: { activeDeadlineSeconds?: number }) {
    const wait = `${migrationDeadline(m) + 60}s`;
    return { create: wait, update: wait };
}
