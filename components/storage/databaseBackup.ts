import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { BackupConfig } from "../../config/backup";
import {
    backupCronJobArgs,
    backupCronJobName,
    backupKeyPrefix,
    backupLabels,
    backupWriteStatements,
} from "../../decisions/backups";
import { PodIdentity } from "../identity/podIdentity";

export interface DatabaseBackupArgs {
    /** Namespace of the CronJob and its ServiceAccount; a plain string (no default). */
    readonly namespace: string;
    /** App name, for labels (no default). */
    readonly appName: string;
    /** RDS identifier of the database being dumped; part of names and keys (no default). */
    readonly dbIdentifier: string;
    /** The datastore Secret holding the connection URL (no default). */
    readonly secretName: pulumi.Input<string>;
    /** Key of the connection URL in that Secret; default DATABASE_URL. */
    readonly urlKey?: string;
    /** `release:database.backup` (no default). */
    readonly config: BackupConfig;
    /** Destination bucket name, ARN and (SSE-KMS) key (no default). */
    readonly bucket: {
        readonly name: string;
        readonly arn: pulumi.Input<string>;
        readonly kmsKeyArn?: pulumi.Input<string>;
    };
    /** The cluster's IAM OIDC provider, trusted by the job's pod identity (no default). */
    readonly oidcProviderArn: string;
    /** Scratch space for the dump, in GiB (no default; the database's allocated storage). */
    readonly scratchGi: number;
    /** UID the pod runs as; default 10001. */
    readonly runAsUser?: number;
    /** Resources the CronJob waits for: the bucket's settings, the Secret; default none. */
    readonly gates?: pulumi.Input<pulumi.Resource>[];
    /** Tags on the pod identity's role; default none. */
    readonly tags?: Record<string, string>;
}

/**
 * A logical backup of one database: a CronJob whose pod dumps the database with pg_dump into
 * scratch space, checks the dump, and uploads it with the AWS CLI to a dated key, running under a
 * pod identity that may only write that database's prefix. Never two runs at once.
 */
export class DatabaseBackup extends pulumi.ComponentResource {
    public readonly cronJob: k8s.batch.v1.CronJob;
    public readonly cronJobName: string;
    public readonly identity: PodIdentity;
    /** `<prefix>/<db identifier>`: where the dumps land in the bucket. */
    public readonly keyPrefix: string;

    constructor(name: string, args: DatabaseBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:storage:DatabaseBackup", name, {}, opts);
        this.cronJobName = backupCronJobName(args.dbIdentifier);
        this.keyPrefix = backupKeyPrefix(args.config.prefix, args.dbIdentifier);

        this.identity = new PodIdentity(
            `${name}-identity`,
            {
                namespace: args.namespace,
                serviceAccountName: this.cronJobName,
                oidcProviderArn: args.oidcProviderArn,
                statements: backupWriteStatements({
                    bucketArn: args.bucket.arn,
                    prefixArn: pulumi.interpolate`${args.bucket.arn}/${this.keyPrefix}/*`,
                    kmsKeyArn: args.bucket.kmsKeyArn,
                }),
                labels: backupLabels(this.cronJobName, args.appName),
                tags: args.tags,
            },
            { parent: this },
        );

        this.cronJob = new k8s.batch.v1.CronJob(
            `${name}-cronjob`,
            backupCronJobArgs({
                namespace: args.namespace,
                appName: args.appName,
                dbIdentifier: args.dbIdentifier,
                secretName: args.secretName,
                urlKey: args.urlKey,
                config: args.config,
                bucketName: args.bucket.name,
                scratchGi: args.scratchGi,
                runAsUser: args.runAsUser,
                serviceAccountName: this.identity.serviceAccountName,
            }),
            {
                parent: this,
                dependsOn: [this.identity.serviceAccount, ...(args.gates ?? [])],
            },
        );

        this.registerOutputs({ cronJobName: this.cronJobName, keyPrefix: this.keyPrefix });
    }
}
