// Pure builders for pod identities (IAM Roles for Service Accounts): the trust policy that lets
// exactly one ServiceAccount in one namespace assume a role through the cluster's OIDC provider,
// least-privilege permission statements, and the deterministic names. No Pulumi runtime needed.
import { createHash } from "crypto";
import { OIDC_PROVIDER_ARN } from "../config/identity";

/** One IAM policy statement. `R` is string here and may be pulumi.Input<string> in components. */
export interface PolicyStatement<R = string> {
    readonly Sid?: string;
    readonly Effect: "Allow" | "Deny";
    readonly Action: string[];
    readonly Resource: R[];
    readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument<R = string> {
    readonly Version: "2012-10-17";
    readonly Statement: PolicyStatement<R>[];
}

/** A role's trust (assume-role) policy: who may assume it, under which conditions. */
export interface TrustPolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: {
        readonly Effect: "Allow";
        readonly Principal: { readonly Federated: string };
        readonly Action: string[];
        readonly Condition: Record<string, Record<string, string>>;
    }[];
}

/** The audience EKS projects into IRSA tokens. */
export const IRSA_AUDIENCE = "sts.amazonaws.com";
/** Annotation the EKS pod identity webhook reads to inject the role's web-identity token. */
export const ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn";
/** IAM role names are at most 64 characters. */
export const IAM_ROLE_NAME_MAX = 64;

export interface OidcProvider {
    readonly partition: string;
    readonly accountId: string;
    /** Issuer without the scheme, e.g. oidc.eks.eu-west-1.amazonaws.com/id/ABC…; the condition key prefix. */
    readonly issuer: string;
}

/** Splits an IAM OIDC provider ARN. Throws "… must be …, got …" for anything else. */
export function parseOidcProviderArn(arn: string): OidcProvider {
    const m = OIDC_PROVIDER_ARN.exec(arn);
    if (!m) {
        throw new Error(
            `oidcProviderArn must be an IAM OIDC provider ARN such as arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE, got ${JSON.stringify(arn)}`,
        );
    }
    return { partition: m[1], accountId: m[2], issuer: m[3] };
}

/** The `sub` claim Kubernetes puts in a ServiceAccount's token. */
export function serviceAccountSubject(namespace: string, serviceAccountName: string): string {
    return `system:serviceaccount:${namespace}:${serviceAccountName}`;
}

const K8S_NAME = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const K8S_SA_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export interface TrustInputs {
    readonly oidcProviderArn: string;
    readonly namespace: string;
    readonly serviceAccountName: string;
}

/**
 * The role's trust policy: AssumeRoleWithWebIdentity from the cluster's OIDC provider, only for a
 * token whose `sub` is exactly this namespace and ServiceAccount (StringEquals, no wildcards) and
 * whose audience is STS.
 */
export function irsaTrustPolicy(t: TrustInputs): TrustPolicyDocument {
    const { issuer } = parseOidcProviderArn(t.oidcProviderArn);
    if (!K8S_NAME.test(t.namespace)) {
        throw new Error(
            `namespace must be a lowercase DNS label, got ${JSON.stringify(t.namespace)}`,
        );
    }
    if (!K8S_SA_NAME.test(t.serviceAccountName)) {
        throw new Error(
            `serviceAccountName must be a lowercase DNS subdomain name, got ${JSON.stringify(t.serviceAccountName)}`,
        );
    }
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Federated: t.oidcProviderArn },
                Action: ["sts:AssumeRoleWithWebIdentity"],
                Condition: {
                    StringEquals: {
                        [`${issuer}:sub`]: serviceAccountSubject(t.namespace, t.serviceAccountName),
                        [`${issuer}:aud`]: IRSA_AUDIENCE,
                    },
                },
            },
        ],
    };
}

