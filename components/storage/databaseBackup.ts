import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { BackupConfig } from "../../config/backup";
import {
    SCRATCH_DIR,
    backupCronJobName,
    backupKeyPrefix,
    backupWriteStatements,
    dumpScript,
    uploadScript,
} from "../../decisions/backups";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../../decisions/podSecurity";
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
        const c = args.config;
        this.cronJobName = backupCronJobName(args.dbIdentifier);
        this.keyPrefix = backupKeyPrefix(c.prefix, args.dbIdentifier);
        const labels = {
            "app.kubernetes.io/name": this.cronJobName,
            "app.kubernetes.io/component": "backup",
            "app.kubernetes.io/part-of": args.appName,
            "app.kubernetes.io/managed-by": "pulumi",
        };

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
                labels,
                tags: args.tags,
            },
            { parent: this },
        );

        const uid = args.runAsUser ?? 10001;
        const scratch = `${args.scratchGi}Gi`;
        const small = { cpu: "100m", memory: "256Mi" };
        const mounts = [
            { name: "scratch", mountPath: SCRATCH_DIR },
            { name: "tmp", mountPath: "/tmp" },
        ];
        this.cronJob = new k8s.batch.v1.CronJob(
            `${name}-cronjob`,
            {
                metadata: { name: this.cronJobName, namespace: args.namespace, labels },
                spec: {
                    schedule: c.schedule,
                    timeZone: c.timeZone,
                    // A dump still running when the next slot comes must not get company.
                    concurrencyPolicy: "Forbid",
                    startingDeadlineSeconds: c.startingDeadlineSeconds,
                    successfulJobsHistoryLimit: c.successfulJobsHistoryLimit,
                    failedJobsHistoryLimit: c.failedJobsHistoryLimit,
                    suspend: false,
                    jobTemplate: {
                        metadata: { labels },
                        spec: {
                            backoffLimit: c.backoffLimit,
                            activeDeadlineSeconds: c.activeDeadlineSeconds,
                            template: {
                                metadata: { labels },
                                spec: {
                                    restartPolicy: "Never",
                                    serviceAccountName: this.identity.serviceAccountName,
                                    automountServiceAccountToken: false,
                                    securityContext: restrictedPodSecurity(uid),
                                    // The dump runs first; the upload only starts on a good dump.
                                    initContainers: [
                                        {
                                            name: "pg-dump",
                                            image: c.image,
                                            imagePullPolicy: "IfNotPresent",
                                            command: ["/bin/sh", "-c", dumpScript(c.verify)],
                                            env: [
                                                {
                                                    name: "DATABASE_URL",
                                                    valueFrom: {
                                                        secretKeyRef: {
                                                            name: args.secretName,
                                                            key: args.urlKey ?? "DATABASE_URL",
                                                        },
                                                    },
                                                },
                                                { name: "DB_IDENTIFIER", value: args.dbIdentifier },
                                                { name: "BACKUP_PREFIX", value: this.keyPrefix },
                                            ],
                                            resources: {
                                                requests: {
                                                    ...small,
                                                    "ephemeral-storage": scratch,
                                                },
                                                limits: { cpu: "1", memory: "1Gi" },
                                            },
                                            securityContext: restrictedContainerSecurity(),
                                            volumeMounts: mounts,
                                        },
                                    ],
                                    containers: [
                                        {
                                            name: "upload",
                                            image: c.uploaderImage,
                                            imagePullPolicy: "IfNotPresent",
                                            command: ["/bin/sh", "-c", uploadScript()],
                                            env: [
                                                { name: "BACKUP_BUCKET", value: args.bucket.name },
                                                // The CLI keeps its credential cache under $HOME.
                                                { name: "HOME", value: "/tmp" },
                                            ],
                                            resources: {
                                                requests: small,
                                                limits: { cpu: "1", memory: "512Mi" },
                                            },
                                            securityContext: restrictedContainerSecurity(),
                                            volumeMounts: mounts,
                                        },
                                    ],
                                    volumes: [
                                        { name: "scratch", emptyDir: { sizeLimit: scratch } },
                                        { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                                    ],
                                },
                            },
                        },
                    },
                },
            },
            {
                parent: this,
                dependsOn: [this.identity.serviceAccount, ...(args.gates ?? [])],
            },
        );

        this.registerOutputs({ cronJobName: this.cronJobName, keyPrefix: this.keyPrefix });
    }
}
