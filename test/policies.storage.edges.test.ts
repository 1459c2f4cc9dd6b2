// Bucket policies, every branch: settings matched to their bucket by dependency (as the engine
// reports an unknown bucket id in preview), by the mocks' id, or by name; legacy inline settings;
// and each way a TLS-only bucket policy statement can fall short. One change per case.
import { strict as assert } from "assert";
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import * as storage from "../policies/storage";
import type { PlannedResource } from "../scripts/lib/plan";
import { checkStack, planned, type Built, type Props } from "./policyArgs";

const BUCKET = "nv-uploads";
const ARN = `arn:aws:s3:::${BUCKET}`;

const denyStatement = (): Props => ({
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [ARN, `${ARN}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
});

/** One bucket whose settings carry its name (as a stack with a fixed bucket name has them). */
function graph(
    statements: Props[] = [denyStatement()],
    bucket: Props = { bucket: BUCKET },
): PlannedResource[] {
    return [
        planned(storage.S3_TYPES.bucket, "uploads", bucket),
        planned(storage.S3_TYPES.encryption, "uploads-encryption", {
            bucket: BUCKET,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
        }),
        planned(storage.S3_TYPES.policy, "uploads-policy", {
            bucket: BUCKET,
            policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
        }),
        planned(storage.S3_TYPES.versioning, "uploads-versioning", {
            bucket: BUCKET,
            versioningConfiguration: { status: "Enabled" },
        }),
    ];
}

const set = (g: PlannedResource[], name: string, fn: (p: Props) => void) => {
    fn(g.find((r) => r.name === name)!.inputs as Props);
    return g;
};

async function messages(
    policy: Built<StackValidationPolicy>,
    g: PlannedResource[],
): Promise<string[]> {
    const f = await checkStack(policy, g);
    assert.deepEqual(f.notApplicable, []);
    return f.messages;
}

const TLS_MESSAGE = `S3 bucket ${BUCKET} must have a bucket policy denying s3:* to every principal on the bucket and its objects when aws:SecureTransport is false`;

describe("s3-bucket-deny-insecure-transport, every branch", () => {
    const policy = storage.bucketDeniesInsecureTransport;
    const statement = (over: Props, drop: string[] = []) => {
        const s = { ...denyStatement(), ...over };
        for (const k of drop) delete s[k];
        return graph([s]);
    };

    it("passes the happy-path statement, and its accepted variants", async () => {
        for (const g of [
            graph(),
            statement({ Principal: { AWS: "*" } }),
            statement({ Principal: { AWS: ["*"] } }),
            statement({ Action: ["*"] }),
            statement({ Resource: "*" }),
            statement({ Condition: { BoolIfExists: { "aws:SecureTransport": false } } }),
            // Another statement before it does not hide it.
            graph([
                { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: ARN },
                denyStatement(),
            ]),
        ]) {
            assert.deepEqual(await messages(policy, g), [], JSON.stringify(g[2].inputs));
        }
    });

    it("accepts a policy document given as an object", async () => {
        const g = set(graph(), "uploads-policy", (p) => (p.policy = JSON.parse(p.policy)));
        assert.deepEqual(await messages(policy, g), []);
    });

    for (const [name, g] of [
        [
            "a named principal",
            () => statement({ Principal: { AWS: "arn:aws:iam::123456789012:root" } }),
        ],
        ["no principal", () => statement({}, ["Principal"])],
        ["only some S3 actions", () => statement({ Action: ["s3:GetObject", "s3:PutObject"] })],
        ["no condition", () => statement({}, ["Condition"])],
        ["the bucket but not its objects", () => statement({ Resource: [ARN] })],
        ["a document with no statements", () => graph([])],
        [
            "a document without a Statement key",
            () =>
                set(
                    graph(),
                    "uploads-policy",
                    (p) => (p.policy = JSON.stringify({ Version: "2012-10-17" })),
                ),
        ],
        [
            "a policy that is not JSON",
            () => set(graph(), "uploads-policy", (p) => (p.policy = "{not json")),
        ],
        ["a policy that is null", () => set(graph(), "uploads-policy", (p) => (p.policy = null))],
    ] as const) {
        it(`reports ${name}`, async () => {
            assert.deepEqual(await messages(policy, g()), [TLS_MESSAGE]);
        });
    }

    it("accepts the policy set inline on a legacy bucket", async () => {
        const g = graph().filter((r) => r.name !== "uploads-policy");
        g[0] = planned(storage.S3_TYPES.bucket, "uploads", {
            bucket: BUCKET,
            policy: JSON.stringify({ Statement: [denyStatement()] }),
        });
        assert.deepEqual(await messages(policy, g), []);
    });
});

describe("s3-bucket-encrypted, every branch", () => {
    const policy = storage.bucketEncrypted;
    const MESSAGE = `S3 bucket ${BUCKET} must have a server-side encryption configuration with aws:kms or AES256`;
    const rules = (r: Props[]) => set(graph(), "uploads-encryption", (p) => (p.rules = r));

    it("any one rule with a default algorithm is enough", async () => {
        const g = rules([
            { bucketKeyEnabled: true },
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms:dsse" } },
        ]);
        assert.deepEqual(await messages(policy, g), []);
    });

    it("accepts each algorithm S3 offers: aws:kms, aws:kms:dsse and AES256", async () => {
        for (const sseAlgorithm of ["aws:kms", "aws:kms:dsse", "AES256"]) {
            const g = rules([{ applyServerSideEncryptionByDefault: { sseAlgorithm } }]);
            assert.deepEqual(await messages(policy, g), [], sseAlgorithm);
        }
    });

    it("reports rules without a default algorithm, an unknown one, or no rules", async () => {
        for (const r of [
            [{ bucketKeyEnabled: true }],
            [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "none" } }],
        ]) {
            assert.deepEqual(await messages(policy, rules(r)), [MESSAGE], JSON.stringify(r));
        }
        const g = set(graph(), "uploads-encryption", (p) => delete p.rules);
        assert.deepEqual(await messages(policy, g), [MESSAGE]);
    });

    it("accepts the legacy inline configuration on the bucket", async () => {
        const g = graph([denyStatement()], {
            bucket: BUCKET,
            serverSideEncryptionConfiguration: {
                rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } },
            },
        }).filter((r) => r.name !== "uploads-encryption");
        assert.deepEqual(await messages(policy, g), []);
    });

    it("is not applicable, with its reason, when the stack has no bucket", async () => {
        const f = await checkStack(policy, graph().slice(1));
        assert.deepEqual(f, { messages: [], notApplicable: ["no S3 bucket in the stack"] });
    });
});

describe("s3-bucket-public-access-blocked and s3-bucket-versioned, every branch", () => {
    const blocks = (on: boolean) => ({
        bucket: BUCKET,
        blockPublicAcls: on,
        blockPublicPolicy: on,
        ignorePublicAcls: on,
        restrictPublicBuckets: on,
    });

    it("a complete public access block is not undone by another, partial one", async () => {
        const g = [
            ...graph(),
            planned(storage.S3_TYPES.publicAccessBlock, "pab-1", blocks(true)),
            planned(storage.S3_TYPES.publicAccessBlock, "pab-2", blocks(false)),
        ];
        assert.deepEqual(await messages(storage.bucketPublicAccessBlocked, g), []);
    });

    it("a versioning resource without its configuration counts as not configured", async () => {
        const g = set(graph(), "uploads-versioning", (p) => delete p.versioningConfiguration);
        assert.deepEqual(await messages(storage.bucketVersioned, g), [
            `S3 bucket ${BUCKET} versioning must be Enabled (got "not configured")`,
        ]);
    });

    it("accepts legacy inline versioning only when it is enabled", async () => {
        const legacy = (enabled: unknown) =>
            graph([denyStatement()], { bucket: BUCKET, versioning: { enabled } }).filter(
                (r) => r.name !== "uploads-versioning",
            );
        assert.deepEqual(await messages(storage.bucketVersioned, legacy(true)), []);
        assert.deepEqual(await messages(storage.bucketVersioned, legacy(false)), [
            `S3 bucket ${BUCKET} versioning must be Enabled (got "not configured")`,
        ]);
    });
});

describe("bucket settings matched as the engine reports them", () => {
    // In preview the bucket's id is unknown: a setting's `bucket` input is absent and only its
    // propertyDependencies name the bucket.
    function resource(
        type: string,
        name: string,
        props: Props,
        bucket?: PolicyResource,
    ): PolicyResource {
        return {
            type,
            name,
            urn: `urn:pulumi:prod::release::${type}::${name}`,
            props,
            opts: {} as PolicyResource["opts"],
            dependencies: bucket ? [bucket] : [],
            propertyDependencies: bucket ? { bucket: [bucket] } : {},
            isType: () => false,
            asType: (() => undefined) as PolicyResource["asType"],
        };
    }
    const versioning = (bucket?: PolicyResource, props: Props = {}) =>
        resource(
            storage.S3_TYPES.versioning,
            `${bucket?.name ?? "x"}-versioning`,
            {
                versioningConfiguration: { status: "Enabled" },
                ...props,
            },
            bucket,
        );

    function run(resources: PolicyResource[]): string[] {
        const out: string[] = [];
        storage.bucketVersioned().validateStack(
            {
                resources,
                stackTags: new Map(),
                getConfig: <T extends object>() => ({}) as T,
                notApplicable: (): never => {
                    throw new Error("not applicable");
                },
            },
            (m) => out.push(m),
        );
        return out;
    }

    it("a setting belongs to the bucket its dependency names, and to no other", () => {
        const a = resource(storage.S3_TYPES.bucket, "a", {});
        const b = resource(storage.S3_TYPES.bucket, "b", {});
        assert.deepEqual(run([a, b, versioning(a)]), [
            'S3 bucket b versioning must be Enabled (got "not configured")',
        ]);
        assert.deepEqual(run([a, b, versioning(a), versioning(b)]), []);
    });

    it("a setting whose bucket input is the mocks' id of the bucket belongs to it", () => {
        const a = resource(storage.S3_TYPES.bucket, "a", {});
        assert.deepEqual(run([a, versioning(undefined, { bucket: "a-id" })]), []);
        assert.deepEqual(run([a, versioning(undefined, { bucket: "b-id" })]), [
            'S3 bucket a versioning must be Enabled (got "not configured")',
        ]);
    });
});