/** Why a statement is too broad, or undefined. Resource values that are not strings are ARNs. */
export function statementProblem(s: PolicyStatement<unknown>): string | undefined {
    if (s.Effect !== "Allow") return undefined;
    if (s.Action.length === 0) return "must list at least one action";
    if (s.Resource.length === 0) return "must list at least one resource";
    const anyResource = s.Resource.some((r) => r === "*");
    for (const action of s.Action) {
        if (action === "*" || action === "*:*")
            return `must not allow every action (got "${action}")`;
        if (!/^[a-z0-9-]+:[A-Za-z0-9*]+$/.test(action)) {
            return `must name actions as service:Action (got "${action}")`;
        }
        if (anyResource && action.endsWith(":*")) {
            return `must not allow "${action}" on every resource ("*")`;
        }
    }
    return undefined;
}

/** A permission policy document; throws on a statement that grants a whole service on "*". */
export function permissionPolicy<R>(statements: PolicyStatement<R>[]): PolicyDocument<R> {
    statements.forEach((s, i) => {
        const problem = statementProblem(s);
        if (problem) throw new Error(`statements[${i}] ${problem}`);
    });
    return { Version: "2012-10-17", Statement: statements };
}

export type BucketAccess = "read" | "read-write";

export interface BucketAccessInputs<R> {
    /** Bucket ARN (arn:<partition>:s3:::<name>). */
    readonly bucketArn: R;
    /** Object ARN pattern (<bucket ARN>/*). */
    readonly objectsArn: R;
    readonly access: BucketAccess;
    /** The bucket's own KMS key, when it is SSE-KMS encrypted. */
    readonly kmsKeyArn?: R;
    /** Sid prefix, so statements for several buckets stay distinguishable. */
    readonly sid: string;
}

const READ_OBJECT = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging"];
const WRITE_OBJECT = [
    "s3:PutObject",
    "s3:PutObjectTagging",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
];

/**
 * Least privilege on one bucket: list the bucket, read objects, and for read-write also put and
 * delete objects. Never bucket configuration, policy or ACL actions. With a KMS key, decrypt (and
 * for writes, generate data keys) on that key only.
 */
export function bucketAccessStatements<R>(b: BucketAccessInputs<R>): PolicyStatement<R>[] {
    const write = b.access === "read-write";
    const sid = b.sid.replace(/[^A-Za-z0-9]/g, "");
    const out: PolicyStatement<R>[] = [
        {
            Sid: `${sid}List`,
            Effect: "Allow",
            Action: ["s3:ListBucket", "s3:GetBucketLocation"],
            Resource: [b.bucketArn],
        },
        {
            Sid: write ? `${sid}ReadWrite` : `${sid}Read`,
            Effect: "Allow",
            Action: write ? [...READ_OBJECT, ...WRITE_OBJECT] : READ_OBJECT,
            Resource: [b.objectsArn],
        },
    ];
    if (b.kmsKeyArn !== undefined) {
        out.push({
            Sid: `${sid}Key`,
            Effect: "Allow",
            Action: write ? ["kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"],
            Resource: [b.kmsKeyArn],
        });
    }
    return out;
}

/** ARN of a bucket from its name (S3 bucket ARNs carry no region or account). */
export function bucketArn(partition: string, bucketName: string): string {
    return `arn:${partition}:s3:::${bucketName}`;
}

function shortHash(text: string, length: number): string {
    return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/**
 * The IAM role name for a ServiceAccount: "<namespace>-<serviceAccount>" and a hash of the cluster's
 * provider, namespace and ServiceAccount. IAM names are account-wide, so two regional clusters (or
 * stages in one account) using the same namespace and ServiceAccount still get distinct roles.
 */
export function podIdentityRoleName(t: TrustInputs): string {
    const suffix = shortHash(`${t.oidcProviderArn}|${t.namespace}|${t.serviceAccountName}`, 8);
    const base = `${t.namespace}-${t.serviceAccountName}`
        .replace(/[^A-Za-z0-9+=,.@_-]/g, "-")
        .slice(0, IAM_ROLE_NAME_MAX - suffix.length - 1)
        .replace(/-+$/, "");
    return `${base}-${suffix}`;
}
