// Pod identities: the IRSA trust policy admits exactly one ServiceAccount, permission statements
// stay least-privilege, and the component wires the ServiceAccount to its role.
import * as assert from "assert";
import * as path from "path";
import {
    bucketAccessStatements,
    bucketArn,
    irsaTrustPolicy,
    parseOidcProviderArn,
    permissionPolicy,
    podIdentityRoleName,
    statementProblem,
} from "../decisions/podIdentity";
import { planProgram, type Plan } from "../scripts/lib/plan";
import { configProblems } from "./helpers";

const PROVIDER =
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const trust = { oidcProviderArn: PROVIDER, namespace: "notevault", serviceAccountName: "api" };

describe("pod identity policy builders", () => {
    it("trusts only the one ServiceAccount's web identity, with the STS audience", () => {
        const doc = irsaTrustPolicy(trust);
        assert.strictEqual(doc.Statement.length, 1);
        const [s] = doc.Statement;
        assert.deepStrictEqual(s.Principal, { Federated: PROVIDER });
        assert.deepStrictEqual(s.Action, ["sts:AssumeRoleWithWebIdentity"]);
        assert.deepStrictEqual(s.Condition, {
            StringEquals: {
                [`${ISSUER}:sub`]: "system:serviceaccount:notevault:api",
                [`${ISSUER}:aud`]: "sts.amazonaws.com",
            },
        });
    });

    it("reads partition, account and issuer from the provider ARN", () => {
        assert.deepStrictEqual(parseOidcProviderArn(PROVIDER.replace("arn:aws:", "arn:aws-cn:")), {
            partition: "aws-cn",
            accountId: "123456789012",
            issuer: ISSUER,
        });
    });

    it("refuses wildcards and malformed names instead of widening the trust", () => {
        assert.throws(
            () => irsaTrustPolicy({ ...trust, serviceAccountName: "*" }),
            /^Error: serviceAccountName must be a lowercase DNS subdomain name, got "\*"$/,
        );
        assert.throws(
            () => irsaTrustPolicy({ ...trust, namespace: "note*" }),
            /^Error: namespace must be a lowercase DNS label, got "note\*"$/,
        );
        assert.throws(
            () =>
                irsaTrustPolicy({ ...trust, oidcProviderArn: "arn:aws:iam::123456789012:role/x" }),
            /oidcProviderArn must be an IAM OIDC provider ARN .*, got "arn:aws:iam::123456789012:role\/x"/,
        );
    });

    it("rejects a whole service or every action on every resource", () => {
        const allow = (Action: string[], Resource: string[]) =>
            statementProblem({ Effect: "Allow", Action, Resource });
        assert.strictEqual(allow(["s3:*"], ["*"]), 'must not allow "s3:*" on every resource ("*")');
        assert.strictEqual(
            allow(["*"], ["arn:aws:s3:::b"]),
            'must not allow every action (got "*")',
        );
        assert.strictEqual(allow(["s3:GetObject"], []), "must list at least one resource");
        assert.strictEqual(
            allow(["GetObject"], ["*"]),
            'must name actions as service:Action (got "GetObject")',
        );
        // Read-only metric APIs have no resource-level permissions: "*" is the only resource.
        assert.strictEqual(
            allow(["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"], ["*"]),
            undefined,
        );
        assert.strictEqual(allow(["s3:*"], ["arn:aws:s3:::b"]), undefined);
        assert.strictEqual(
            statementProblem({ Effect: "Deny", Action: ["*"], Resource: ["*"] }),
            undefined,
        );
        assert.throws(
            () =>
                permissionPolicy([
                    { Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] },
                    { Effect: "Allow", Action: ["s3:*"], Resource: ["*"] },
                ]),
            /^Error: statements\[1\] must not allow "s3:\*" on every resource/,
        );
    });

    it("grants read or read-write on one bucket and its key, never bucket configuration", () => {
        const b = {
            bucketArn: bucketArn("aws", "nv-uploads"),
            objectsArn: `${bucketArn("aws", "nv-uploads")}/*`,
            kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k",
            sid: "uploads-bucket",
        };
        const read = bucketAccessStatements({ ...b, access: "read" });
        const rw = bucketAccessStatements({ ...b, access: "read-write" });
        const actions = (ss: typeof read) => ss.flatMap((s) => s.Action);
        for (const a of ["s3:PutObject", "s3:DeleteObject", "kms:GenerateDataKey"]) {
            assert.ok(!actions(read).includes(a), `read grants ${a}`);
            assert.ok(actions(rw).includes(a), `read-write lacks ${a}`);
        }
        for (const ss of [read, rw]) {
            assert.ok(
                actions(ss).every((a) => !/\*|Policy|Acl|Configuration|DeleteBucket/.test(a)),
            );
            for (const s of ss) {
                assert.strictEqual(statementProblem(s), undefined);
                const expected = s.Action[0].startsWith("kms:")
                    ? [b.kmsKeyArn]
                    : s.Action.includes("s3:ListBucket")
                      ? [b.bucketArn]
                      : [b.objectsArn];
                assert.deepStrictEqual(s.Resource, expected, s.Sid);
            }
            assert.ok(ss.every((s) => /^uploadsbucket[A-Z]/.test(s.Sid ?? "")));
        }
        const sse = bucketAccessStatements({ ...b, kmsKeyArn: undefined, access: "read-write" });
        assert.ok(!actions(sse).some((a) => a.startsWith("kms:")));
    });

    it("names roles within 64 characters, distinct per cluster, namespace and ServiceAccount", () => {
        const name = podIdentityRoleName(trust);
        assert.match(name, /^notevault-api-[0-9a-f]{8}$/);
        assert.strictEqual(podIdentityRoleName(trust), name);
        const other = PROVIDER.replace("eu-west-1", "us-east-1");
        assert.notStrictEqual(podIdentityRoleName({ ...trust, oidcProviderArn: other }), name);
        assert.notStrictEqual(
            podIdentityRoleName({ ...trust, serviceAccountName: "worker" }),
            name,
        );
        const long = podIdentityRoleName({
            ...trust,
            namespace: "n".repeat(63),
            serviceAccountName: "s".repeat(200),
        });
        assert.ok(long.length <= 64 && /^[A-Za-z0-9+=,.@_-]+$/.test(long), long);
    });
});

