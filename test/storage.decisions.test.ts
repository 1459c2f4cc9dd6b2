// Bucket decisions at their edges: the name at exactly 63 characters and one over, characters S3
// refuses, a region left out, and lifecycle rules that set only some of their fields.
import * as assert from "assert";
import { createHash } from "crypto";
import { bucketSchema } from "../config/storage";
import { bucketPolicyDocument, defaultBucketName, lifecycleRules } from "../decisions/storage";

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
