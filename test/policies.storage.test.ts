// Bucket, IAM and backup policies: a passing graph, then one mutation per rule, each asserting the
// message; plus the not-applicable path. Graph resources are built the way the components build them.
import { strict as assert } from "assert";
import type { StackValidationPolicy } from "@pulumi/policy";
import * as backup from "../policies/backup";
import * as identity from "../policies/identity";
import { policies } from "../policies/policies";
import * as storage from "../policies/storage";
import type { PlannedResource } from "../scripts/lib/plan";
import { checkStack, planned, type Props } from "./policyArgs";

const BUCKET = "nv-uploads-prod-eu-west-1";
const ARN = `arn:aws:s3:::${BUCKET}`;
const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const PROVIDER = `arn:aws:iam::123456789012:oidc-provider/${ISSUER}`;

function bucketGraph(): PlannedResource[] {
    return [
        planned(storage.S3_TYPES.bucket, "uploads-bucket", { bucket: BUCKET, forceDestroy: false }),
        planned(storage.S3_TYPES.encryption, "uploads-encryption", {
            bucket: BUCKET,
            rules: [
                {
                    applyServerSideEncryptionByDefault: {
                        sseAlgorithm: "aws:kms",
                        kmsMasterKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k",
                    },
                    bucketKeyEnabled: true,
                },
            ],
        }),
        planned(storage.S3_TYPES.publicAccessBlock, "uploads-public-access", {
            bucket: BUCKET,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        }),
        planned(storage.S3_TYPES.policy, "uploads-policy", {
            bucket: BUCKET,
            policy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "DenyInsecureTransport",
                        Effect: "Deny",
                        Principal: "*",
                        Action: "s3:*",
                        Resource: [ARN, `${ARN}/*`],
                        Condition: { Bool: { "aws:SecureTransport": "false" } },
                    },
                ],
            }),
        }),
        planned(storage.S3_TYPES.versioning, "uploads-versioning", {
            bucket: BUCKET,
            versioningConfiguration: { status: "Enabled" },
        }),
    ];
}

