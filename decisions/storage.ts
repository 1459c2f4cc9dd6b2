// Pure builders for buckets: default names, the bucket policy that refuses plain HTTP, and the
// lifecycle rules S3 receives. The Bucket component only wraps these in resources.
import { createHash } from "crypto";
import { HOUSEKEEPING_RULE, type BucketConfig, type LifecycleRuleConfig } from "../config/storage";

export const BUCKET_NAME_MAX = 63;

export interface BucketNameInputs {
    readonly appName: string;
    /** Key under `release:buckets`. */
    readonly key: string;
    readonly stage: string;
    /** AWS region of the stack; regional stacks of one app need distinct names. */
    readonly region?: string;
}

/**
 * `<app>-<key>-<stage>-<region>`: bucket names are global across all AWS accounts, so the default
 * carries everything that tells two stacks of one app apart. Over 63 characters it is shortened
 * with a hash of the full name, so it stays unique.
 */
export function defaultBucketName(n: BucketNameInputs): string {
    const full = [n.appName, n.key, n.stage, n.region]
        .filter((p): p is string => !!p)
        .join("-")
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, "-")
        .replace(/-+/g, "-");
    if (full.length <= BUCKET_NAME_MAX) return full;
    const hash = createHash("sha256").update(full).digest("hex").slice(0, 8);
    return `${full.slice(0, BUCKET_NAME_MAX - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/** The bucket policy: deny every request not made over TLS 1.2 or later, for every principal. */
export function bucketPolicyDocument(bucketArn: string) {
    const resources = [bucketArn, `${bucketArn}/*`];
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: resources,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            {
                Sid: "DenyOutdatedTls",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: resources,
                Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
            },
        ],
    };
}

/** One rule as the aws.s3.BucketLifecycleConfiguration `rules` input takes it. */
export interface S3LifecycleRule {
    id: string;
    status: "Enabled";
    filter: { prefix: string };
    abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
    expiration?: { days?: number; expiredObjectDeleteMarker?: boolean };
    transitions?: { days: number; storageClass: string }[];
    noncurrentVersionExpiration?: { noncurrentDays: number };
    noncurrentVersionTransitions?: { noncurrentDays: number; storageClass: string }[];
}

function configuredRule(r: LifecycleRuleConfig): S3LifecycleRule {
    const rule: S3LifecycleRule = { id: r.id, status: "Enabled", filter: { prefix: r.prefix } };
    if (r.transitions.length > 0) {
        rule.transitions = r.transitions.map((t) => ({
            days: t.days,
            storageClass: t.storageClass,
        }));
    }
    if (r.expireAfterDays !== undefined) rule.expiration = { days: r.expireAfterDays };
    if (r.noncurrentTransitions.length > 0) {
        rule.noncurrentVersionTransitions = r.noncurrentTransitions.map((t) => ({
            noncurrentDays: t.days,
            storageClass: t.storageClass,
        }));
    }
    if (r.noncurrentExpireAfterDays !== undefined) {
        rule.noncurrentVersionExpiration = { noncurrentDays: r.noncurrentExpireAfterDays };
    }
    return rule;
}

/**
 * The configured rules, then a housekeeping rule: unfinished multipart uploads are aborted (they
 * are billed but invisible), and on a versioned bucket a delete marker left with no versions
 * behind it is removed.
 */
export function lifecycleRules(b: BucketConfig): S3LifecycleRule[] {
    const housekeeping: S3LifecycleRule = {
        id: HOUSEKEEPING_RULE,
        status: "Enabled",
        filter: { prefix: "" },
        abortIncompleteMultipartUpload: { daysAfterInitiation: b.abortIncompleteUploadsAfterDays },
        ...(b.versioning ? { expiration: { expiredObjectDeleteMarker: true } } : {}),
    };
    return [...b.lifecycle.map(configuredRule), housekeeping];
}

/** The bucket's own KMS key: rotated yearly, kept for the configured window after deletion. */
export function bucketKeyArgs(bucketName: string, b: BucketConfig) {
    return {
        description: `Encrypts the objects of S3 bucket ${bucketName}`,
        enableKeyRotation: true,
        deletionWindowInDays: b.keyDeletionWindowDays,
    };
}

/** The key's alias, `alias/s3/<bucket>`, so the key is found by its bucket's name. */
export const bucketKeyAlias = (bucketName: string): string => `alias/s3/${bucketName}`;

/** The bucket itself: a delete never empties it, and no object lock (it cannot be undone). */
export function bucketArgs(bucketName: string) {
    return { bucket: bucketName, forceDestroy: false, objectLockEnabled: false };
}

/**
 * The bucket's settings, each the args of one resource less its `bucket`: ACLs off, all four
 * public-access blocks on, default encryption (with the bucket's own key when it has one, else
 * SSE-S3), and versioning as configured. `K` is the key ARN's type (an Output in the program).
 */
export function bucketSettings<K>(b: BucketConfig, kmsKeyArn: K | undefined) {
    return {
        ownership: { rule: { objectOwnership: "BucketOwnerEnforced" } },
        publicAccess: {
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        },
        encryption: {
            rules: [
                {
                    applyServerSideEncryptionByDefault:
                        kmsKeyArn !== undefined
                            ? { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn }
                            : { sseAlgorithm: "AES256" },
                    // S3 Bucket Keys cut KMS requests (and cost) by orders of magnitude.
                    bucketKeyEnabled: kmsKeyArn !== undefined,
                },
            ],
        },
        versioning: { versioningConfiguration: { status: b.versioning ? "Enabled" : "Suspended" } },
        lifecycle: { rules: lifecycleRules(b) },
    };
}
