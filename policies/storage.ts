// Bucket rules (CL-03, CL-21 and private-by-default object storage): every S3 bucket in the stack
// is encrypted, blocks every form of public access, refuses plain HTTP and, in prod, is versioned.
// A bucket's settings are separate resources, matched to it by the bucket name or dependency.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import type { Props } from "./util";

export const S3_TYPES = {
    bucket: "aws:s3/bucket:Bucket",
    bucketV2: "aws:s3/bucketV2:BucketV2",
    encryption:
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    encryptionV2:
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    policy: "aws:s3/bucketPolicy:BucketPolicy",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    versioningV2: "aws:s3/bucketVersioningV2:BucketVersioningV2",
} as const;

const BUCKET_TYPES: string[] = [S3_TYPES.bucket, S3_TYPES.bucketV2];

function bucketName(b: PolicyResource): string {
    return String(b.props.bucket ?? b.name);
}

/** The settings resources of `types` that belong to bucket `b`. */
function settingsOf(b: PolicyResource, all: PolicyResource[], types: string[]): PolicyResource[] {
    const name = bucketName(b);
    return all.filter(
        (r) =>
            types.includes(r.type) &&
            ((r.propertyDependencies?.bucket ?? []).some((d) => d.urn === b.urn) ||
                r.props.bucket === name ||
                r.props.bucket === `${b.name}-id`),
    );
}

function eachBucket(
    args: { resources: PolicyResource[]; notApplicable: (reason?: string) => never },
    check: (b: PolicyResource, name: string) => void,
): void {
    const buckets = args.resources.filter((r) => BUCKET_TYPES.includes(r.type));
    if (buckets.length === 0) args.notApplicable("no S3 bucket in the stack");
    for (const b of buckets) check(b, bucketName(b));
}

const ENCRYPTIONS = ["aws:kms", "aws:kms:dsse", "AES256"];

export function bucketEncrypted(): StackValidationPolicy {
    return {
        name: "s3-bucket-encrypted",
        description:
            "Every S3 bucket must have a default server-side encryption configuration (SSE-KMS or SSE-S3).",
        validateStack: (args, report) =>
            eachBucket(args, (b, name) => {
                const inline = b.props.serverSideEncryptionConfiguration?.rule;
                const configs = [
                    ...settingsOf(b, args.resources, [
                        S3_TYPES.encryption,
                        S3_TYPES.encryptionV2,
                    ]).map((r) => (r.props.rules ?? []) as Props[]),
                    ...(inline ? [[inline as Props]] : []),
                ];
                const ok = configs.some((rules) =>
                    rules.some((rule) =>
                        ENCRYPTIONS.includes(rule.applyServerSideEncryptionByDefault?.sseAlgorithm),
                    ),
                );
                if (!ok) {
                    report(
                        `S3 bucket ${name} must have a server-side encryption configuration with aws:kms or AES256`,
                        b.urn,
                    );
                }
            }),
    };
}

const BLOCKS = [
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
] as const;

export function bucketPublicAccessBlocked(): StackValidationPolicy {
    return {
        name: "s3-bucket-public-access-blocked",
        description:
            "Every S3 bucket must have a public access block with all four settings turned on.",
        validateStack: (args, report) =>
            eachBucket(args, (b, name) => {
                const blocks = settingsOf(b, args.resources, [S3_TYPES.publicAccessBlock]);
                if (blocks.length === 0) {
                    report(`S3 bucket ${name} must have a public access block`, b.urn);
                    return;
                }
                for (const key of BLOCKS) {
                    if (!blocks.some((p) => p.props[key] === true)) {
                        report(
                            `S3 bucket ${name} public access block ${key} must be true (got ${JSON.stringify(blocks[0].props[key])})`,
                            b.urn,
                        );
                    }
                }
            }),
    };
}

function parsePolicy(policy: unknown): Props | undefined {
    if (policy && typeof policy === "object") return policy as Props;
    if (typeof policy !== "string") return undefined;
    try {
        return JSON.parse(policy) as Props;
    } catch {
        return undefined;
    }
}

function asList(v: unknown): unknown[] {
    return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

/** A Deny for every principal and every S3 action whenever aws:SecureTransport is false. */
function deniesInsecureTransport(s: Props): boolean {
    const principal = s.Principal === "*" || asList(s.Principal?.AWS).includes("*");
    const actions = asList(s.Action);
    const insecure = [s.Condition?.Bool, s.Condition?.BoolIfExists].some(
        (c) => c && String(c["aws:SecureTransport"]) === "false",
    );
    const resources = asList(s.Resource).map(String);
    const coversObjects = resources.some((r) => r.endsWith("/*") || r === "*");
    const coversBucket = resources.some((r) => !r.includes("/"));
    return (
        s.Effect === "Deny" &&
        principal &&
        (actions.includes("s3:*") || actions.includes("*")) &&
        insecure &&
        coversObjects &&
        coversBucket
    );
}

export function bucketDeniesInsecureTransport(): StackValidationPolicy {
    return {
        name: "s3-bucket-deny-insecure-transport",
        description:
            "Every S3 bucket must have a bucket policy that denies all requests made without TLS.",
        validateStack: (args, report) =>
            eachBucket(args, (b, name) => {
                const docs = [
                    ...settingsOf(b, args.resources, [S3_TYPES.policy]).map((p) => p.props.policy),
                    b.props.policy,
                ]
                    .map(parsePolicy)
                    .filter((d): d is Props => d !== undefined);
                const ok = docs.some((d) =>
                    asList(d.Statement).some((s) => deniesInsecureTransport(s as Props)),
                );
                if (!ok) {
                    report(
                        `S3 bucket ${name} must have a bucket policy denying s3:* to every principal on the bucket and its objects when aws:SecureTransport is false`,
                        b.urn,
                    );
                }
            }),
    };
}

export function bucketVersioned(): StackValidationPolicy {
    return {
        name: "s3-bucket-versioned",
        description: "Every S3 bucket must have versioning enabled.",
        validateStack: (args, report) =>
            eachBucket(args, (b, name) => {
                const statuses = [
                    ...settingsOf(b, args.resources, [
                        S3_TYPES.versioning,
                        S3_TYPES.versioningV2,
                    ]).map((v) => v.props.versioningConfiguration?.status),
                    ...(b.props.versioning?.enabled === true ? ["Enabled"] : []),
                ];
                if (!statuses.includes("Enabled")) {
                    report(
                        `S3 bucket ${name} versioning must be Enabled (got ${JSON.stringify(statuses[0] ?? "not configured")})`,
                        b.urn,
                    );
                }
            }),
    };
}

export function storagePolicies() {
    return [
        bucketEncrypted(),
        bucketPublicAccessBlocked(),
        bucketDeniesInsecureTransport(),
        bucketVersioned(),
    ];
}
