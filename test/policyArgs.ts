// Test fixtures for the policy pack: ResourceValidationArgs built the way the engine builds them,
// small planned graphs for stack policies, and one call that runs a policy and collects findings.
import type {
    Policy,
    PolicyResourceOptions,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import type { Plan, PlannedResource } from "../scripts/lib/plan";
import { policyConfig, policyResources, type PackConfig } from "../scripts/lib/policyRunner";

export type Props = Record<string, any>;

export interface Findings {
    messages: string[];
    notApplicable: string[];
}

class NotApplicable extends Error {}

/**
 * A policy, or the function in policies/ that builds it. The helpers build it inside the test that
 * calls them, so that test is the one covering the policy's name, description and schema.
 */
export type Built<P extends Policy> = P | (() => P);
export const build = <P extends Policy>(p: Built<P>): P => (typeof p === "function" ? p() : p);

const opts = (protect = false): PolicyResourceOptions => ({
    protect,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
});

const isTypeOf = (type: string, cls: unknown) =>
    (cls as { __pulumiType?: string }).__pulumiType === type;

/** ResourceValidationArgs for one resource; getConfig applies the policy's schema defaults. */
export function resourceArgs(
    policy: Built<Policy>,
    type: string,
    props: Props,
    options: { protect?: boolean; config?: PackConfig; name?: string } = {},
): ResourceValidationArgs {
    const name = options.name ?? "subject";
    const cfg = policyConfig(build(policy), options.config ?? {});
    return {
        type,
        props,
        urn: `urn:pulumi:test::release::${type}::${name}`,
        name,
        opts: opts(options.protect),
        stackTags: new Map(),
        isType: (cls) => isTypeOf(type, cls),
        asType: ((cls: unknown) =>
            isTypeOf(type, cls) ? props : undefined) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => structuredClone(cfg) as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason ?? "not applicable");
        },
    };
}

async function collect(run: (report: (m: string) => void) => unknown): Promise<Findings> {
    const out: Findings = { messages: [], notApplicable: [] };
    try {
        await run((m) => out.messages.push(m));
    } catch (e) {
        if (!(e instanceof NotApplicable)) throw e;
        out.notApplicable.push(e.message);
    }
    return out;
}

/** Runs every validation of a resource policy on one resource. */
export async function checkResource(
    built: Built<ResourceValidationPolicy>,
    type: string,
    props: Props,
    options: { protect?: boolean; config?: PackConfig } = {},
): Promise<Findings> {
    const policy = build(built);
    const args = resourceArgs(policy, type, props, options);
    const fns = ([] as ResourceValidation[]).concat(policy.validateResource ?? []);
    const all: Findings = { messages: [], notApplicable: [] };
    for (const fn of fns) {
        const f = await collect((report) => fn(args, report));
        all.messages.push(...f.messages);
        all.notApplicable.push(...f.notApplicable);
    }
    // Applicable if any validation applied.
    if (all.notApplicable.length < fns.length) all.notApplicable = [];
    return all;
}

/** A planned resource for a synthetic graph. */
export function planned(
    type: string,
    name: string,
    inputs: Props,
    options: Partial<PlannedResource["options"]> = {},
): PlannedResource {
    return {
        type,
        name,
        parent: "pulumi:pulumi:Stack::release-test",
        custom: true,
        inputs,
        options: { protect: false, retainOnDelete: false, dependsOn: [], ...options },
    };
}

/** Runs a stack policy on a graph (built the way the offline runner builds it). */
export async function checkStack(
    built: Built<StackValidationPolicy>,
    resources: PlannedResource[],
    config: PackConfig = {},
): Promise<Findings> {
    const policy = build(built);
    const plan: Plan = { stack: "test", resources, outputs: {} };
    const nodes = policyResources(plan);
    const cfg = policyConfig(policy, config);
    return collect((report) =>
        policy.validateStack(
            {
                resources: nodes.map((n) => n.resource),
                stackTags: new Map(),
                getConfig: <T extends object>() => structuredClone(cfg) as T,
                notApplicable: (reason?: string): never => {
                    throw new NotApplicable(reason ?? "not applicable");
                },
            },
            (m) => report(m),
        ),
    );
}
