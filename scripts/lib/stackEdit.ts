// A checked-in stack's config with an edit applied, for the bench and the tests: the edit sees
// `release:*` keys without the namespace (cfg.traffic.canaryWeight = 50), as `pulumi config set`.
import { planProgram, type Plan } from "./plan";
import { loadStackInput, planRequest, type StackInput } from "./stackFile";

/** A root stack name (staging, prod) or a stack file path such as examples/notevault/Pulumi.prod.yaml. */
export type StackName = string;
/** Config keyed without the namespace: cfg.traffic.canaryWeight = 50. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ConfigEdit = (cfg: Record<string, any>) => void;

/** The stack as loaded from its file, and its full config (`project:key`) after the edit. */
export function editedStackConfig(
    stack: string,
    edit?: ConfigEdit,
): { input: StackInput; config: Record<string, unknown> } {
    const input = loadStackInput(stack);
    const short: Record<string, unknown> = {};
    const other: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input.config)) {
        if (k.startsWith(`${input.project}:`))
            short[k.slice(input.project.length + 1)] = structuredClone(v);
        else other[k] = v;
    }
    edit?.(short);
    const config = { ...other };
    for (const [k, v] of Object.entries(short)) {
        if (v !== undefined) config[`${input.project}:${k}`] = v;
    }
    return { input, config };
}

/**
 * Plans the stack as one `pulumi up` after `previous` (a plan of the same stack), which answers the
 * program's reference to its own outputs and its reads of live objects. Each call plans afresh.
 */
export async function planAfter(
    stack: string,
    edit: ConfigEdit | undefined,
    previous: Plan | undefined,
    liveReplicas?: Record<string, number>,
): Promise<Plan> {
    const { input, config } = editedStackConfig(stack, edit);
    const prev = previous && {
        outputs: previous.outputs,
        resources: previous.resources,
        liveReplicas,
    };
    return planProgram(planRequest(input, { config, previous: prev }));
}