describe("PodIdentity component", function () {
    const program = path.join(__dirname, "fixtures", "podIdentityProgram.ts");
    const plan = (args: Record<string, unknown>, registered?: string[]) =>
        planProgram({
            stack: "test",
            project: "fixture",
            program,
            config: { "fixture:args": JSON.stringify(args) },
            registered,
        });
    const find = (p: Plan, type: string) => p.resources.filter((r) => r.type === type);

    it("annotates the ServiceAccount with the role that trusts exactly it", async () => {
        const p = await plan({
            ...trust,
            statements: [
                { Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] },
            ],
            withKey: true,
        });
        const [role] = find(p, "aws:iam/role:Role");
        const [sa] = find(p, "kubernetes:core/v1:ServiceAccount");
        const [policy] = find(p, "aws:iam/rolePolicy:RolePolicy");
        const roleName = podIdentityRoleName(trust);
        assert.strictEqual(role.inputs.name, roleName);
        assert.deepStrictEqual(
            JSON.parse(String(role.inputs.assumeRolePolicy)),
            irsaTrustPolicy(trust),
        );
        const meta = sa.inputs.metadata as any;
        assert.strictEqual(meta.name, "api");
        assert.strictEqual(meta.namespace, "notevault");
        assert.strictEqual(
            meta.annotations["eks.amazonaws.com/role-arn"],
            `arn:aws:iam::123456789012:role/${roleName}`,
        );
        assert.strictEqual(sa.inputs.automountServiceAccountToken, false);
        assert.deepStrictEqual(sa.options.dependsOn, [
            `aws:iam/rolePolicy:RolePolicy::${policy.name}`,
        ]);
        const doc = JSON.parse(String(policy.inputs.policy));
        // The key's ARN arrived as an Output and was resolved into the document.
        assert.deepStrictEqual(doc.Statement[1].Action, ["kms:Decrypt"]);
        assert.match(
            doc.Statement[1].Resource[0],
            /^arn:aws:kms:eu-west-1:123456789012:key\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
        );
        assert.strictEqual(p.outputs.roleArn, `arn:aws:iam::123456789012:role/${roleName}`);
    });

    it("creates no permission policy when given no statements", async () => {
        const p = await plan(trust);
        assert.strictEqual(find(p, "aws:iam/rolePolicy:RolePolicy").length, 0);
        assert.strictEqual(find(p, "aws:iam/role:Role").length, 1);
    });

    it("refuses an over-broad statement before registering anything of the identity", async () => {
        const registered: string[] = [];
        await assert.rejects(
            plan(
                { ...trust, statements: [{ Effect: "Allow", Action: ["s3:*"], Resource: ["*"] }] },
                registered,
            ),
            /statements\[0\] must not allow "s3:\*" on every resource/,
        );
        assert.deepStrictEqual(
            registered.filter((k) => /iam|ServiceAccount/.test(k)),
            [],
        );
    });
});

describe("release:cluster", () => {
    it("names the key, the value and the rule for a provider ARN that is not one", async () => {
        const problems = await configProblems("staging", (c) => {
            c.cluster = { oidcProviderArn: "arn:aws:iam::123456789012:role/eks" };
        });
        assert.deepStrictEqual(problems, [
            'release:cluster.oidcProviderArn must be an IAM OIDC provider ARN such as arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE (got "arn:aws:iam::123456789012:role/eks")',
        ]);
    });
});
