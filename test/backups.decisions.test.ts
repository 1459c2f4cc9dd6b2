// The database backup decisions, called directly: CronJob names at their length limit, the key
// layout, both scripts, write-only permissions, and the staleness alert as Prometheus receives it.
import * as assert from "assert";
import {
    BACKUP_ALERT,
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
