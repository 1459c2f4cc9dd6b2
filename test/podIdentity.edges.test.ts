// Pod identity decisions at their edges: whole policy documents (IAM refuses a statement without
// its Effect or a document without its Version), the name rules Kubernetes applies to namespaces and
// ServiceAccounts, every branch of statementProblem, and role names cut at a run of hyphens.
import * as assert from "assert";
import { createHash } from "crypto";
import {
    bucketAccessStatements,
    bucketArn,
    IAM_ROLE_NAME_MAX,
    irsaTrustPolicy,
    permissionPolicy,
    podIdentityRoleName,
    ROLE_ARN_ANNOTATION,
    statementProblem,
} from "../decisions/podIdentity";

const PROVIDER =
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const trust = { oidcProviderArn: PROVIDER, namespace: "notevault", serviceAccountName: "api" };
const hash8 = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 8);

describe("pod identity documents, whole", () => {
    it("annotates with the key the EKS pod identity webhook reads; IAM role names stop at 64", () => {
        assert.strictEqual(ROLE_ARN_ANNOTATION, "eks.amazonaws.com/role-arn");
        assert.strictEqual(IAM_ROLE_NAME_MAX, 64);
    });

    it("the trust policy is a complete IAM document", () => {
        assert.deepStrictEqual(irsaTrustPolicy(trust), {
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Federated: PROVIDER },
                    Action: ["sts:AssumeRoleWithWebIdentity"],
                    Condition: {
                        StringEquals: {
                            [`${ISSUER}:sub`]: "system:serviceaccount:notevault:api",
                            [`${ISSUER}:aud`]: "sts.amazonaws.com",
                        },
                    },
                },
            ],
        });
    });

    it("a permission policy carries its Version and the statements as given", () => {
        const s = {
            Effect: "Allow" as const,
            Action: ["s3:GetObject"],
            Resource: ["arn:aws:s3:::b/*"],
        };
        assert.deepStrictEqual(permissionPolicy([s]), { Version: "2012-10-17", Statement: [s] });
    });

    it("bucket ARNs carry the partition and no region or account", () => {
        assert.strictEqual(bucketArn("aws-cn", "nv-uploads"), "arn:aws-cn:s3:::nv-uploads");
    });

    it("read-write access with a key: list, read-write and key statements, all Allow", () => {
        assert.deepStrictEqual(
            bucketAccessStatements({
                bucketArn: "B",
                objectsArn: "B/*",
                kmsKeyArn: "K",
                access: "read-write",
                sid: "up-loads",
            }),
            [
                {
                    Sid: "uploadsList",
                    Effect: "Allow",
                    Action: ["s3:ListBucket", "s3:GetBucketLocation"],
                    Resource: ["B"],
                },
                {
                    Sid: "uploadsReadWrite",
                    Effect: "Allow",
                    Action: [
                        "s3:GetObject",
                        "s3:GetObjectVersion",
                        "s3:GetObjectTagging",
                        "s3:PutObject",
                        "s3:PutObjectTagging",
                        "s3:DeleteObject",
                        "s3:AbortMultipartUpload",
                        "s3:ListMultipartUploadParts",
                    ],
                    Resource: ["B/*"],
                },
                {
                    Sid: "uploadsKey",
                    Effect: "Allow",
                    Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                    Resource: ["K"],
                },
            ],
        );
    });
});

describe("namespace and ServiceAccount names in the trust policy", () => {
    const accepts = (over: Partial<typeof trust>) =>
        assert.doesNotThrow(() => irsaTrustPolicy({ ...trust, ...over }), JSON.stringify(over));
    const refuses = (over: Partial<typeof trust>, rule: RegExp) =>
        assert.throws(() => irsaTrustPolicy({ ...trust, ...over }), rule, JSON.stringify(over));
    const LABEL = /^Error: namespace must be a lowercase DNS label, got /;
    const SUBDOMAIN = /^Error: serviceAccountName must be a lowercase DNS subdomain name, got /;

    it("accepts one-character names, 63-character namespaces and 253-character ServiceAccounts", () => {
        accepts({ namespace: "n", serviceAccountName: "a" });
        accepts({ namespace: "n".repeat(63), serviceAccountName: "s".repeat(253) });
        accepts({ namespace: "note-vault", serviceAccountName: "api.v2-worker" });
    });

    it("refuses a namespace over 63 characters, with upper case, or ending in a hyphen", () => {
        refuses({ namespace: "n".repeat(64) }, LABEL);
        refuses({ namespace: "Notevault" }, LABEL);
        refuses({ namespace: "notevault-" }, LABEL);
        refuses({ namespace: "note.vault" }, LABEL);
    });

    it("refuses a ServiceAccount over 253 characters, with upper case, or ending in a hyphen", () => {
        refuses({ serviceAccountName: "s".repeat(254) }, SUBDOMAIN);
        refuses({ serviceAccountName: "Api" }, SUBDOMAIN);
        refuses({ serviceAccountName: "api-" }, SUBDOMAIN);
        refuses({ serviceAccountName: "-api" }, SUBDOMAIN);
    });
});

describe("statementProblem, every branch", () => {
    const allow = (Action: string[], Resource: string[]) =>
        statementProblem({ Effect: "Allow", Action, Resource });

    it("an Allow with no action", () => {
        assert.strictEqual(allow([], ["arn:aws:s3:::b"]), "must list at least one action");
    });

    it('"*:*" is every action too', () => {
        assert.strictEqual(
            allow(["*:*"], ["arn:aws:s3:::b"]),
            'must not allow every action (got "*:*")',
        );
    });

    it('a whole service is refused when any one resource is "*"', () => {
        assert.strictEqual(
            allow(["s3:*"], ["arn:aws:s3:::b", "*"]),
            'must not allow "s3:*" on every resource ("*")',
        );
    });

    it("an action must be service:Action from start to end", () => {
        for (const action of ["S3:GetObject", "s3:GetObject/x", " s3:GetObject", "s3:Get Object"]) {
            assert.strictEqual(
                allow([action], ["arn:aws:s3:::b"]),
                `must name actions as service:Action (got "${action}")`,
            );
        }
    });
});

describe("role names at the cut", () => {
    it("drops every hyphen the cut leaves before the hash", () => {
        // The first 55 characters of "<namespace>-<serviceAccount>" end in "--".
        const t = { ...trust, namespace: `${"a".repeat(53)}--b`, serviceAccountName: "api" };
        const suffix = hash8(`${t.oidcProviderArn}|${t.namespace}|${t.serviceAccountName}`);
        assert.strictEqual(podIdentityRoleName(t), `${"a".repeat(53)}-${suffix}`);
    });

    it("turns characters IAM refuses into hyphens", () => {
        const t = { ...trust, serviceAccountName: "api:v2" };
        const suffix = hash8(`${t.oidcProviderArn}|${t.namespace}|${t.serviceAccountName}`);
        assert.strictEqual(podIdentityRoleName(t), `notevault-api-v2-${suffix}`);
    });
});
