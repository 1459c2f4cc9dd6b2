// The planned graph as the policy engine shows it to a pack: PolicyResources with URNs, parents,
// frozen props and dependencies (explicit, and implicit ones recovered from the mocks' ids).
import type { PolicyResource, PolicyResourceOptions } from "@pulumi/policy";
import { resourceKey, type Plan } from "./plan";

/** Same test as the policy SDK: the class's type token, else its isInstance. */
export function isTypeOf(type: string, resourceClass: unknown): boolean {
    const token = (resourceClass as { __pulumiType?: unknown }).__pulumiType;
    if (typeof token === "string" && token.length > 0) return type === token;
    const isInstance = (resourceClass as { isInstance?: (o: unknown) => boolean }).isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

export function deepFreeze<T>(value: T): T {
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

export interface GraphNode {
    key: string;
    resource: PolicyResource;
    custom: boolean;
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/** URNs the way the engine builds them: the parent chain's types joined by `$`, then the name. */
function urnOf(plan: Plan, project: string): (key: string) => string {
    const stackKey = `${STACK_TYPE}::${project}-${plan.stack}`;
    const prefix = `urn:pulumi:${plan.stack}::${project}::`;
    const byKey = new Map(plan.resources.map((r) => [resourceKey(r), r]));
    const typeChain = (key: string): string[] => {
        const r = byKey.get(key);
        if (!r) return [];
        return [...(r.parent ? typeChain(r.parent) : []), r.type];
    };
    return (key) => {
        if (key === stackKey) return `${prefix}${STACK_TYPE}::${project}-${plan.stack}`;
        return `${prefix}${typeChain(key).join("$")}::${byKey.get(key)!.name}`;
    };
}

const resourceOptions = (protect: boolean, parent?: string): PolicyResourceOptions => ({
    protect,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(parent ? { parent } : {}),
});

/** A PolicyResource with frozen props, no URN and no dependencies yet. */
function policyResource(
    type: string,
    name: string,
    props: Record<string, unknown>,
    opts: PolicyResourceOptions,
): PolicyResource {
    const frozen = deepFreeze(structuredClone(props));
    return {
        type,
        name,
        props: frozen,
        urn: "",
        opts,
        dependencies: [],
        propertyDependencies: {},
        isType: (cls) => isTypeOf(type, cls),
        asType: ((cls: unknown) =>
            isTypeOf(type, cls) ? frozen : undefined) as PolicyResource["asType"],
    };
}

/** Parents, explicit dependsOn, and per-input dependencies found through the mocks' ids. */
function linkDependencies(plan: Plan, nodes: Map<string, GraphNode>): void {
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
}

/**
 * Builds the PolicyResources of a plan, the stack first. Explicit dependsOn comes from the plan;
 * implicit (input-to-output) dependencies are recovered from the mocks' resource ids
 * (`<name>-id`), which is how an input such as `vpcSecurityGroupIds: [sg.id]` shows up in the
 * planned graph.
 */
export function policyResources(plan: Plan, project = "release"): GraphNode[] {
    const stackKey = `${STACK_TYPE}::${project}-${plan.stack}`;
    const urn = urnOf(plan, project);
    const nodes = new Map<string, GraphNode>();
    const stack = policyResource(
        STACK_TYPE,
        `${project}-${plan.stack}`,
        plan.outputs,
        resourceOptions(false),
    );
    stack.urn = urn(stackKey);
    nodes.set(stackKey, { key: stackKey, resource: stack, custom: false });
    for (const r of plan.resources) {
        const key = resourceKey(r);
        const parentUrn = r.parent ? urn(r.parent) : undefined;
        const res = policyResource(
            r.type,
            r.name,
            r.inputs,
            resourceOptions(r.options.protect, parentUrn),
        );
        res.urn = urn(key);
        nodes.set(key, { key, resource: res, custom: r.custom });
    }
    linkDependencies(plan, nodes);
    return [...nodes.values()];
}
