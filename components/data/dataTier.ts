import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AppSecret } from "../app/appSecret";
import { Cache } from "./cache";
import type { StackConfig } from "../../config";
import type { CacheConfig, DatabaseConfig, NetworkConfig } from "../../config/data";
import { Database } from "./database";
import type { ReleaseVersion } from "../../decisions/dataNaming";
import {
    dataTierSecretName,
    datastoreSecretData,
    exporterSources,
    migrationSecretName,
    postgresTargets,
    releaseSteps,
    storeGuardrails,
} from "../../decisions/dataTier";
import { MetricsExporters } from "../monitoring/metricsExporters";
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
        const child = { parent: this };
        const guard = storeGuardrails(args.prod ?? false);
        const store = {
            network: args.network,
            applyImmediately: guard.applyImmediately,
            tags: args.tags,
        };

        if (args.database) {
            const { database: config, restoreAfter } = args;
            this.database = new Database(
                `${name}-db`,
                { config, ...store, protectInstances: guard.protect, restoreAfter },
                child,
            );
        }
        if (args.cache) {
            this.cache = new Cache(
                `${name}-cache`,
                { config: args.cache, ...store, protectStore: guard.protect },
                child,
            );
        }

        this.secretName = dataTierSecretName(
            args.app.name,
            this.database?.activeIdentifier,
            args.database,
            args.cache,
        );
        this.migrationSecretName = migrationSecretName(args.app.name);
        const { secret, migrationSecret } = this.secrets(name, args.namespace);
        this.secret = secret.secret;

        new MetricsExporters(
            `${name}-exporters`,
            {
                namespace: args.namespace,
                appName: args.app.name,
                secretName: this.secretName,
                ...exporterSources(
                    args.database,
                    args.cache,
                    this.database ? postgresTargets(this.database) : [],
                ),
                gates: [secret.secret],
            },
            child,
        );

        if (this.database) this.releaseGates(name, args, this.database, migrationSecret);
        this.gates = [
            ...this.snapshots.map((s) => s.snapshot),
            ...this.migrations.map((m) => m.job),
        ];

        this.registerOutputs({
            secretName: this.secretName,
            snapshots: this.snapshots.map((s) => s.snapshotId),
        });
    }

    /** The datastore Secret, and (with a database) the migration Jobs' own Secret. */
    private secrets(name: string, namespace: pulumi.Input<string>) {
        const secret = new AppSecret(
            `${name}-secret`,
            {
                secretName: this.secretName,
                namespace,
                data: datastoreSecretData(this.database, this.cache),
            },
            { parent: this },
        );
        const migrationSecret = this.database
            ? new AppSecret(
                  `${name}-migration-secret`,
                  {
                      secretName: this.migrationSecretName,
                      namespace,
                      data: { DATABASE_URL: this.database.databaseUrl },
                  },
                  { parent: this },
              )
            : undefined;
        return { secret, migrationSecret };
    }

    /** Per deployed version: a snapshot of the active primary, then the migration Job after it. */
    private releaseGates(
        name: string,
        args: DataTierArgs,
        database: Database,
        migrationSecret: AppSecret | undefined,
    ): void {
        for (const step of releaseSteps(name, args.versions, args.database)) {
            const snapshot = new ReleaseSnapshot(
                step.snapshotName,
                {
                    instance: database.primary,
                    dbIdentifier: database.activeIdentifier,
                    version: step.version,
                    tags: args.tags,
                },
                { parent: this },
            );
            const migration = new MigrationJob(
                step.migrationName,
                {
                    namespace: args.namespace,
                    app: args.app,
                    version: step.version,
                    image: step.image,
                    ...step.migration,
                    envFromSecrets: [this.migrationSecretName],
                    gates: [
                        snapshot.snapshot,
                        ...(migrationSecret ? [migrationSecret.secret] : []),
                    ],
                },
                { parent: this },
            );
            this.snapshots.push(snapshot);
            this.migrations.push(migration);
        }
    }
}
