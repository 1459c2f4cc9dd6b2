// Runs the CrossGuard pack (policies/) on a planned graph, offline, the way the engine's analyzer
// does: resource policies get ResourceValidationArgs per resource, stack policies get the whole
// graph as PolicyResources with parents and dependencies. Enforcement levels and config come from
// the same policy-config.<stage>.json files users pass to `pulumi preview --policy-pack-config`.
import type {
    EnforcementLevel,
    Policies,
    Policy,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { policies as packPolicies } from "../../policies/policies";
import {
    enforcementLevelOf,
    loadPackConfig,
    packConfigProblems,
    PolicyConfigError,
    policyConfig,
    type PackConfig,
} from "./packConfig";
import { deepFreeze, isTypeOf, policyResources, type GraphNode } from "./policyGraph";
import type { Plan } from "./plan";

// The parts live in packConfig (config loading and checks) and policyGraph (graph building).
export * from "./packConfig";
export * from "./policyGraph";

export interface Violation {
    policy: string;
    enforcementLevel: "advisory" | "mandatory";
    /** "type::name" of the resource at fault; null for a stack-wide violation. */
    resource: string | null;
    message: string;
}

export interface NotApplicable {
    policy: string;
    resource: string | null;
    reason?: string;
}

class NotApplicableError extends Error {
    constructor(public readonly reason?: string) {
        super(reason ?? "not applicable");
    }
}
const notApplicable = (reason?: string): never => {
    // Most policies skip most resources this way: stack traces would be most of a run's cost.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    const e = new NotApplicableError(reason);
    Error.stackTraceLimit = limit;
    throw e;
};

export interface PolicyRunOptions {
    /** release:stage; picks policies/policy-config.<stage>.json. Default: the plan's `stage` output. */
    stage?: string;
    /** Pack config to use instead of the stage's file. */
    config?: PackConfig;
    /** Policies to run; default the whole pack. */
    policies?: Policies;
    project?: string;
}

export interface PolicyRun {
    stage: string;
    violations: Violation[];
    notApplicable: NotApplicable[];
    /** Names of the policies that ran (not disabled). */
    ran: string[];
}

const LEVEL_ORDER = { mandatory: 0, advisory: 1 };

function reported(level: EnforcementLevel): "advisory" | "mandatory" {
    // As the engine does: a remediation policy still violating is reported as mandatory.
    return level === "advisory" ? "advisory" : "mandatory";
}

/** Collects one policy's results; `run` turns notApplicable into a record, other throws into errors. */
interface PolicyCall {
    readonly policy: Policy;
    readonly getConfig: <T extends object>() => T;
    readonly push: (resource: string | null, message: string) => void;
    readonly run: (resource: string | null, fn: () => unknown) => Promise<void>;
}

function policyCall(policy: Policy, level: EnforcementLevel, config: PackConfig, out: PolicyRun) {
    const cfg = deepFreeze(policyConfig(policy, config));
    const call: PolicyCall = {
        policy,
        getConfig: <T extends object>() => structuredClone(cfg) as unknown as T,
        push: (resource, message) =>
            out.violations.push({
                policy: policy.name,
                enforcementLevel: reported(level),
                resource,
                message,
            }),
        run: async (resource, fn) => {
            try {
                await fn();
            } catch (e) {
                if (e instanceof NotApplicableError) {
                    out.notApplicable.push({ policy: policy.name, resource, reason: e.reason });
                    return;
                }
                throw new Error(
                    `policy ${policy.name} failed on ${resource ?? "the stack"}: ${String(e)}`,
                );
            }
        },
    };
    return call;
}

/** A resource policy on every resource of the graph but the stack itself. */
async function runResourcePolicy(call: PolicyCall, nodes: readonly GraphNode[]): Promise<void> {
    const validate = (call.policy as ResourceValidationPolicy).validateResource;
    if (!validate) return;
    const validations: ResourceValidation[] = Array.isArray(validate) ? validate : [validate];
    for (const node of nodes.slice(1)) {
        const r = node.resource;
        const args: ResourceValidationArgs = {
            type: r.type,
            props: r.props,
            urn: r.urn,
            name: r.name,
            opts: r.opts,
            stackTags: new Map(),
            isType: (cls) => isTypeOf(r.type, cls),
            asType: ((cls: unknown) =>
                isTypeOf(r.type, cls) ? r.props : undefined) as ResourceValidationArgs["asType"],
            getConfig: call.getConfig,
            notApplicable,
        };
        for (const v of validations) {
            await call.run(node.key, () => v(args, (message) => call.push(node.key, message)));
        }
    }
}

/** A stack policy once over the whole graph; a reported URN is mapped back to its key. */
async function runStackPolicy(call: PolicyCall, nodes: readonly GraphNode[]): Promise<void> {
    const validateStack = (call.policy as StackValidationPolicy).validateStack;
    if (!validateStack) return;
    const byUrn = new Map(nodes.map((n) => [n.resource.urn, n.key]));
    const args: StackValidationArgs = {
        resources: nodes.map((n) => n.resource),
        stackTags: new Map(),
        getConfig: call.getConfig,
        notApplicable,
    };
    await call.run(null, () =>
        validateStack(args, (message, urn) =>
            call.push(urn ? (byUrn.get(urn) ?? null) : null, message),
        ),
    );
}

/** Runs every enabled policy on the plan; violations sorted mandatory first. */
export async function runPolicies(plan: Plan, opts: PolicyRunOptions = {}): Promise<PolicyRun> {
    const stage = opts.stage ?? (plan.outputs.stage as string | undefined);
    if (!stage)
        throw new PolicyConfigError(["release:stage must be known to pick the policy config"]);
    const config = opts.config ?? loadPackConfig(stage);
    const policies = opts.policies ?? packPolicies();
    const problems = packConfigProblems(config, policies);
    if (problems.length > 0) throw new PolicyConfigError(problems);

    // The first node is the stack: resource policies skip it.
    const nodes = policyResources(plan, opts.project);
    const out: PolicyRun = { stage, violations: [], notApplicable: [], ran: [] };
    for (const policy of policies) {
        const level = enforcementLevelOf(policy, config);
        if (level === "disabled") continue;
        out.ran.push(policy.name);
        const call = policyCall(policy, level, config, out);
        await runResourcePolicy(call, nodes);
        await runStackPolicy(call, nodes);
    }
    out.violations.sort(
        (a, b) =>
            LEVEL_ORDER[a.enforcementLevel] - LEVEL_ORDER[b.enforcementLevel] ||
            a.policy.localeCompare(b.policy) ||
            String(a.resource).localeCompare(String(b.resource)) ||
            a.message.localeCompare(b.message),
    );
    return out;
}

/** Human listing, grouped by enforcement level. */
export function renderViolations(run: PolicyRun): string {
    const out: string[] = [];
    out.push(`Policies (${run.ran.length} run, stage ${run.stage} config):`);
    if (run.violations.length === 0) {
        out.push("  no violations");
        return out.join("\n");
    }
    for (const level of ["mandatory", "advisory"] as const) {
        const vs = run.violations.filter((v) => v.enforcementLevel === level);
        if (vs.length === 0) continue;
        out.push(`  ${level} (${vs.length}):`);
        for (const v of vs) {
            out.push(`    [${v.policy}] ${v.resource ?? "stack"}: ${v.message}`);
        }
    }
    return out.join("\n");
}

export const hasMandatory = (run: PolicyRun) =>
    run.violations.some((v) => v.enforcementLevel === "mandatory");
