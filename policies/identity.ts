// IAM rules for pod identities: a role that trusts a Kubernetes ServiceAccount trusts exactly one
// (one namespace, one ServiceAccount, the STS audience), and no policy grants all of S3 (or all
// of anything) on every resource. Static keys are the other half: no IAM access key may exist.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import type { Props } from "./util";

export const IAM_TYPES = {
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    policy: "aws:iam/policy:Policy",
    userPolicy: "aws:iam/userPolicy:UserPolicy",
    groupPolicy: "aws:iam/groupPolicy:GroupPolicy",
    accessKey: "aws:iam/accessKey:AccessKey",
} as const;

function asList(v: unknown): unknown[] {
    return Array.isArray(v) ? v : v === undefined ? [] : [v];
}

function parseDocument(doc: unknown): Props | undefined {
    if (doc && typeof doc === "object") return doc as Props;
    if (typeof doc !== "string") return undefined;
    try {
        return JSON.parse(doc) as Props;
    } catch {
        return undefined;
    }
}

function statementsOf(doc: unknown): Props[] {
    return asList(parseDocument(doc)?.Statement) as Props[];
}

/** Condition values whose key ends in `suffix`, under any operator, with the operator's name. */
function conditionValues(s: Props, suffix: string): { operator: string; values: string[] }[] {
    const out: { operator: string; values: string[] }[] = [];
    for (const [operator, block] of Object.entries((s.Condition ?? {}) as Props)) {
        for (const [key, value] of Object.entries((block ?? {}) as Props)) {
            if (key.endsWith(suffix)) out.push({ operator, values: asList(value).map(String) });
        }
    }
    return out;
}

const SA_SUBJECT =
    /^system:serviceaccount:([a-z0-9]([-a-z0-9]*[a-z0-9])?):([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/;

function isWebIdentity(s: Props) {
    return (
        s.Effect === "Allow" &&
        asList(s.Action).some(
            (a) => a === "sts:AssumeRoleWithWebIdentity" || a === "sts:*" || a === "*",
        )
    );
}

/** Problems with one role's ServiceAccount trust, or none when it trusts no web identity. */
export function trustProblems(trust: unknown): string[] {
    const statements = statementsOf(trust).filter(isWebIdentity);
    if (statements.length === 0) return [];
    const problems: string[] = [];
    const subjects = new Set<string>();
    for (const s of statements) {
        const federated = asList((s.Principal as Props | undefined)?.Federated).map(String);
        if (!federated.every((f) => /:oidc-provider\//.test(f)) || federated.length !== 1) {
            problems.push(
                `must trust exactly one OIDC provider as Federated principal (got ${JSON.stringify(federated)})`,
            );
        }
        const subs = conditionValues(s, ":sub");
        const exact = subs.filter((c) => c.operator === "StringEquals");
        if (subs.length === 0) {
            problems.push("must limit the web identity with a StringEquals condition on :sub");
        }
        for (const c of subs) {
            if (c.operator !== "StringEquals") {
                problems.push(
                    `must compare :sub with StringEquals, not ${c.operator} (got ${JSON.stringify(c.values)})`,
                );
            }
        }
        for (const c of exact) {
            for (const v of c.values) {
                if (!SA_SUBJECT.test(v)) {
                    problems.push(
                        `must name a ServiceAccount as system:serviceaccount:<namespace>:<name> (got ${JSON.stringify(v)})`,
                    );
                }
                subjects.add(v);
            }
        }
        const auds = conditionValues(s, ":aud").flatMap((c) => c.values);
        if (auds.length !== 1 || auds[0] !== "sts.amazonaws.com") {
            problems.push(
                `must require the audience sts.amazonaws.com (got ${JSON.stringify(auds)})`,
            );
        }
    }
    if (subjects.size > 1) {
        problems.push(
            `must name exactly one namespace and ServiceAccount (got ${JSON.stringify([...subjects].sort())})`,
        );
    }
    return problems;
}

export function serviceAccountRoleScoped(): StackValidationPolicy {
    return {
        name: "iam-service-account-role-scoped",
        description:
            "An IAM role trusted by a Kubernetes ServiceAccount must name exactly one namespace and ServiceAccount.",
        validateStack: (args, report) => {
            let seen = 0;
            for (const r of args.resources.filter((x) => x.type === IAM_TYPES.role)) {
                if (statementsOf(r.props.assumeRolePolicy).some(isWebIdentity)) seen++;
                for (const p of trustProblems(r.props.assumeRolePolicy)) {
                    report(`IAM role ${String(r.props.name ?? r.name)} trust policy ${p}`, r.urn);
                }
            }
            if (seen === 0) args.notApplicable("no IAM role trusts a web identity");
        },
    };
}

const POLICY_DOCS: { type: string; prop: string }[] = [
    { type: IAM_TYPES.rolePolicy, prop: "policy" },
    { type: IAM_TYPES.policy, prop: "policy" },
    { type: IAM_TYPES.userPolicy, prop: "policy" },
    { type: IAM_TYPES.groupPolicy, prop: "policy" },
];

/** Every permission document in the graph, inline role policies included. */
function permissionDocuments(resources: PolicyResource[]): { r: PolicyResource; doc: unknown }[] {
    const out: { r: PolicyResource; doc: unknown }[] = [];
    for (const r of resources) {
        for (const d of POLICY_DOCS) if (r.type === d.type) out.push({ r, doc: r.props[d.prop] });
        if (r.type === IAM_TYPES.role) {
            for (const inline of asList(r.props.inlinePolicies) as Props[]) {
                out.push({ r, doc: inline?.policy });
            }
        }
    }
    return out;
}

/** A broad grant: every action, or all of S3, on every resource. */
export function broadGrants(doc: unknown): string[] {
    const out: string[] = [];
    for (const s of statementsOf(doc)) {
        if (s.Effect !== "Allow" || !asList(s.Resource).includes("*")) continue;
        for (const a of asList(s.Action).map(String)) {
            if (a === "*" || a === "*:*" || a.toLowerCase() === "s3:*") out.push(a);
        }
        if (s.NotAction !== undefined) out.push(`NotAction ${JSON.stringify(s.NotAction)}`);
    }
    return out;
}

export function noS3WildcardPolicy(): StackValidationPolicy {
    return {
        name: "iam-no-s3-wildcard",
        description: 'An IAM policy must not allow "s3:*" (or every action) on every resource.',
        validateStack: (args, report) => {
            const docs = permissionDocuments(args.resources);
            if (docs.length === 0) args.notApplicable("no IAM permission policy in the stack");
            for (const { r, doc } of docs) {
                for (const action of broadGrants(doc)) {
                    report(
                        `${r.type.split(":").pop()} ${String(r.props.name ?? r.name)} must not allow ${action} on "*"`,
                        r.urn,
                    );
                }
            }
        },
    };
}

export function noStaticAccessKeys(): StackValidationPolicy {
    return {
        name: "iam-no-static-access-keys",
        description:
            "The stack must not create IAM access keys: workloads must use pod identities.",
        validateStack: (args, report) => {
            for (const r of args.resources.filter((x) => x.type === IAM_TYPES.accessKey)) {
                report(
                    `IAM access key ${r.name} must not exist: use a pod identity (IAM role for the ServiceAccount)`,
                    r.urn,
                );
            }
        },
    };
}

export function identityPolicies() {
    return [serviceAccountRoleScoped(), noS3WildcardPolicy(), noStaticAccessKeys()];
}
