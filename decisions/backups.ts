// Pure builders for the database's logical backup: the CronJob's name and scripts, the S3 key
// layout, the write-only permissions of its pod identity, and the staleness alert.
import type { BackupConfig } from "../config/backup";
import type { PolicyStatement } from "./podIdentity";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./podSecurity";

/** CronJob names are at most 52 characters: the Jobs it creates append 11. */
export const CRONJOB_NAME_MAX = 52;

/** `<db identifier>-backup`, shortened to fit a CronJob name. */
export function backupCronJobName(dbIdentifier: string): string {
    return `${dbIdentifier.slice(0, CRONJOB_NAME_MAX - "-backup".length).replace(/-+$/, "")}-backup`;
}

/** Key prefix of one database's dumps: `<prefix>/<db identifier>`. */
export function backupKeyPrefix(prefix: string, dbIdentifier: string): string {
    return `${prefix.replace(/\/+$/, "")}/${dbIdentifier}`;
}

/** Where the dump is written inside the pod (an emptyDir shared by both containers). */
export const SCRATCH_DIR = "/backup";

/**
 * The dump step: a compressed custom-format pg_dump of the whole database (restorable with
 * pg_restore into a new database), optionally read back with `pg_restore --list` so a truncated
 * file never gets uploaded, and the object key dated by when the dump started:
 * `<prefix>/<db>/<yyyy>/<mm>/<dd>/<db>-<yyyymmdd>T<hhmmss>Z.pgdump`.
 */
export function dumpScript(verify: boolean): string {
    return [
        "set -eu",
        `key="$(date -u +"$BACKUP_PREFIX/%Y/%m/%d/$DB_IDENTIFIER-%Y%m%dT%H%M%SZ.pgdump")"`,
        `pg_dump --format=custom --compress=6 --no-owner --no-privileges --dbname="$DATABASE_URL" --file=${SCRATCH_DIR}/dump.pgdump`,
        ...(verify ? [`pg_restore --list ${SCRATCH_DIR}/dump.pgdump > /dev/null`] : []),
        `printf '%s' "$key" > ${SCRATCH_DIR}/key`,
    ].join("\n");
}

/** The upload step: copy the dump to its dated key; the bucket's default encryption applies. */
export function uploadScript(): string {
    return [
        "set -eu",
        `key="$(cat ${SCRATCH_DIR}/key)"`,
        `aws s3 cp ${SCRATCH_DIR}/dump.pgdump "s3://$BACKUP_BUCKET/$key" --only-show-errors`,
        `echo "backup uploaded to s3://$BACKUP_BUCKET/$key"`,
    ].join("\n");
}

export interface BackupWriteInputs<R> {
    readonly bucketArn: R;
    /** `<bucket ARN>/<key prefix>/*`: the only keys the job may write. */
    readonly prefixArn: R;
    readonly kmsKeyArn?: R;
}

/**
 * Write-only on the database's own prefix: put (and finish or abort multipart uploads), never
 * read, list or delete. A compromised backup job cannot read or destroy earlier backups.
 */
export function backupWriteStatements<R>(b: BackupWriteInputs<R>): PolicyStatement<R>[] {
    const out: PolicyStatement<R>[] = [
        {
            Sid: "WriteBackups",
            Effect: "Allow",
            Action: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
            Resource: [b.prefixArn],
        },
    ];
    if (b.kmsKeyArn !== undefined) {
        // Multipart uploads to an SSE-KMS bucket need Decrypt as well as GenerateDataKey.
        out.push({
            Sid: "EncryptBackups",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: [b.kmsKeyArn],
        });
    }
    return out;
}

