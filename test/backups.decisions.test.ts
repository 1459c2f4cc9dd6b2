// The database backup decisions, called directly: CronJob names at their length limit, the key
// layout, both scripts, write-only permissions, and the staleness alert as Prometheus receives it.
import * as assert from "assert";
import { backupSchema } from "../config/backup";
import {
    BACKUP_ALERT,
    backupAlertInputs,
    backupCronJobArgs,
    backupLabels,
    dumpContainer,
    uploadContainer,
    backupAlertRule,
    backupCronJobName,
    backupKeyPrefix,
    backupRuleGroup,
    backupWriteStatements,
    dumpScript,
    uploadScript,
} from "../decisions/backups";

describe("backup decisions", () => {
    it("names the CronJob <db>-backup within 52 characters, without a doubled hyphen", () => {
        assert.strictEqual(backupCronJobName("nv-prod"), "nv-prod-backup");
        const at = "d".repeat(45);
        assert.strictEqual(backupCronJobName(at), `${at}-backup`);
        assert.strictEqual(backupCronJobName(`${at}x`), `${at}-backup`);
        // The cut lands right after a run of hyphens: all of them go.
        assert.strictEqual(backupCronJobName(`${"d".repeat(43)}--x`), `${"d".repeat(43)}-backup`);
    });

    it("keys dumps under <prefix>/<db>, whatever slashes the prefix ends in", () => {
        assert.strictEqual(backupKeyPrefix("postgres", "nv-prod"), "postgres/nv-prod");
        assert.strictEqual(backupKeyPrefix("postgres//", "nv-prod"), "postgres/nv-prod");
        assert.strictEqual(backupKeyPrefix("a/b/", "db"), "a/b/db");
    });

    it("dumps in custom format, optionally verifies the dump, and records a dated key", () => {
        const lines = [
            "set -eu",
            `key="$(date -u +"$BACKUP_PREFIX/%Y/%m/%d/$DB_IDENTIFIER-%Y%m%dT%H%M%SZ.pgdump")"`,
            `pg_dump --format=custom --compress=6 --no-owner --no-privileges --dbname="$DATABASE_URL" --file=/backup/dump.pgdump`,
            `printf '%s' "$key" > /backup/key`,
        ];
        assert.strictEqual(dumpScript(false), lines.join("\n"));
        assert.strictEqual(
            dumpScript(true),
            [
                ...lines.slice(0, 3),
                "pg_restore --list /backup/dump.pgdump > /dev/null",
                lines[3],
            ].join("\n"),
        );
    });

    it("uploads the dump to its recorded key", () => {
        assert.strictEqual(
            uploadScript(),
            [
                "set -eu",
                'key="$(cat /backup/key)"',
                'aws s3 cp /backup/dump.pgdump "s3://$BACKUP_BUCKET/$key" --only-show-errors',
                'echo "backup uploaded to s3://$BACKUP_BUCKET/$key"',
            ].join("\n"),
        );
    });

    it("may only write its own prefix, and use the bucket key when there is one", () => {
        const write = {
            Sid: "WriteBackups",
            Effect: "Allow",
            Action: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
            Resource: ["B/postgres/nv-prod/*"],
        };
        assert.deepStrictEqual(
            backupWriteStatements({ bucketArn: "B", prefixArn: "B/postgres/nv-prod/*" }),
            [write],
        );
        assert.deepStrictEqual(
            backupWriteStatements({
                bucketArn: "B",
                prefixArn: "B/postgres/nv-prod/*",
                kmsKeyArn: "K",
            }),
            [
                write,
                {
                    Sid: "EncryptBackups",
                    Effect: "Allow",
                    Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                    Resource: ["K"],
                },
            ],
        );
    });

    it("alerts when the last success, or a CronJob that never succeeded, is older than the limit", () => {
        const inputs = {
            namespace: "notevault",
            cronJob: "nv-prod-backup",
            dbIdentifier: "nv-prod",
            maxAgeHours: 26,
            team: "platform",
            runbookBaseUrl: "https://runbooks.example.com/",
        };
        const sel = 'namespace="notevault", cronjob="nv-prod-backup"';
        const rule = {
            alert: "DatabaseBackupStale",
            expr: [
                `(time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time{${sel}})) > 93600`,
                "or",
                `((time() - max by (namespace, cronjob) (kube_cronjob_created{${sel}})) > 93600`,
                `  unless on (namespace, cronjob) kube_cronjob_status_last_successful_time{${sel}})`,
            ].join("\n"),
            for: "10m",
            labels: { severity: "critical", team: "platform" },
            annotations: {
                summary: "No successful backup of nv-prod for more than 26 h",
                description:
                    "CronJob notevault/nv-prod-backup has not completed a pg_dump to S3 in the last 26 hours: check its latest Job's logs (kubectl -n notevault logs job/<name> --all-containers).",
                runbook_url: "https://runbooks.example.com/DatabaseBackupStale",
            },
        };
        assert.strictEqual(BACKUP_ALERT, rule.alert);
        assert.deepStrictEqual(backupAlertRule(inputs), rule);
        assert.deepStrictEqual(backupRuleGroup([inputs]), {
            name: "database-backups",
            rules: [rule],
        });
        assert.deepStrictEqual(backupRuleGroup([]), { name: "database-backups", rules: [] });
    });
});

