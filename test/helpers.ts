import { spawnSync } from "child_process";
import * as path from "path";
// Test helpers: plan a stack (optionally with config edits) through the real program under mocks.
import { ConfigError } from "../config";
import { planProgram, type Plan, type PlannedResource } from "../scripts/lib/plan";
import { main as planMain } from "../scripts/plan";
import { editedStackConfig, type ConfigEdit, type StackName } from "../scripts/lib/stackEdit";
import { planRequest } from "../scripts/lib/stackFile";

export { planAfter, type ConfigEdit, type StackName } from "../scripts/lib/stackEdit";

/** Plans by exact config: the program is deterministic, so identical configs share one run. */
const planCache = new Map<string, Promise<Plan>>();

/**
 * Under mutation testing the cache is off. StrykerJS switches mutants inside one test process and
 * records which tests run which code: a shared plan would be stale under the next mutant, and a
 * test served from the cache would not be counted as covering the code that built the plan.
 * Its instrumented code keeps its state in this global, which a plain mocha run never sets.
 */
const planCacheEnabled = () => !("__stryker__" in globalThis);

export async function planStack(
    stack: StackName,
    edit?: ConfigEdit,
    registered?: string[],
    /** Extra keys (without namespace) to plan as secrets, as `pulumi config set --secret` would. */
    secret: string[] = [],
): Promise<Plan> {
    const { input, config } = editedStackConfig(stack, edit);
    const secretKeys = [...input.secretKeys, ...secret.map((k) => `${input.project}:${k}`)];
    const run = () => planProgram(planRequest(input, { config, registered, secretKeys }));
    // A caller watching registrations needs a real run.
    if (registered || !planCacheEnabled()) return run();
    const key = JSON.stringify([input.stack, config, secretKeys]);
    let cached = planCache.get(key);
    if (!cached) {
        cached = run();
        planCache.set(key, cached);
        cached.catch(() => planCache.delete(key));
    }
    // Each caller gets its own copy, so a test that mutates a plan cannot leak into another.
    return structuredClone(await cached);
}

/**
 * Plans with the edit and returns the config problems. Fails if the config was accepted, or if
 * any resource was registered before the error (a half-applied program).
 */
export async function configProblems(stack: StackName, edit: ConfigEdit): Promise<string[]> {
    const registered: string[] = [];
    try {
        await planStack(stack, edit, registered);
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        const resources = registered.filter((k) => !k.startsWith("pulumi:pulumi:Stack::"));
        if (resources.length > 0) {
            throw new Error(
                `config error came after resources registered: ${resources.join(", ")}`,
            );
        }
        return e.problems;
    }
    throw new Error("expected the config to be rejected, but it planned");
}

export function byType(plan: Plan, type: string): PlannedResource[] {
    return plan.resources.filter((r) => r.type === type);
}

export function one(plan: Plan, type: string, name: string): PlannedResource {
    const r = plan.resources.find((x) => x.type === type && x.name === name);
    if (!r) throw new Error(`no ${type} named ${name} in the plan of ${plan.stack}`);
    return r;
}

export function inputs(r: PlannedResource): any {
    return r.inputs;
}

export interface CliResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

/**
 * Runs `npm run plan -- <args>` in this process: the command's own main, with its output
 * collected. Same exit code and streams as the real process (runPlanProcess checks that wiring).
 */
export async function runPlanCli(args: string[]): Promise<CliResult> {
    const out: string[] = [];
    const err: string[] = [];
    const status = await planMain(args, {
        stdout: (text) => out.push(text),
        stderr: (text) => err.push(text),
    });
    return { status, stdout: out.join(""), stderr: err.join("") };
}

/** Runs `npm run plan -- <args>` as a user would (a fresh process) and collects its result. */
export function runPlanProcess(args: string[]): CliResult {
    const res = spawnSync(
        process.execPath,
        ["-r", "./scripts/register.js", "scripts/plan.ts", ...args],
        { cwd: path.resolve(__dirname, ".."), encoding: "utf8" },
    );
    return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}
