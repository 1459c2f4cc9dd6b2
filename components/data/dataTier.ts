import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AppSecret } from "../app/appSecret";
import { Cache } from "./cache";
import type { StackConfig } from "../../config";
import type { CacheConfig, DatabaseConfig, NetworkConfig } from "../../config/data";
import { Database } from "./database";
import {
    DATASTORE_KEYS,
    datastoreSecretName,
    slug,
    type ReleaseVersion,
} from "../../decisions/dataNaming";
import { MetricsExporters, type ExporterTarget } from "../monitoring/metricsExporters";
import { MigrationJob } from "./migrationJob";
import { ReleaseSnapshot } from "./releaseSnapshot";

export interface DataTierArgs {
    /** App identity (name, UID, resources) from `release:app` (no default). */
    readonly app: StackConfig["app"];
    /** Namespace of the Secret, exporters and migration Jobs (no default). */
    readonly namespace: pulumi.Input<string>;
    /** `release:network` (no default). */
    readonly network: NetworkConfig;
    /** `release:database`; default no database. */
    readonly database?: DatabaseConfig;
    /** `release:cache`; default no cache. */
    readonly cache?: CacheConfig;
    /** Deployed versions (from `releaseVersions`), each getting a snapshot and a migration. */
    readonly versions: ReleaseVersion[];
    /** Prod guardrails: `protect` on the stores, changes wait for the maintenance window; default false. */
    readonly prod?: boolean;
    /** Tags on every AWS resource; default none. */
    readonly tags?: Record<string, string>;
    /** What a database restore waits for (the workloads with writes stopped); default nothing. */
    readonly restoreAfter?: Promise<pulumi.Resource[]>;
}

/**
 * The data tier: database and cache, the Secret that carries their URLs to both colours, the
 * exporters, and per deployed version a release snapshot followed by a migration Job. `gates` lists
 * what the router must wait for before any weight moves.
 */
export class DataTier extends pulumi.ComponentResource {
    public readonly database?: Database;
    public readonly cache?: Cache;
    /** Name of the Secret holding the URLs and connection parts (DATASTORE_KEYS). */
    public readonly secretName: string;
    /** That Secret: workloads wait for it before their pods start. */
    public readonly secret: k8s.core.v1.Secret;
    /** Name of the Secret the migration Jobs mount (DATABASE_URL only). */
    public readonly migrationSecretName: string;
    public readonly snapshots: ReleaseSnapshot[] = [];
    public readonly migrations: MigrationJob[] = [];
    /** Snapshots and migration Jobs: routing objects dependOn all of them. */
    public readonly gates: pulumi.Resource[];

    constructor(name: string, args: DataTierArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:data:DataTier", name, {}, opts);
        const prod = args.prod ?? false;
        const child = { parent: this };

        if (args.database) {
            this.database = new Database(
                `${name}-db`,
                {
                    config: args.database,
                    network: args.network,
                    protectInstances: prod,
                    applyImmediately: !prod,
                    tags: args.tags,
                    restoreAfter: args.restoreAfter,
                },
                child,
            );
        }
        if (args.cache) {
            this.cache = new Cache(
                `${name}-cache`,
                {
                    config: args.cache,
                    network: args.network,
                    protectStore: prod,
                    applyImmediately: !prod,
                    tags: args.tags,
                },
                child,
            );
        }

        // Every form a workload's data contract may ask for (DATASTORE_KEYS); workloads pick theirs.
        const K = DATASTORE_KEYS;
        const data: Record<string, pulumi.Input<string>> = {};
        const pgTargets: ExporterTarget[] = [];
        if (this.database) {
            const db = this.database;
            const c = db.connection;
            data[K.databaseUrl] = db.databaseUrl;
            data[K.databaseUrlBase] = c.urlBase;
            data[K.databaseHost] = c.host;
            data[K.databasePort] = c.port;
            data[K.databaseName] = c.dbName;
            data[K.databaseUser] = c.username;
            data[K.databasePassword] = c.password;
            pgTargets.push({
                name: db.activeIdentifier,
                role: "primary",
                secretKey: K.databaseUrl,
            });
            db.replicaUrls.forEach((url, i) => {
                const key = K.replicaUrl(i + 1);
                data[key] = url;
                data[K.replicaUrlBase(i + 1)] = c.replicaUrlBases[i];
                pgTargets.push({
                    name: db.activeReplicaIdentifiers[i],
                    role: "replica",
                    secretKey: key,
                });
            });
        }
        if (this.cache) {
            const c = this.cache.connection;
            data[K.redisUrl] = this.cache.redisUrl;
            data[K.redisHost] = c.host;
            data[K.redisPort] = c.port;
            data[K.redisPassword] = c.password;
        }

        this.secretName = datastoreSecretName(args.app.name, [
            this.database?.activeIdentifier ?? "",
            args.database?.passwordRotation ?? 0,
            args.cache?.replicationGroupId ?? "",
            args.cache?.authTokenRotation ?? 0,
        ]);
        const secret = new AppSecret(
            `${name}-secret`,
            { secretName: this.secretName, namespace: args.namespace, data },
            child,
        );
        this.secret = secret.secret;
        // Migrations read a Secret whose name never changes: a restore or rotation must not
        // change (and so re-run) a Job that already ran.
        this.migrationSecretName = `${args.app.name}-migrations`;
        const migrationSecret = this.database
            ? new AppSecret(
                  `${name}-migration-secret`,
                  {
                      secretName: this.migrationSecretName,
                      namespace: args.namespace,
                      data: { DATABASE_URL: this.database.databaseUrl },
                  },
                  child,
              )
            : undefined;

        new MetricsExporters(
            `${name}-exporters`,
            {
                namespace: args.namespace,
                appName: args.app.name,
                secretName: this.secretName,
                postgres: args.database && {
                    image: args.database.exporterImage,
                    targets: pgTargets,
                },
                redis: args.cache && { image: args.cache.exporterImage, secretKey: "REDIS_URL" },
                gates: [secret.secret],
            },
            child,
        );

        if (this.database && args.database) {
            for (const release of args.versions) {
                const key = slug(release.version);
                const snapshot = new ReleaseSnapshot(
                    `${name}-pre-${key}`,
                    {
                        instance: this.database.primary,
                        dbIdentifier: this.database.activeIdentifier,
                        version: release.version,
                        tags: args.tags,
                    },
                    child,
                );
                const migration = new MigrationJob(
                    `${name}-migrate-${key}`,
                    {
                        namespace: args.namespace,
                        app: args.app,
                        version: release.version,
                        image: release.image,
                        command: args.database.migration.command,
                        backoffLimit: args.database.migration.backoffLimit,
                        activeDeadlineSeconds: args.database.migration.activeDeadlineSeconds,
                        envFromSecrets: [this.migrationSecretName],
                        gates: [
                            snapshot.snapshot,
                            ...(migrationSecret ? [migrationSecret.secret] : []),
                        ],
                    },
                    child,
                );
                this.snapshots.push(snapshot);
                this.migrations.push(migration);
            }
        }
        this.gates = [
            ...this.snapshots.map((s) => s.snapshot),
            ...this.migrations.map((m) => m.job),
        ];

        this.registerOutputs({
            secretName: this.secretName,
            snapshots: this.snapshots.map((s) => s.snapshotId),
        });
    }
}