/** The labels of the CronJob, its Jobs and their pods. */
export function backupLabels(cronJobName: string, appName: string) {
    return {
        "app.kubernetes.io/name": cronJobName,
        "app.kubernetes.io/component": "backup",
        "app.kubernetes.io/part-of": appName,
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

export interface BackupCronJobInputs<S> {
    readonly namespace: string;
    readonly appName: string;
    /** RDS identifier of the database being dumped. */
    readonly dbIdentifier: string;
    /** The datastore Secret holding the connection URL (an Input in the program). */
    readonly secretName: S;
    /** Key of the connection URL in that Secret; default DATABASE_URL. */
    readonly urlKey?: string;
    readonly config: BackupConfig;
    /** Destination bucket's name. */
    readonly bucketName: string;
    /** Scratch space for the dump, in GiB. */
    readonly scratchGi: number;
    /** UID the pod runs as; default 10001. */
    readonly runAsUser?: number;
    /** The ServiceAccount of the job's pod identity. */
    readonly serviceAccountName: string;
}

const SMALL = { cpu: "100m", memory: "256Mi" };
const SCRATCH_MOUNTS = [
    { name: "scratch", mountPath: SCRATCH_DIR },
    { name: "tmp", mountPath: "/tmp" },
];

/** The init container: dumps (and checks) the database into scratch space and records the key. */
export function dumpContainer<S>(b: BackupCronJobInputs<S>) {
    return {
        name: "pg-dump",
        image: b.config.image,
        imagePullPolicy: "IfNotPresent",
        command: ["/bin/sh", "-c", dumpScript(b.config.verify)],
        env: [
            {
                name: "DATABASE_URL",
                valueFrom: {
                    secretKeyRef: { name: b.secretName, key: b.urlKey ?? "DATABASE_URL" },
                },
            },
            { name: "DB_IDENTIFIER", value: b.dbIdentifier },
            { name: "BACKUP_PREFIX", value: backupKeyPrefix(b.config.prefix, b.dbIdentifier) },
        ],
        resources: {
            requests: { ...SMALL, "ephemeral-storage": `${b.scratchGi}Gi` },
            limits: { cpu: "1", memory: "1Gi" },
        },
        securityContext: restrictedContainerSecurity(),
        volumeMounts: SCRATCH_MOUNTS,
    };
}

/** The container that uploads the checked dump to its dated key with the AWS CLI. */
export function uploadContainer<S>(b: BackupCronJobInputs<S>) {
    return {
        name: "upload",
        image: b.config.uploaderImage,
        imagePullPolicy: "IfNotPresent",
        command: ["/bin/sh", "-c", uploadScript()],
        env: [
            { name: "BACKUP_BUCKET", value: b.bucketName },
            // The CLI keeps its credential cache under $HOME.
            { name: "HOME", value: "/tmp" },
        ],
        resources: { requests: SMALL, limits: { cpu: "1", memory: "512Mi" } },
        securityContext: restrictedContainerSecurity(),
        volumeMounts: SCRATCH_MOUNTS,
    };
}

/**
 * The backup CronJob (metadata and spec): never two runs at once, deadlines and history limits from
 * config, and a pod that dumps first and uploads only a good dump, under the job's pod identity.
 */
export function backupCronJobArgs<S>(b: BackupCronJobInputs<S>) {
    const c = b.config;
    const name = backupCronJobName(b.dbIdentifier);
    const labels = backupLabels(name, b.appName);
    return {
        metadata: { name, namespace: b.namespace, labels },
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
                            serviceAccountName: b.serviceAccountName,
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurity(b.runAsUser ?? 10001),
                            // The dump runs first; the upload only starts on a good dump.
                            initContainers: [dumpContainer(b)],
                            containers: [uploadContainer(b)],
                            volumes: [
                                { name: "scratch", emptyDir: { sizeLimit: `${b.scratchGi}Gi` } },
                                { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                            ],
                        },
                    },
                },
            },
        },
    };
}

export const BACKUP_ALERT = "DatabaseBackupStale";

export interface BackupAlertInputs {
    readonly namespace: string;
    readonly cronJob: string;
    readonly dbIdentifier: string;
    readonly maxAgeHours: number;
    readonly team: string;
    readonly runbookBaseUrl: string;
    /** kube-state-metrics names (a stack may rename them); default the catalogue's. */
    readonly metrics?: { readonly lastSuccess: string; readonly created: string };
}

/**
 * Fires when the CronJob's last successful run (kube-state-metrics) is older than the limit, and
 * also when a CronJob older than the limit has never succeeded (the series is then absent).
 */
export function backupAlertRule(b: BackupAlertInputs) {
    const sel = `namespace="${b.namespace}", cronjob="${b.cronJob}"`;
    const limit = b.maxAgeHours * 3600;
    const last = b.metrics?.lastSuccess ?? "kube_cronjob_status_last_successful_time";
    const created = b.metrics?.created ?? "kube_cronjob_created";
    return {
        alert: BACKUP_ALERT,
        expr: [
            `(time() - max by (namespace, cronjob) (${last}{${sel}})) > ${limit}`,
            `or`,
            `((time() - max by (namespace, cronjob) (${created}{${sel}})) > ${limit}`,
            `  unless on (namespace, cronjob) ${last}{${sel}})`,
        ].join("\n"),
        for: "10m",
        labels: { severity: "critical" as const, team: b.team },
        annotations: {
            summary: `No successful backup of ${b.dbIdentifier} for more than ${b.maxAgeHours} h`,
            description: `CronJob ${b.namespace}/${b.cronJob} has not completed a pg_dump to S3 in the last ${b.maxAgeHours} hours: check its latest Job's logs (kubectl -n ${b.namespace} logs job/<name> --all-containers).`,
            runbook_url: `${b.runbookBaseUrl}${BACKUP_ALERT}`,
        },
    };
}

/** The PrometheusRule group holding the backup alert of each backed-up database. */
export function backupRuleGroup(alerts: BackupAlertInputs[]) {
    return { name: "database-backups", rules: alerts.map(backupAlertRule) };
}

/** The backup the staleness alert watches, from the database config; none without a backup. */
export function backupAlertInputs(
    database: { identifier: string; backup?: { maxAgeHours: number } } | undefined,
): { cronJob: string; dbIdentifier: string; maxAgeHours: number }[] {
    if (!database?.backup) return [];
    return [
        {
            cronJob: backupCronJobName(database.identifier),
            dbIdentifier: database.identifier,
            maxAgeHours: database.backup.maxAgeHours,
        },
    ];
}
