// Runs the CrossGuard pack (policies/) on a planned graph, offline, the way the engine's analyzer
// does: resource policies get ResourceValidationArgs per resource, stack policies get the whole
// graph as PolicyResources with parents and dependencies. Enforcement levels and config come from
// the same policy-config.<stage>.json files users pass to `pulumi preview --policy-pack-config`.
import * as fs from "fs";
import * as path from "path";
import type {
    EnforcementLevel,
    Policies,
    Policy,
    PolicyConfigSchema,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { DEFAULT_ENFORCEMENT, policies as packPolicies } from "../../policies/policies";
import { REPO_ROOT, resourceKey, type Plan } from "./plan";

export const POLICY_DIR = path.join(REPO_ROOT, "policies");

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

type PolicyConfigEntry =
    EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>);
/** The JSON given to `--policy-pack-config`: `all` plus per-policy entries. */
export type PackConfig = { all?: EnforcementLevel } & Record<string, PolicyConfigEntry | undefined>;

export class PolicyConfigError extends Error {
    constructor(public readonly problems: string[]) {
        super(`Invalid policy pack config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "PolicyConfigError";
    }
}

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** The checked-in pack config for a stage (policies/policy-config.<stage>.json). */
export function packConfigFile(stage: string): string {
    return path.join(POLICY_DIR, `policy-config.${stage}.json`);
}

export function loadPackConfig(stage: string): PackConfig {
    const file = packConfigFile(stage);
    if (!fs.existsSync(file)) {
        throw new PolicyConfigError([
            `release:stage ${stage} must have a policy config file ${path.relative(REPO_ROOT, file)}`,
        ]);
    }
    return JSON.parse(fs.readFileSync(file, "utf8")) as PackConfig;
}

function typeOk(schema: Record<string, unknown>, value: unknown): boolean {
    switch (schema.type) {
        case "integer":
            return Number.isInteger(value);
        case "number":
            return typeof value === "number";
        case "string":
            return typeof value === "string";
        case "boolean":
            return typeof value === "boolean";
        case "array":
            return Array.isArray(value);
        case "object":
            return !!value && typeof value === "object" && !Array.isArray(value);
        default:
            return true;
    }
}

/** Problems with a pack config, in the engine's terms: unknown policies, levels, properties. */
export function packConfigProblems(
    config: PackConfig,
    policies: Policies = packPolicies,
): string[] {
    const problems: string[] = [];
    const byName = new Map<string, Policy>(policies.map((p) => [p.name, p]));
    for (const [name, entry] of Object.entries(config)) {
        if (name === "all") {
            if (!LEVELS.includes(entry as EnforcementLevel)) {
                problems.push(
                    `all must be one of ${LEVELS.join(", ")} (got ${JSON.stringify(entry)})`,
                );
            }
            continue;
        }
        const policy = byName.get(name);
        if (!policy) {
            problems.push(`${name} must be a policy of the pack (check the spelling)`);
            continue;
        }
        if (typeof entry === "string" || entry === undefined) {
            if (!LEVELS.includes(entry as EnforcementLevel)) {
                problems.push(
                    `${name} must be one of ${LEVELS.join(", ")} (got ${JSON.stringify(entry)})`,
                );
            }
            continue;
        }
        const props = (policy.configSchema?.properties ?? {}) as Record<
            string,
            Record<string, unknown>
        >;
        for (const [key, value] of Object.entries(entry)) {
            if (key === "enforcementLevel") {
                if (!LEVELS.includes(value as EnforcementLevel)) {
                    problems.push(
                        `${name}.enforcementLevel must be one of ${LEVELS.join(", ")} (got ${JSON.stringify(value)})`,
                    );
                }
                continue;
            }
            const schema = props[key];
            if (!schema) {
                problems.push(
                    `${name}.${key} must be a setting of the policy (known: ${Object.keys(props).join(", ") || "none"})`,
                );
            } else if (!typeOk(schema, value)) {
                problems.push(
                    `${name}.${key} must be of type ${String(schema.type)} (got ${JSON.stringify(value)})`,
                );
            }
        }
    }
    return problems;
}

/** Schema defaults, overlaid with the configured values (what `args.getConfig()` returns). */
export function policyConfig(policy: Policy, config: PackConfig): Record<string, unknown> {
    const schema: PolicyConfigSchema | undefined = policy.configSchema;
    const out: Record<string, unknown> = {};
    for (const [key, prop] of Object.entries(schema?.properties ?? {})) {
        const def = (prop as { default?: unknown }).default;
        if (def !== undefined) out[key] = structuredClone(def);
    }
    const entry = config[policy.name];
    if (entry && typeof entry === "object") {
        for (const [key, value] of Object.entries(entry)) {
            if (key !== "enforcementLevel") out[key] = structuredClone(value);
        }
    }
    return out;
}

/** Per-policy level, else `all`, else the policy's own, else the pack default. */
export function enforcementLevelOf(
    policy: Policy,
    config: PackConfig,
    packDefault: EnforcementLevel = DEFAULT_ENFORCEMENT,
): EnforcementLevel {
    const entry = config[policy.name];
    const own = typeof entry === "string" ? entry : entry?.enforcementLevel;
    return own ?? config.all ?? policy.enforcementLevel ?? packDefault;
}

class NotApplicableError extends Error {
    constructor(public readonly reason?: string) {
        super(reason ?? "not applicable");
    }
}
const notApplicable = (reason?: string): never => {
    throw new NotApplicableError(reason);
};

/** Same test as the policy SDK: the class's type token, else its isInstance. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
    const token = (resourceClass as { __pulumiType?: unknown }).__pulumiType;
    if (typeof token === "string" && token.length > 0) return type === token;
    const isInstance = (resourceClass as { isInstance?: (o: unknown) => boolean }).isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value)) deepFreeze(v);
    }
    return value;
}

function collectStrings(value: unknown, out: Set<string>): void {
    if (typeof value === "string") out.add(value);
    else if (Array.isArray(value)) value.forEach((v) => collectStrings(v, out));
    else if (value && typeof value === "object")
        Object.values(value).forEach((v) => collectStrings(v, out));
}

interface GraphNode {
    key: string;
    resource: PolicyResource;
    custom: boolean;
}

/**
 * Builds the PolicyResources of a plan. Explicit dependsOn comes from the plan; implicit
 * (input-to-output) dependencies are recovered from the mocks' resource ids (`<name>-id`), which
 * is how an input such as `vpcSecurityGroupIds: [sg.id]` shows up in the planned graph.
 */
export function policyResources(plan: Plan, project = "release"): GraphNode[] {
    const stackType = "pulumi:pulumi:Stack";
    const stackKey = `${stackType}::${project}-${plan.stack}`;
    const prefix = `urn:pulumi:${plan.stack}::${project}::`;
    const byKey = new Map(plan.resources.map((r) => [resourceKey(r), r]));
    const typeChain = (key: string): string[] => {
        const r = byKey.get(key);
        if (!r) return [];
        return [...(r.parent ? typeChain(r.parent) : []), r.type];
    };
    const urnOf = (key: string): string => {
        if (key === stackKey) return `${prefix}${stackType}::${project}-${plan.stack}`;
        const r = byKey.get(key)!;
        return `${prefix}${typeChain(key).join("$")}::${r.name}`;
    };
    const opts = (protect: boolean, parent?: string): PolicyResourceOptions => ({
        protect,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(parent ? { parent } : {}),
    });
    const make = (
        type: string,
        name: string,
        props: Record<string, unknown>,
        o: PolicyResourceOptions,
    ) => {
        const frozen = deepFreeze(structuredClone(props));
        const resource: PolicyResource = {
            type,
            name,
            props: frozen,
            urn: "",
            opts: o,
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => isTypeOf(type, cls),
            asType: ((cls: unknown) =>
                isTypeOf(type, cls) ? frozen : undefined) as PolicyResource["asType"],
        };
        return resource;
    };

    const nodes = new Map<string, GraphNode>();
    const stack = make(stackType, `${project}-${plan.stack}`, plan.outputs, opts(false));
    stack.urn = urnOf(stackKey);
    nodes.set(stackKey, { key: stackKey, resource: stack, custom: false });
    for (const r of plan.resources) {
        const key = resourceKey(r);
        const parentUrn = r.parent
            ? r.parent === stackKey
                ? stack.urn
                : urnOf(r.parent)
            : undefined;
        const res = make(r.type, r.name, r.inputs, opts(r.options.protect, parentUrn));
        res.urn = urnOf(key);
        nodes.set(key, { key, resource: res, custom: r.custom });
    }
    const mockIds = new Map<string, GraphNode>();
    for (const n of nodes.values()) if (n.custom) mockIds.set(`${n.resource.name}-id`, n);
    for (const r of plan.resources) {
        const node = nodes.get(resourceKey(r))!;
        const res = node.resource;
        if (r.parent && nodes.has(r.parent)) res.parent = nodes.get(r.parent)!.resource;
        const deps = new Set<PolicyResource>();
        for (const d of r.options.dependsOn) {
            const dep = nodes.get(d);
            if (dep) deps.add(dep.resource);
        }
        for (const [prop, value] of Object.entries(r.inputs)) {
            const strings = new Set<string>();
            collectStrings(value, strings);
            const propDeps = [...strings]
                .map((s) => mockIds.get(s))
                .filter((n): n is GraphNode => n !== undefined && n !== node)
                .map((n) => n.resource);
            if (propDeps.length > 0) {
                res.propertyDependencies[prop] = propDeps;
                propDeps.forEach((d) => deps.add(d));
            }
        }
        res.dependencies = [...deps];
    }
    return [...nodes.values()];
}

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

/** Runs every enabled policy on the plan; violations sorted mandatory first. */
export async function runPolicies(plan: Plan, opts: PolicyRunOptions = {}): Promise<PolicyRun> {
    const stage = opts.stage ?? (plan.outputs.stage as string | undefined);
    if (!stage)
        throw new PolicyConfigError(["release:stage must be known to pick the policy config"]);
    const config = opts.config ?? loadPackConfig(stage);
    const policies = opts.policies ?? packPolicies;
    const problems = packConfigProblems(config, policies);
    if (problems.length > 0) throw new PolicyConfigError(problems);

    const nodes = policyResources(plan, opts.project);
    const byUrn = new Map(nodes.map((n) => [n.resource.urn, n.key]));
    const stackNode = nodes[0];
    const violations: Violation[] = [];
    const notApplicableList: NotApplicable[] = [];
    const ran: string[] = [];

    for (const policy of policies) {
        const level = enforcementLevelOf(policy, config);
        if (level === "disabled") continue;
        ran.push(policy.name);
        const cfg = deepFreeze(policyConfig(policy, config));
        const getConfig = <T extends object>() => structuredClone(cfg) as unknown as T;
        const push = (resource: string | null, message: string) =>
            violations.push({
                policy: policy.name,
                enforcementLevel: reported(level),
                resource,
                message,
            });
        const run = async (resource: string | null, fn: () => unknown) => {
            try {
                await fn();
            } catch (e) {
                if (e instanceof NotApplicableError) {
                    notApplicableList.push({ policy: policy.name, resource, reason: e.reason });
                    return;
                }
                throw new Error(
                    `policy ${policy.name} failed on ${resource ?? "the stack"}: ${String(e)}`,
                );
            }
        };

        const validate = (policy as ResourceValidationPolicy).validateResource;
        if (validate) {
            const validations: ResourceValidation[] = Array.isArray(validate)
                ? validate
                : [validate];
            for (const node of nodes) {
                if (node === stackNode) continue;
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
                        isTypeOf(r.type, cls)
                            ? r.props
                            : undefined) as ResourceValidationArgs["asType"],
                    getConfig,
                    notApplicable,
                };
                for (const v of validations) {
                    await run(node.key, () => v(args, (message) => push(node.key, message)));
                }
            }
        }
        const validateStack = (policy as StackValidationPolicy).validateStack;
        if (validateStack) {
            const args: StackValidationArgs = {
                resources: nodes.map((n) => n.resource),
                stackTags: new Map(),
                getConfig,
                notApplicable,
            };
            await run(null, () =>
                validateStack(args, (message, urn) =>
                    push(urn ? (byUrn.get(urn) ?? null) : null, message),
                ),
            );
        }
    }
    violations.sort(
        (a, b) =>
            LEVEL_ORDER[a.enforcementLevel] - LEVEL_ORDER[b.enforcementLevel] ||
            a.policy.localeCompare(b.policy) ||
            String(a.resource).localeCompare(String(b.resource)) ||
            a.message.localeCompare(b.message),
    );
    return { stage, violations, notApplicable: notApplicableList, ran };
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
