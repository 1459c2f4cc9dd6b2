import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { BucketConfig } from "../../config/storage";
import {
    bucketArgs,
    bucketKeyAlias,
    bucketKeyArgs,
    bucketPolicyDocument,
    bucketSettings,
} from "../../decisions/storage";

export interface BucketArgs {
    /** Globally unique bucket name (no default; see `defaultBucketName`). */
    readonly bucketName: string;
    /** The bucket's `release:buckets.<key>` entry; its defaults make a private bucket (no default). */
    readonly config: BucketConfig;
    /** Prod guardrails: `protect` and `retainOnDelete` on the bucket, its key and settings; default false. */
    readonly prod?: boolean;
    /** Tags on every AWS resource; default none. */
    readonly tags?: Record<string, string>;
}

/**
 * An S3 bucket as the runbooks' uploads and backups need it: encrypted with a KMS key of its own
 * (rotated yearly) or SSE-S3, versioned, ACLs off, all four public-access blocks on, a policy that
 * refuses anything but TLS 1.2+, and lifecycle rules from config. There is no setting that makes
 * it public: a bucket declared with no configuration at all is private.
 */
export class Bucket extends pulumi.ComponentResource {
    public readonly bucket: aws.s3.Bucket;
    public readonly bucketName: string;
    public readonly arn: pulumi.Output<string>;
    /** The bucket's own KMS key (SSE-KMS only). */
    public readonly key?: aws.kms.Key;
    public readonly kmsKeyArn?: pulumi.Output<string>;
    /** Everything a workload must wait for before it can use the bucket safely. */
    public readonly ready: pulumi.Resource[];

    constructor(name: string, args: BucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:storage:Bucket", name, {}, opts);
        const b = args.config;
        const prod = args.prod ?? false;
        // Losing the key loses the data, so the key is kept exactly as long as the bucket.
        const keep = { parent: this, protect: prod, retainOnDelete: prod };
        const tags = { ...args.tags, "release/bucket": args.bucketName };
        this.bucketName = args.bucketName;

        if (b.encryption === "sse-kms") {
            this.key = new aws.kms.Key(
                `${name}-key`,
                { ...bucketKeyArgs(args.bucketName, b), tags },
                keep,
            );
            new aws.kms.Alias(
                `${name}-key-alias`,
                { name: bucketKeyAlias(args.bucketName), targetKeyId: this.key.keyId },
                keep,
            );
            this.kmsKeyArn = this.key.arn;
        }

        this.bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            { ...bucketArgs(args.bucketName), tags },
            keep,
        );
        this.arn = this.bucket.arn;
        const bucket = this.bucket.bucket;
        const settings = bucketSettings(b, this.key?.arn);

        // Ownership first: with ACLs disabled no object can be made public by an ACL.
        const ownership = new aws.s3.BucketOwnershipControls(
            `${name}-ownership`,
            { bucket, ...settings.ownership },
            keep,
        );
        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            { bucket, ...settings.publicAccess },
            keep,
        );
        const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            { bucket, ...settings.encryption },
            keep,
        );
        const versioning = new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { bucket, ...settings.versioning },
            keep,
        );
        const policy = new aws.s3.BucketPolicy(
            `${name}-policy`,
            {
                bucket,
                policy: this.bucket.arn.apply((arn) => JSON.stringify(bucketPolicyDocument(arn))),
            },
            // S3 refuses a policy change while the public access block is being written.
            { ...keep, dependsOn: [publicAccess] },
        );
        const lifecycle = new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            { bucket, ...settings.lifecycle },
            // Noncurrent-version rules only take effect once versioning is on.
            { ...keep, dependsOn: [versioning] },
        );
        this.ready = [ownership, publicAccess, encryption, versioning, policy, lifecycle];

        this.registerOutputs({ bucketName: this.bucketName, arn: this.arn });
    }
}
