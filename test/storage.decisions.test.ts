// Bucket decisions at their edges: the name at exactly 63 characters and one over, characters S3
// refuses, a region left out, and lifecycle rules that set only some of their fields.
import * as assert from "assert";
import { createHash } from "crypto";
import { bucketSchema } from "../config/storage";
import {
    bucketArgs,
    bucketKeyAlias,
    bucketKeyArgs,
    bucketPolicyDocument,
    bucketSettings,
    defaultBucketName,
    lifecycleRules,
} from "../decisions/storage";

const bucket = (over: Record<string, unknown> = {}) => bucketSchema.parse(over);
const hash8 = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 8);

describe("bucket names at their edges", () => {
    it("leaves out a region that is not set (no trailing hyphen)", () => {
        assert.strictEqual(
            defaultBucketName({ appName: "notevault", key: "uploads", stage: "prod" }),
            "notevault-uploads-prod",
        );
    });

    it("turns characters S3 refuses into single hyphens and lowercases", () => {
        assert.strictEqual(
            defaultBucketName({ appName: "Note_Vault", key: "user__uploads", stage: "prod" }),
            "note-vault-user-uploads-prod",
        );
    });

    it("keeps a name of exactly 63 characters and shortens one of 64 with a hash", () => {
        const at = { appName: "a".repeat(63 - "-k-prod".length), key: "k", stage: "prod" };
        const name63 = defaultBucketName(at);
        assert.strictEqual(name63.length, 63);
        assert.strictEqual(name63, `${at.appName}-k-prod`);
        const over = { ...at, appName: `${at.appName}a` };
        const full = `${over.appName}-k-prod`;
        const name = defaultBucketName(over);
        assert.strictEqual(name, `${full.slice(0, 54)}-${hash8(full)}`);
        assert.strictEqual(name.length, 63);
    });

    it("drops the hyphen the cut leaves at the end, before the hash", () => {
        // The first 54 characters end in the separator after the app name.
        const appName = "a".repeat(53);
        const full = `${appName}-bbbbbbbbbb-prod`;
        const name = defaultBucketName({ appName, key: "bbbbbbbbbb", stage: "prod" });
        assert.strictEqual(name, `${appName}-${hash8(full)}`);
    });

    it("keeps the hyphens inside the cut", () => {
        const appName = `app-${"a".repeat(60)}`;
        const full = `${appName}-k-prod`;
        const name = defaultBucketName({ appName, key: "k", stage: "prod" });
        assert.strictEqual(name, `${full.slice(0, 54)}-${hash8(full)}`);
        assert.ok(name.startsWith("app-aaa"));
    });
});

describe("bucket policy document", () => {
    it("is the whole IAM document, versioned 2012-10-17 with named statements", () => {
        const doc = bucketPolicyDocument("arn:aws:s3:::b");
        assert.strictEqual(doc.Version, "2012-10-17");
        assert.deepStrictEqual(
            doc.Statement.map((s) => s.Sid),
            ["DenyInsecureTransport", "DenyOutdatedTls"],
        );
    });
});

describe("lifecycle rules with only some fields", () => {
    it("a prefix-only rule carries no transitions, expiration or noncurrent fields", () => {
        const [rule] = lifecycleRules(bucket({ lifecycle: [{ id: "tmp", prefix: "tmp/" }] }));
        assert.deepStrictEqual(rule, { id: "tmp", status: "Enabled", filter: { prefix: "tmp/" } });
    });

    it("noncurrent transitions become noncurrentVersionTransitions", () => {
        const [rule] = lifecycleRules(
            bucket({
                lifecycle: [
                    {
                        id: "old",
                        prefix: "",
                        noncurrentTransitions: [
                            { days: 30, storageClass: "STANDARD_IA" },
                            { days: 120, storageClass: "GLACIER" },
                        ],
                    },
                ],
            }),
        );
        assert.deepStrictEqual(rule, {
            id: "old",
            status: "Enabled",
            filter: { prefix: "" },
            noncurrentVersionTransitions: [
                { noncurrentDays: 30, storageClass: "STANDARD_IA" },
                { noncurrentDays: 120, storageClass: "GLACIER" },
            ],
        });
    });

    it("the housekeeping rule comes last and uses the configured abort days", () => {
        const rules = lifecycleRules(
            bucket({
                versioning: false,
                abortIncompleteUploadsAfterDays: 3,
                lifecycle: [{ id: "x", prefix: "x/", expireAfterDays: 10 }],
            }),
        );
        assert.deepStrictEqual(rules, [
            { id: "x", status: "Enabled", filter: { prefix: "x/" }, expiration: { days: 10 } },
            {
                id: "housekeeping",
                status: "Enabled",
                filter: { prefix: "" },
                abortIncompleteMultipartUpload: { daysAfterInitiation: 3 },
            },
        ]);
    });
});

describe("bucket resource builders", () => {
    const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/k";

    it("a bucket declared with no configuration is private, versioned and encrypted with its own key", () => {
        const b = bucket();
        assert.strictEqual(b.encryption, "sse-kms");
        const s = bucketSettings(b, keyArn);
        assert.deepStrictEqual(s.ownership, { rule: { objectOwnership: "BucketOwnerEnforced" } });
        assert.deepStrictEqual(s.publicAccess, {
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        assert.deepStrictEqual(s.encryption, {
            rules: [
                {
                    applyServerSideEncryptionByDefault: {
                        sseAlgorithm: "aws:kms",
                        kmsMasterKeyId: keyArn,
                    },
                    bucketKeyEnabled: true,
                },
            ],
        });
        assert.deepStrictEqual(s.versioning, { versioningConfiguration: { status: "Enabled" } });
        assert.deepStrictEqual(s.lifecycle, { rules: lifecycleRules(b) });
    });

    it("without a key of its own a bucket gets SSE-S3 and no bucket key", () => {
        const s = bucketSettings(bucket({ encryption: "sse-s3" }), undefined);
        assert.deepStrictEqual(s.encryption.rules, [
            {
                applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" },
                bucketKeyEnabled: false,
            },
        ]);
    });

    it("suspends versioning only when the config turns it off", () => {
        const s = bucketSettings(bucket({ versioning: false }), keyArn);
        assert.strictEqual(s.versioning.versioningConfiguration.status, "Suspended");
        // The housekeeping rule follows versioning: no delete-marker cleanup without versions.
        const housekeeping = s.lifecycle.rules[s.lifecycle.rules.length - 1];
        assert.strictEqual(housekeeping.id, "housekeeping");
        assert.strictEqual(housekeeping.expiration, undefined);
    });

    it("a delete never empties the bucket, and objects are never locked", () => {
        assert.deepStrictEqual(bucketArgs("nv-uploads-prod"), {
            bucket: "nv-uploads-prod",
            forceDestroy: false,
            objectLockEnabled: false,
        });
    });

    it("the bucket's key rotates yearly, waits the configured window, and is named after it", () => {
        assert.deepStrictEqual(
            bucketKeyArgs("nv-uploads-prod", bucket({ keyDeletionWindowDays: 14 })),
            {
                description: "Encrypts the objects of S3 bucket nv-uploads-prod",
                enableKeyRotation: true,
                deletionWindowInDays: 14,
            },
        );
        assert.strictEqual(bucketKeyArgs("b", bucket()).deletionWindowInDays, 30);
        assert.strictEqual(bucketKeyAlias("nv-uploads-prod"), "alias/s3/nv-uploads-prod");
    });
});
