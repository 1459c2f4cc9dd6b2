// Buckets: default names, the TLS-only bucket policy, lifecycle rules, and the config rules that
// refuse what S3 would refuse.
import * as assert from "assert";
import { configProblems } from "./helpers";
import { happyConfig } from "./parsedStacks";
import { backupProblems, backupSchema } from "../config/backup";
import { bucketEnvVar, bucketSchema, storageProblems } from "../config/storage";
import { bucketPolicyDocument, defaultBucketName, lifecycleRules } from "../decisions/storage";

const bucket = (over: Record<string, unknown> = {}) => bucketSchema.parse(over);

describe("bucket decisions", () => {
    it("names buckets after app, key, stage and region, within 63 characters", () => {
        assert.strictEqual(
            defaultBucketName({
                appName: "notevault-api",
                key: "uploads",
                stage: "prod",
                region: "eu-west-1",
            }),
            "notevault-api-uploads-prod-eu-west-1",
        );
        const a = defaultBucketName({
            appName: "a".repeat(40),
            key: "b".repeat(40),
            stage: "prod",
            region: "us-east-1",
        });
        const b = defaultBucketName({
            appName: "a".repeat(40),
            key: "b".repeat(40),
            stage: "prod",
            region: "eu-west-1",
        });
        assert.ok(a.length <= 63 && b.length <= 63);
        assert.notStrictEqual(a, b);
        assert.match(a, /^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
    });

    it("denies every request without TLS 1.2+, for every principal, on the bucket and its objects", () => {
        const doc = bucketPolicyDocument("arn:aws:s3:::b");
        assert.deepStrictEqual(
            doc.Statement.map((s) => [s.Effect, s.Principal, s.Action, s.Resource, s.Condition]),
            [
                [
                    "Deny",
                    "*",
                    "s3:*",
                    ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                    { Bool: { "aws:SecureTransport": "false" } },
                ],
                [
                    "Deny",
                    "*",
                    "s3:*",
                    ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                    { NumericLessThan: { "s3:TlsVersion": "1.2" } },
                ],
            ],
        );
    });

    it("a bucket with no configuration is encrypted with its own key, versioned and cleans up uploads", () => {
        const b = bucket();
        assert.strictEqual(b.encryption, "sse-kms");
        assert.strictEqual(b.versioning, true);
        assert.deepStrictEqual(b.access, {});
        assert.deepStrictEqual(lifecycleRules(b), [
            {
                id: "housekeeping",
                status: "Enabled",
                filter: { prefix: "" },
                abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                expiration: { expiredObjectDeleteMarker: true },
            },
        ]);
    });

    it("turns configured rules into S3 lifecycle rules", () => {
        const rules = lifecycleRules(
            bucket({
                lifecycle: [
                    {
                        id: "dumps",
                        prefix: "postgres/",
                        transitions: [
                            { days: 30, storageClass: "STANDARD_IA" },
                            { days: 90, storageClass: "GLACIER" },
                        ],
                        expireAfterDays: 365,
                        noncurrentExpireAfterDays: 30,
                    },
                ],
            }),
        );
        assert.deepStrictEqual(rules[0], {
            id: "dumps",
            status: "Enabled",
            filter: { prefix: "postgres/" },
            transitions: [
                { days: 30, storageClass: "STANDARD_IA" },
                { days: 90, storageClass: "GLACIER" },
            ],
            expiration: { days: 365 },
            noncurrentVersionExpiration: { noncurrentDays: 30 },
        });
        assert.strictEqual(rules[1].id, "housekeeping");
        // An unversioned bucket has no delete markers to clean up.
        assert.strictEqual(lifecycleRules(bucket({ versioning: false }))[0].expiration, undefined);
    });

    it("derives the env var from the key", () => {
        assert.strictEqual(bucketEnvVar("user-uploads"), "USER_UPLOADS_BUCKET");
    });
});

describe("release:buckets rules", () => {
    const problems = (stage: "staging" | "prod", buckets: Record<string, unknown>) =>
        storageProblems({
            ...happyConfig(stage),
            buckets: Object.fromEntries(
                Object.entries(buckets).map(([k, v]) => [k, bucket(v as any)]),
            ),
        }).map((p) => `${p.path.join(".")}: ${p.message}`);

    it("accepts the defaults in prod", () => {
        assert.deepStrictEqual(problems("prod", { uploads: {} }), []);
    });

    it("refuses an unversioned prod bucket", () => {
        assert.deepStrictEqual(problems("prod", { uploads: { versioning: false } }), [
            "buckets.uploads.versioning: must be true in prod (a deleted or overwritten object stays recoverable)",
        ]);
        assert.deepStrictEqual(problems("staging", { uploads: { versioning: false } }), []);
    });

    it("refuses transitions S3 would refuse", () => {
        const rule = (r: Record<string, unknown>) => ({ lifecycle: [{ id: "r", ...r }] });
        assert.deepStrictEqual(
            problems("staging", {
                b: rule({ transitions: [{ days: 10, storageClass: "STANDARD_IA" }] }),
            }),
            [
                "buckets.b.lifecycle.0.transitions.0.days: must be at least 30 for STANDARD_IA (S3 refuses earlier transitions)",
            ],
        );
        assert.deepStrictEqual(
            problems("staging", {
                b: rule({
                    transitions: [{ days: 100, storageClass: "GLACIER" }],
                    expireAfterDays: 100,
                }),
            }),
            [
                "buckets.b.lifecycle.0.transitions.0.days: must be less than expireAfterDays (100): S3 refuses a transition on or after expiry",
            ],
        );
        assert.deepStrictEqual(
            problems("staging", {
                b: rule({
                    transitions: [
                        { days: 30, storageClass: "GLACIER" },
                        { days: 60, storageClass: "STANDARD_IA" },
                    ],
                }),
            }),
            [
                "buckets.b.lifecycle.0.transitions.1.storageClass: must not be warmer than GLACIER, which the rule reaches earlier (S3 only moves objects to colder classes)",
            ],
        );
        assert.deepStrictEqual(problems("staging", { b: rule({}) }), [
            "buckets.b.lifecycle.0: must set at least one of transitions, expireAfterDays, noncurrentTransitions, noncurrentExpireAfterDays",
        ]);
        assert.deepStrictEqual(
            problems("staging", {
                b: { versioning: false, ...rule({ noncurrentExpireAfterDays: 30 }) },
            }),
            [
                "buckets.b.lifecycle.0.noncurrentExpireAfterDays: must not be set when release:buckets.b.versioning is false (there are no noncurrent versions)",
            ],
        );
        assert.deepStrictEqual(
            problems("staging", { b: { lifecycle: [{ id: "housekeeping", expireAfterDays: 5 }] } }),
            [
                'buckets.b.lifecycle.0.id: must not be "housekeeping" (every bucket gets a rule with that id)',
            ],
        );
    });

    it("refuses a bucket env var only when the granted workload mounts a secret of that name", () => {
        const cfg = happyConfig("staging");
        const granted = {
            ...cfg,
            buckets: { uploads: bucket({ access: { api: "read" } }) },
            appSecrets: { ...cfg.appSecrets, UPLOADS_BUCKET: "placeholder" },
        };
        const api = cfg.workloads.api;
        const withKeys = (secretKeys: string[] | undefined) =>
            storageProblems({
                ...granted,
                workloads: { ...cfg.workloads, api: { ...api, secretKeys } },
            });
        const reuse =
            "must not reuse an env var workload api already sets (UPLOADS_BUCKET): the pod would carry it twice";
        // Without secretKeys the workload mounts every release:appSecrets key.
        assert.deepStrictEqual(
            withKeys(undefined).map((p) => [p.path.join("."), p.message]),
            [["buckets.uploads.access.api", reuse]],
        );
        assert.deepStrictEqual(
            withKeys(["UPLOADS_BUCKET"]).map((p) => p.message),
            [reuse],
        );
        assert.deepStrictEqual(withKeys([]), []);
    });

    it("refuses two buckets that would hand a workload the same env var", () => {
        assert.deepStrictEqual(
            problems("staging", { a: { envVar: "BUCKET" }, b: { envVar: "BUCKET" } }),
            ["buckets.b.envVar: must differ from release:buckets.a's env var"],
        );
    });
});

describe("release:database.backup and release:dns rules", () => {
    const PROVIDER =
        "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";

    it("a backup names a declared bucket and needs the cluster's OIDC provider", async () => {
        assert.deepStrictEqual(
            await configProblems("staging", (c) => {
                delete c.cluster;
                c.database.backup = { bucket: "backups" };
            }),
            [
                "release:cluster.oidcProviderArn must be set when release:database or release:cache is set: the CloudWatch exporter behind the storage and cache-memory alerts runs under a pod identity that trusts it (not set)",
                'release:database.backup.bucket must be a key of release:buckets (none declared) (got "backups")',
                "release:database.backup must not be set without release:cluster.oidcProviderArn (the backup job writes to S3 through a pod identity) (not set)",
            ],
        );
    });

    it("a backup needs release:monitoring, where its staleness alert lives", async () => {
        assert.deepStrictEqual(
            await configProblems("staging", (c) => {
                c.cluster = { oidcProviderArn: PROVIDER };
                c.buckets = { backups: {} };
                c.database.backup = { bucket: "backups" };
                delete c.monitoring;
            }),
            [
                "release:database.backup must not be set without release:monitoring (the alert on a backup older than maxAgeHours lives in its PrometheusRule) (not set)",
            ],
        );
    });

    it("a bucket's env var must not collide with one its workload already sets", async () => {
        assert.deepStrictEqual(
            await configProblems("staging", (c) => {
                c.cluster = { oidcProviderArn: PROVIDER };
                c.buckets = { uploads: { access: { api: "read" }, envVar: "LOG_LEVEL" } };
            }),
            [
                'release:buckets.uploads.envVar must not reuse an env var workload api already sets (LOG_LEVEL): the pod would carry it twice (got "LOG_LEVEL")',
            ],
        );
    });

    it("a backup's bucket is a key the stack declares, not an inherited name", () => {
        const cfg = happyConfig("staging");
        const db = cfg.database!;
        const backup = (bucket: string) =>
            backupProblems({
                ...cfg,
                buckets: { backups: bucketSchema.parse({}) },
                database: { ...db, backup: backupSchema.parse({ bucket }) },
            }).map((p) => `${p.path.join(".")}: ${p.message}`);
        assert.deepStrictEqual(backup("backups"), []);
        assert.deepStrictEqual(backup("constructor"), [
            "database.backup.bucket: must be a key of release:buckets (backups)",
        ]);
    });

    it("pg_dump must be at least the server's major version", async () => {
        assert.deepStrictEqual(
            await configProblems("staging", (c) => {
                c.cluster = { oidcProviderArn: PROVIDER };
                c.buckets = { backups: {} };
                c.database.backup = { bucket: "backups", image: "docker.io/library/postgres:15.8" };
            }),
            [
                'release:database.backup.image must carry pg_dump 16 or later for PostgreSQL 16 (pg_dump cannot dump a newer server) (got "docker.io/library/postgres:15.8")',
            ],
        );
    });

    it("bucket access needs the OIDC provider; a bad bucket name is named with its rule", async () => {
        assert.deepStrictEqual(
            await configProblems("staging", (c) => {
                delete c.cluster;
                c.buckets = { uploads: { name: "My.Bucket", access: { api: "read" } } };
            }),
            [
                'release:buckets.uploads.name must be an S3 bucket name: 3–63 lowercase letters, digits and hyphens, no dots (got "My.Bucket")',
                "release:cluster.oidcProviderArn must be set when release:database or release:cache is set: the CloudWatch exporter behind the storage and cache-memory alerts runs under a pod identity that trusts it (not set)",
                'release:buckets.uploads.access must not grant access without release:cluster.oidcProviderArn (workloads reach buckets only through pod identities) (got {"api":"read"})',
            ],
        );
        assert.deepStrictEqual(
            await configProblems("staging", (c) => {
                delete c.cluster;
                c.buckets = { uploads: { access: { api: "read" } } };
            }),
            [
                "release:cluster.oidcProviderArn must be set when release:database or release:cache is set: the CloudWatch exporter behind the storage and cache-memory alerts runs under a pod identity that trusts it (not set)",
                'release:buckets.uploads.access must not grant access without release:cluster.oidcProviderArn (workloads reach buckets only through pod identities) (got {"api":"read"})',
            ],
        );
    });

    it("DNS needs a web workload, whose router the records point at", async () => {
        assert.deepStrictEqual(
            await configProblems("staging", (c) => {
                c.dns = { zoneId: "Z0123456789ABCDEFGHIJ" };
                for (const w of Object.values(c.workloads) as any[]) {
                    w.kind = "worker";
                    delete w.host;
                }
            }),
            [
                "release:dns must not be set without a web workload in release:workloads: the records point at a web workload's router (not set)",
            ],
        );
    });

    it("geolocation routing says where; simple routing has no set identifier", async () => {
        assert.deepStrictEqual(
            await configProblems("staging", (c) => {
                c.dns = { zoneId: "Z0123456789ABCDEFGHIJ", routing: "geolocation" };
            }),
            [
                'release:dns.geolocation must set exactly one of continent or country (country "*" is the default record) when release:dns.routing is geolocation (not set)',
            ],
        );
        assert.deepStrictEqual(
            await configProblems("staging", (c) => {
                c.dns = {
                    zoneId: "Z0123456789ABCDEFGHIJ",
                    setIdentifier: "eu",
                    healthCheck: { requestInterval: 15 },
                };
            }),
            [
                "release:dns.healthCheck.requestInterval must be 10 or 30 (got 15)",
                'release:dns.setIdentifier must not be set when release:dns.routing is simple (one record owns the host) (got "eu")',
            ],
        );
    });
});
