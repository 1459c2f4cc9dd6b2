// IAM policies, every branch: a happy-path role trusted by one ServiceAccount and a least-privilege
// permission policy, then one change per case, each asserting the exact findings.
import { strict as assert } from "assert";
import type { StackValidationPolicy } from "@pulumi/policy";
import * as identity from "../policies/identity";
import type { PlannedResource } from "../scripts/lib/plan";
import { checkStack, planned, type Built, type Props } from "./policyArgs";

const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const PROVIDER = `arn:aws:iam::123456789012:oidc-provider/${ISSUER}`;
const ROLE = "notevault-api-1234abcd";
const SUB = `${ISSUER}:sub`;
const AUD = `${ISSUER}:aud`;

const webIdentity = (): Props => ({
    Effect: "Allow",
    Principal: { Federated: PROVIDER },
    Action: ["sts:AssumeRoleWithWebIdentity"],
    Condition: {
        StringEquals: { [SUB]: "system:serviceaccount:notevault:api", [AUD]: "sts.amazonaws.com" },
    },
});

const role = (statements: Props[], name = "api-role", roleName = ROLE) =>
    planned(identity.IAM_TYPES.role, name, {
        name: roleName,
        assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
    });

/** The role with its trust statement changed by `fn` (one change per case). */
const trust = (fn: (s: Props) => void) => {
    const s = webIdentity();
    fn(s);
    return [role([s])];
};

async function findings(policy: Built<StackValidationPolicy>, g: PlannedResource[]) {
    return checkStack(policy, g);
}
const prefix = `IAM role ${ROLE} trust policy`;