describe("backup CronJob builder", () => {
    const inputs = (over: Record<string, unknown> = {}, config: Record<string, unknown> = {}) => ({
        namespace: "nv",
        appName: "notevault",
        dbIdentifier: "nv-prod",
        secretName: "notevault-data-abc",
        config: backupSchema.parse({ bucket: "backups", ...config }),
        bucketName: "nv-backups-prod",
        scratchGi: 50,
        serviceAccountName: "nv-prod-backup",
        ...over,
    });
    const restricted = {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
    };
    const mounts = [
        { name: "scratch", mountPath: "/backup" },
        { name: "tmp", mountPath: "/tmp" },
    ];

    it("labels the CronJob, its Jobs and pods as the app's backup", () => {
        assert.deepStrictEqual(backupLabels("nv-prod-backup", "notevault"), {
            "app.kubernetes.io/name": "nv-prod-backup",
            "app.kubernetes.io/component": "backup",
            "app.kubernetes.io/part-of": "notevault",
            "app.kubernetes.io/managed-by": "pulumi",
        });
        const job = backupCronJobArgs(inputs());
        const labels = backupLabels("nv-prod-backup", "notevault");
        assert.deepStrictEqual(job.metadata, { name: "nv-prod-backup", namespace: "nv", labels });
        assert.deepStrictEqual(job.spec.jobTemplate.metadata, { labels });
        assert.deepStrictEqual(job.spec.jobTemplate.spec.template.metadata, { labels });
    });

    it("never runs two dumps at once, with the schedule, deadlines and limits from config", () => {
        const config = {
            schedule: "15 3 * * *",
            timeZone: "Europe/Berlin",
            startingDeadlineSeconds: 120,
            successfulJobsHistoryLimit: 5,
            failedJobsHistoryLimit: 4,
            backoffLimit: 1,
            activeDeadlineSeconds: 7200,
        };
        const { spec } = backupCronJobArgs(inputs({}, config));
        assert.strictEqual(spec.schedule, "15 3 * * *");
        assert.strictEqual(spec.timeZone, "Europe/Berlin");
        assert.strictEqual(spec.concurrencyPolicy, "Forbid");
        assert.strictEqual(spec.startingDeadlineSeconds, 120);
        assert.strictEqual(spec.successfulJobsHistoryLimit, 5);
        assert.strictEqual(spec.failedJobsHistoryLimit, 4);
        assert.strictEqual(spec.suspend, false);
        assert.strictEqual(spec.jobTemplate.spec.backoffLimit, 1);
        assert.strictEqual(spec.jobTemplate.spec.activeDeadlineSeconds, 7200);
    });

    it("runs the pod restricted, under the pod identity, without a mounted API token", () => {
        const pod = backupCronJobArgs(inputs()).spec.jobTemplate.spec.template.spec;
        assert.strictEqual(pod.restartPolicy, "Never");
        assert.strictEqual(pod.serviceAccountName, "nv-prod-backup");
        assert.strictEqual(pod.automountServiceAccountToken, false);
        assert.strictEqual(pod.securityContext.runAsUser, 10001);
        assert.strictEqual(pod.securityContext.runAsNonRoot, true);
        assert.strictEqual(
            backupCronJobArgs(inputs({ runAsUser: 2000 })).spec.jobTemplate.spec.template.spec
                .securityContext.runAsUser,
            2000,
        );
        // The dump is the init container: the upload only starts once it succeeded.
        assert.deepStrictEqual(pod.initContainers, [dumpContainer(inputs())]);
        assert.deepStrictEqual(pod.containers, [uploadContainer(inputs())]);
        assert.deepStrictEqual(pod.volumes, [
            { name: "scratch", emptyDir: { sizeLimit: "50Gi" } },
            { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
        ]);
    });

    it("dumps from the datastore Secret's URL into scratch space as big as the database", () => {
        const dump = dumpContainer(inputs({}, { verify: false, prefix: "dumps" }));
        assert.strictEqual(dump.name, "pg-dump");
        assert.strictEqual(dump.image, backupSchema.parse({ bucket: "b" }).image);
        assert.strictEqual(dump.imagePullPolicy, "IfNotPresent");
        assert.deepStrictEqual(dump.command, ["/bin/sh", "-c", dumpScript(false)]);
        assert.deepStrictEqual(dump.env, [
            {
                name: "DATABASE_URL",
                valueFrom: { secretKeyRef: { name: "notevault-data-abc", key: "DATABASE_URL" } },
            },
            { name: "DB_IDENTIFIER", value: "nv-prod" },
            { name: "BACKUP_PREFIX", value: "dumps/nv-prod" },
        ]);
        assert.deepStrictEqual(dump.resources, {
            requests: { cpu: "100m", memory: "256Mi", "ephemeral-storage": "50Gi" },
            limits: { cpu: "1", memory: "1Gi" },
        });
        assert.deepStrictEqual(dump.securityContext, restricted);
        assert.deepStrictEqual(dump.volumeMounts, mounts);
        const other = dumpContainer(inputs({ urlKey: "DATABASE_URL_BASE" }));
        assert.deepStrictEqual(other.env[0].valueFrom?.secretKeyRef, {
            name: "notevault-data-abc",
            key: "DATABASE_URL_BASE",
        });
        assert.deepStrictEqual(other.command, ["/bin/sh", "-c", dumpScript(true)]);
    });

    it("uploads with the AWS CLI to the bucket, its cache in the writable /tmp", () => {
        const up = uploadContainer(inputs({}, { uploaderImage: "example.com/aws-cli:2.0.0" }));
        assert.deepStrictEqual(up, {
            name: "upload",
            image: "example.com/aws-cli:2.0.0",
            imagePullPolicy: "IfNotPresent",
            command: ["/bin/sh", "-c", uploadScript()],
            env: [
                { name: "BACKUP_BUCKET", value: "nv-backups-prod" },
                { name: "HOME", value: "/tmp" },
            ],
            resources: {
                requests: { cpu: "100m", memory: "256Mi" },
                limits: { cpu: "1", memory: "512Mi" },
            },
            securityContext: restricted,
            volumeMounts: mounts,
        });
    });
});

describe("backup alert inputs", () => {
    it("watch the configured database's CronJob, and nothing without a backup", () => {
        assert.deepStrictEqual(backupAlertInputs(undefined), []);
        assert.deepStrictEqual(backupAlertInputs({ identifier: "nv-prod" }), []);
        assert.deepStrictEqual(
            backupAlertInputs({ identifier: "nv-prod", backup: { maxAgeHours: 30 } }),
            [{ cronJob: "nv-prod-backup", dbIdentifier: "nv-prod", maxAgeHours: 30 }],
        );
    });
});