function identityGraph(): PlannedResource[] {
    return [
        planned(identity.IAM_TYPES.role, "api-role", {
            name: "notevault-api-1234abcd",
            assumeRolePolicy: JSON.stringify({
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
            }),
        }),
        planned(identity.IAM_TYPES.rolePolicy, "api-policy", {
            name: "least-privilege",
            policy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [ARN] },
                    { Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${ARN}/*`] },
                    {
                        Effect: "Allow",
                        Action: ["cloudwatch:GetMetricData"],
                        Resource: ["*"],
                    },
                ],
            }),
        }),
    ];
}

function cronJob(): Props {
    return {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: {
            name: "nv-prod-backup",
            namespace: "notevault",
            labels: { "app.kubernetes.io/component": "backup" },
        },
        spec: {
            schedule: "30 4 * * *",
            concurrencyPolicy: "Forbid",
            startingDeadlineSeconds: 600,
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 3,
            jobTemplate: { spec: { activeDeadlineSeconds: 3600, template: { spec: {} } } },
        },
    };
}
const backupGraph = () => [planned("kubernetes:batch/v1:CronJob", "backup", cronJob())];

/** Edits the inputs of the named resource in a fresh graph. */
function edit(graph: PlannedResource[], name: string, fn: (p: Props) => void): PlannedResource[] {
    const r = graph.find((x) => x.name === name);
    if (!r) throw new Error(`no ${name} in the graph`);
    fn(r.inputs as Props);
    return graph;
}
const without = (graph: PlannedResource[], name: string) => graph.filter((r) => r.name !== name);
const policyOf = (g: PlannedResource[]) =>
    JSON.parse((g.find((r) => r.name === "uploads-policy")!.inputs as Props).policy);
const setPolicy = (g: PlannedResource[], fn: (doc: Props) => void) =>
    edit(g, "uploads-policy", (p) => {
        const doc = policyOf(g);
        fn(doc);
        p.policy = JSON.stringify(doc);
    });
const trustOf = (g: PlannedResource[]) =>
    JSON.parse((g.find((r) => r.name === "api-role")!.inputs as Props).assumeRolePolicy);
const setTrust = (fn: (s: Props) => void) => {
    const g = identityGraph();
    return edit(g, "api-role", (p) => {
        const doc = trustOf(g);
        fn(doc.Statement[0]);
        p.assumeRolePolicy = JSON.stringify(doc);
    });
};
const addPermission = (statement: Props) =>
    edit(identityGraph(), "api-policy", (p) => {
        const doc = JSON.parse(p.policy);
        doc.Statement.push(statement);
        p.policy = JSON.stringify(doc);
    });

interface Suite {
    /** The policy's name, as the engine and the pack config know it. */
    name: string;
    policy: () => StackValidationPolicy;
    happy: () => PlannedResource[];
    cases: { name: string; graph: () => PlannedResource[]; message: string }[];
    notApplicable?: () => PlannedResource[];
}

const suites: Suite[] = [
    {
        name: "s3-bucket-encrypted",
        policy: storage.bucketEncrypted,
        happy: bucketGraph,
        notApplicable: identityGraph,
        cases: [
            {
                name: "no encryption configuration",
                graph: () => without(bucketGraph(), "uploads-encryption"),
                message: `S3 bucket ${BUCKET} must have a server-side encryption configuration with aws:kms or AES256`,
            },
            {
                name: "encryption configuration for another bucket",
                graph: () => edit(bucketGraph(), "uploads-encryption", (p) => (p.bucket = "other")),
                message: `S3 bucket ${BUCKET} must have a server-side encryption configuration`,
            },
        ],
    },
    {
        name: "s3-bucket-public-access-blocked",
        policy: storage.bucketPublicAccessBlocked,
        happy: bucketGraph,
        notApplicable: identityGraph,
        cases: [
            {
                name: "no public access block",
                graph: () => without(bucketGraph(), "uploads-public-access"),
                message: `S3 bucket ${BUCKET} must have a public access block`,
            },
            ...(
                [
                    "blockPublicAcls",
                    "blockPublicPolicy",
                    "ignorePublicAcls",
                    "restrictPublicBuckets",
                ] as const
            ).map((key) => ({
                name: `${key} off`,
                graph: () => edit(bucketGraph(), "uploads-public-access", (p) => (p[key] = false)),
                message: `S3 bucket ${BUCKET} public access block ${key} must be true (got false)`,
            })),
        ],
    },
    {
        name: "s3-bucket-deny-insecure-transport",
        policy: storage.bucketDeniesInsecureTransport,
        happy: bucketGraph,
        notApplicable: identityGraph,
        cases: [
            {
                name: "no bucket policy",
                graph: () => without(bucketGraph(), "uploads-policy"),
                message: `S3 bucket ${BUCKET} must have a bucket policy denying s3:* to every principal on the bucket and its objects when aws:SecureTransport is false`,
            },
            {
                name: "the deny covers only the objects",
                graph: () =>
                    setPolicy(bucketGraph(), (d) => (d.Statement[0].Resource = [`${ARN}/*`])),
                message: `S3 bucket ${BUCKET} must have a bucket policy denying s3:*`,
            },
            {
                name: "the condition checks TLS being on",
                graph: () =>
                    setPolicy(
                        bucketGraph(),
                        (d) => (d.Statement[0].Condition.Bool["aws:SecureTransport"] = "true"),
                    ),
                message: `S3 bucket ${BUCKET} must have a bucket policy denying s3:*`,
            },
            {
                name: "an Allow instead of a Deny",
                graph: () => setPolicy(bucketGraph(), (d) => (d.Statement[0].Effect = "Allow")),
                message: `S3 bucket ${BUCKET} must have a bucket policy denying s3:*`,
            },
        ],
    },
    {
        name: "s3-bucket-versioned",
        policy: storage.bucketVersioned,
        happy: bucketGraph,
        notApplicable: identityGraph,
        cases: [
            {
                name: "versioning suspended",
                graph: () =>
                    edit(
                        bucketGraph(),
                        "uploads-versioning",
                        (p) => (p.versioningConfiguration.status = "Suspended"),
                    ),
                message: `S3 bucket ${BUCKET} versioning must be Enabled (got "Suspended")`,
            },
            {
                name: "no versioning resource",
                graph: () => without(bucketGraph(), "uploads-versioning"),
                message: `S3 bucket ${BUCKET} versioning must be Enabled (got "not configured")`,
            },
        ],
    },
    {
        name: "iam-service-account-role-scoped",
        policy: identity.serviceAccountRoleScoped,
        happy: identityGraph,
        notApplicable: bucketGraph,
        cases: [
            {
                name: "a wildcard ServiceAccount",
                graph: () =>
                    setTrust((s) => {
                        delete s.Condition.StringEquals[`${ISSUER}:sub`];
                        s.Condition.StringLike = {
                            [`${ISSUER}:sub`]: "system:serviceaccount:notevault:*",
                        };
                    }),
                message: `IAM role notevault-api-1234abcd trust policy must compare :sub with StringEquals, not StringLike (got ["system:serviceaccount:notevault:*"])`,
            },
            {
                name: "two ServiceAccounts",
                graph: () =>
                    setTrust(
                        (s) =>
                            (s.Condition.StringEquals[`${ISSUER}:sub`] = [
                                "system:serviceaccount:notevault:api",
                                "system:serviceaccount:other:api",
                            ]),
                    ),
                message: `IAM role notevault-api-1234abcd trust policy must name exactly one namespace and ServiceAccount (got ["system:serviceaccount:notevault:api","system:serviceaccount:other:api"])`,
            },
            {
                name: "no subject condition",
                graph: () => setTrust((s) => delete s.Condition.StringEquals[`${ISSUER}:sub`]),
                message:
                    "IAM role notevault-api-1234abcd trust policy must limit the web identity with a StringEquals condition on :sub",
            },
            {
                name: "a subject that is no ServiceAccount",
                graph: () =>
                    setTrust(
                        (s) =>
                            (s.Condition.StringEquals[`${ISSUER}:sub`] =
                                "system:serviceaccount:notevault"),
                    ),
                message: `must name a ServiceAccount as system:serviceaccount:<namespace>:<name> (got "system:serviceaccount:notevault")`,
            },
            {
                name: "no audience",
                graph: () => setTrust((s) => delete s.Condition.StringEquals[`${ISSUER}:aud`]),
                message:
                    "IAM role notevault-api-1234abcd trust policy must require the audience sts.amazonaws.com (got [])",
            },
        ],
    },
    {
        name: "iam-no-s3-wildcard",
        policy: identity.noS3WildcardPolicy,
        happy: identityGraph,
        notApplicable: bucketGraph,
        cases: [
            {
                name: "s3:* on *",
                graph: () => addPermission({ Effect: "Allow", Action: "s3:*", Resource: "*" }),
                message: 'RolePolicy least-privilege must not allow s3:* on "*"',
            },
            {
                name: "* on *",
                graph: () => addPermission({ Effect: "Allow", Action: ["*"], Resource: ["*"] }),
                message: 'RolePolicy least-privilege must not allow * on "*"',
            },
            {
                name: "an inline role policy with s3:* on *",
                graph: () =>
                    edit(identityGraph(), "api-role", (p) => {
                        p.inlinePolicies = [
                            {
                                name: "inline",
                                policy: JSON.stringify({
                                    Statement: [{ Effect: "Allow", Action: "S3:*", Resource: "*" }],
                                }),
                            },
                        ];
                    }),
                message: 'Role notevault-api-1234abcd must not allow S3:* on "*"',
            },
        ],
    },
    {
        name: "iam-no-static-access-keys",
        policy: identity.noStaticAccessKeys,
        happy: identityGraph,
        cases: [
            {
                name: "an IAM access key",
                graph: () => [
                    ...identityGraph(),
                    planned(identity.IAM_TYPES.accessKey, "ci-key", { user: "ci" }),
                ],
                message: "IAM access key ci-key must not exist: use a pod identity",
            },
        ],
    },
    {
        name: "backup-cronjob-forbid-concurrency",
        policy: backup.backupConcurrencyForbid,
        happy: backupGraph,
        notApplicable: bucketGraph,
        cases: [
            {
                name: "concurrencyPolicy Allow",
                graph: () =>
                    edit(backupGraph(), "backup", (p) => (p.spec.concurrencyPolicy = "Allow")),
                message:
                    'Backup CronJob nv-prod-backup concurrencyPolicy must be Forbid (got "Allow")',
            },
            {
                name: "concurrencyPolicy unset (Kubernetes defaults to Allow)",
                graph: () => edit(backupGraph(), "backup", (p) => delete p.spec.concurrencyPolicy),
                message:
                    "Backup CronJob nv-prod-backup concurrencyPolicy must be Forbid (got not set)",
            },
        ],
    },
];

describe("policy pack: buckets, pod identities and backups", () => {
    it("the pack carries every one of these policies", () => {
        const names = new Set(policies().map((p) => p.name));
        for (const s of suites) assert.ok(names.has(s.name), s.name);
    });

    for (const suite of suites) {
        describe(suite.name, () => {
            it("passes the happy-path graph", async () => {
                assert.equal(suite.policy().name, suite.name);
                assert.deepEqual(await checkStack(suite.policy, suite.happy()), {
                    messages: [],
                    notApplicable: [],
                });
            });
            for (const c of suite.cases) {
                it(`reports: ${c.name}`, async () => {
                    const f = await checkStack(suite.policy, c.graph());
                    assert.ok(
                        f.messages.some((m) => m.includes(c.message)),
                        `expected "${c.message}" in ${JSON.stringify(f.messages)}`,
                    );
                    for (const m of f.messages) assert.match(m, / must /);
                });
            }
            if (suite.notApplicable) {
                it("is not applicable without its resources", async () => {
                    const f = await checkStack(suite.policy, suite.notApplicable!());
                    assert.deepEqual(f.messages, []);
                    assert.equal(f.notApplicable.length, 1);
                });
            }
        });
    }

    it("matches a bucket's settings by dependency as the engine reports them", async () => {
        // Under the engine, `bucket` is the bucket's id output and propertyDependencies name it.
        const g = bucketGraph();
        for (const r of g.slice(1)) (r.inputs as Props).bucket = "uploads-bucket-id";
        assert.deepEqual((await checkStack(storage.bucketEncrypted, g)).messages, []);
        assert.deepEqual((await checkStack(storage.bucketVersioned, g)).messages, []);
    });
});