describe("iam-service-account-role-scoped, every branch", () => {
    const policy = identity.serviceAccountRoleScoped;

    it("passes the happy path, also with a session-tag action and a second, non-web-identity statement", async () => {
        for (const g of [
            [role([webIdentity()])],
            trust((s) => (s.Action = ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"])),
            [
                role([
                    {
                        Effect: "Allow",
                        Principal: { Service: "ec2.amazonaws.com" },
                        Action: "sts:AssumeRole",
                    },
                    webIdentity(),
                ]),
            ],
            // A Deny is no grant: it needs no conditions.
            [
                role([
                    webIdentity(),
                    {
                        Effect: "Deny",
                        Principal: { Federated: "*" },
                        Action: "sts:AssumeRoleWithWebIdentity",
                    },
                ]),
            ],
        ]) {
            assert.deepEqual(await findings(policy, g), { messages: [], notApplicable: [] });
        }
    });

    it("accepts a trust policy given as an object", async () => {
        const g = [role([])];
        (g[0].inputs as Props).assumeRolePolicy = {
            Version: "2012-10-17",
            Statement: [webIdentity()],
        };
        assert.deepEqual(await findings(policy, g), { messages: [], notApplicable: [] });
    });

    it("is not applicable, with its reason, to roles that trust no web identity", async () => {
        const ec2 = role([
            {
                Effect: "Allow",
                Principal: { Service: "ec2.amazonaws.com" },
                Action: "sts:AssumeRole",
            },
        ]);
        const denied = role([{ ...webIdentity(), Effect: "Deny", Condition: {} }], "denied");
        const broken = role([], "broken");
        (broken.inputs as Props).assumeRolePolicy = "{not json";
        const unknown = role([], "unknown");
        (unknown.inputs as Props).assumeRolePolicy = null;
        assert.deepEqual(await findings(policy, [ec2, denied, broken, unknown]), {
            messages: [],
            notApplicable: ["no IAM role trusts a web identity"],
        });
    });

    it("checks only IAM roles, not a component whose inputs carry a trust policy", async () => {
        const bad = trust((s) => delete s.Condition)[0];
        const component = { ...bad, type: "release:identity:PodIdentity", custom: false };
        assert.deepEqual(await findings(policy, [component]), {
            messages: [],
            notApplicable: ["no IAM role trusts a web identity"],
        });
    });

    for (const [name, fn, problems] of [
        [
            '"sts:*" is a web identity grant too',
            (s: Props) => ((s.Action = "sts:*"), delete s.Condition.StringEquals[SUB]),
            ["must limit the web identity with a StringEquals condition on :sub"],
        ],
        [
            '"*" is a web identity grant too',
            (s: Props) => ((s.Action = ["*"]), delete s.Condition.StringEquals[SUB]),
            ["must limit the web identity with a StringEquals condition on :sub"],
        ],
        [
            "no principal",
            (s: Props) => delete s.Principal,
            ["must trust exactly one OIDC provider as Federated principal (got [])"],
        ],
        [
            "a federated principal that is no OIDC provider",
            (s: Props) => (s.Principal.Federated = "cognito-identity.amazonaws.com"),
            [
                'must trust exactly one OIDC provider as Federated principal (got ["cognito-identity.amazonaws.com"])',
            ],
        ],
        [
            "two OIDC providers",
            (s: Props) =>
                (s.Principal.Federated = [PROVIDER, PROVIDER.replace("eu-west-1", "us-east-1")]),
            [
                `must trust exactly one OIDC provider as Federated principal (got ${JSON.stringify([PROVIDER, PROVIDER.replace("eu-west-1", "us-east-1")])})`,
            ],
        ],
        [
            "a wildcard subject under StringLike, reported once",
            (s: Props) => {
                delete s.Condition.StringEquals[SUB];
                s.Condition.StringLike = { [SUB]: "system:serviceaccount:notevault:*" };
            },
            [
                'must compare :sub with StringEquals, not StringLike (got ["system:serviceaccount:notevault:*"])',
            ],
        ],
        [
            "a wrong audience",
            (s: Props) => (s.Condition.StringEquals[AUD] = "sts.example.com"),
            ['must require the audience sts.amazonaws.com (got ["sts.example.com"])'],
        ],
        [
            "a second audience",
            (s: Props) => (s.Condition.StringEquals[AUD] = ["sts.amazonaws.com", "other"]),
            ['must require the audience sts.amazonaws.com (got ["sts.amazonaws.com","other"])'],
        ],
        [
            "two ServiceAccounts, listed sorted",
            (s: Props) =>
                (s.Condition.StringEquals[SUB] = [
                    "system:serviceaccount:zeta:api",
                    "system:serviceaccount:alpha:api",
                ]),
            [
                'must name exactly one namespace and ServiceAccount (got ["system:serviceaccount:alpha:api","system:serviceaccount:zeta:api"])',
            ],
        ],
    ] as const) {
        it(`reports ${name}`, async () => {
            assert.deepEqual(await findings(policy, trust(fn)), {
                messages: problems.map((p) => `${prefix} ${p}`),
                notApplicable: [],
            });
        });
    }
});

describe("iam-no-s3-wildcard, every branch", () => {
    const policy = identity.noS3WildcardPolicy;
    const withPermission = (statement: Props) => [
        role([webIdentity()]),
        planned(identity.IAM_TYPES.rolePolicy, "api-policy", {
            name: "least-privilege",
            policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }),
        }),
    ];

    it("passes a deny of everything, a whole service on one bucket, and a metric read on *", async () => {
        for (const s of [
            { Effect: "Deny", Action: "*", Resource: "*" },
            { Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b" },
            { Effect: "Allow", Action: ["cloudwatch:GetMetricData"], Resource: ["*"] },
        ]) {
            assert.deepEqual(await findings(policy, withPermission(s)), {
                messages: [],
                notApplicable: [],
            });
        }
    });

    for (const [name, s, what] of [
        ['"*:*" on *', { Effect: "Allow", Action: "*:*", Resource: "*" }, "*:*"],
        [
            's3:* on a list of resources with "*"',
            { Effect: "Allow", Action: "s3:*", Resource: ["arn:aws:s3:::b", "*"] },
            "s3:*",
        ],
        [
            "NotAction on *",
            { Effect: "Allow", NotAction: ["iam:*"], Resource: "*" },
            'NotAction ["iam:*"]',
        ],
    ] as const) {
        it(`reports ${name}`, async () => {
            assert.deepEqual(await findings(policy, withPermission(s)), {
                messages: [`RolePolicy least-privilege must not allow ${what} on "*"`],
                notApplicable: [],
            });
        });
    }

    it("skips an inline policy entry that is still unknown", async () => {
        const r = role([webIdentity()]);
        (r.inputs as Props).inlinePolicies = [null];
        assert.deepEqual(await findings(policy, [r]), { messages: [], notApplicable: [] });
    });

    it("reads inline policies of IAM roles only, and is not applicable, with its reason, without IAM", async () => {
        const component = planned("release:identity:PodIdentity", "api", {
            inlinePolicies: [
                {
                    policy: JSON.stringify({
                        Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
                    }),
                },
            ],
        });
        assert.deepEqual(await findings(policy, [component]), {
            messages: [],
            notApplicable: ["no IAM permission policy in the stack"],
        });
    });
});

describe("identity rules: subjects and permission documents of every kind", () => {
    const trustWith = (sub: string) => {
        const s = webIdentity();
        s.Condition.StringEquals[SUB] = sub;
        return { Version: "2012-10-17", Statement: [s] };
    };

    it("takes only system:serviceaccount:<namespace>:<name> with DNS-label names", () => {
        for (const ok of [
            "system:serviceaccount:notevault:api",
            "system:serviceaccount:n:a",
            "system:serviceaccount:note-vault2:api-v2.worker",
        ]) {
            assert.deepEqual(identity.trustProblems(trustWith(ok)), [], ok);
        }
        for (const bad of [
            "xsystem:serviceaccount:notevault:api",
            "system:serviceaccount:notevault:api-",
            "system:serviceaccount:-notevault:api",
            "system:serviceaccount:notevault-:api",
            "system:serviceaccount:notevault:.api",
            "system:serviceaccount:notevault:api.",
            "system:serviceaccount:NoteVault:api",
            "system:serviceaccount:note.vault:api",
            "system:serviceaccount:notevault:api:extra",
            "system:serviceaccount::api",
        ]) {
            assert.deepEqual(
                identity.trustProblems(trustWith(bad)),
                [
                    `must name a ServiceAccount as system:serviceaccount:<namespace>:<name> (got ${JSON.stringify(bad)})`,
                ],
                bad,
            );
        }
    });

    it("reads the document of a managed, user and group policy, not only a role's", async () => {
        const broad = JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
        });
        for (const [type, kind] of [
            [identity.IAM_TYPES.policy, "Policy"],
            [identity.IAM_TYPES.userPolicy, "UserPolicy"],
            [identity.IAM_TYPES.groupPolicy, "GroupPolicy"],
        ]) {
            const f = await findings(identity.noS3WildcardPolicy, [
                planned(type, "broad", { name: "broad", policy: broad }),
            ]);
            assert.deepEqual(f.messages, [`${kind} broad must not allow s3:* on "*"`], type);
        }
    });
});
