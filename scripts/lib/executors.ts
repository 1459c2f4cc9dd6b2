// The two ways `npm run release` applies a traffic change. Both validate the change against the
// config schema before writing, and both write the config in one step, so a run killed midway
// leaves the stack at the previous weight or the new one, never a half-written config.
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { decodeConfigValue, parseStackConfig, type StackConfig } from "../../config";
import { planStep, shift } from "../shift";
import { parsedConfig } from "./analysis";
import { planProgram, REPO_ROOT } from "./plan";
import type { StepExecutor, TrafficChange } from "./release";
import { loadStackInput, planRequest, resolveStackFile } from "./stackFile";

const stepArg = (c: TrafficChange) => (typeof c === "string" ? c : String(c.weight));

/**
 * Edits the stack file with the same code as `npm run shift` (atomic rename) and re-plans the
 * program offline under Pulumi's mocks. For rehearsals and tests; nothing reaches a cluster.
 */
export class OfflineExecutor implements StepExecutor {
    readonly description: string;
    private readonly file: string;

    constructor(
        stack: string,
        private readonly opts: { replan?: boolean; log?: (line: string) => void } = {},
    ) {
        this.file = resolveStackFile(stack).file;
        this.description = `offline executor (${path.relative(process.cwd(), this.file) || this.file}: stack file edit + offline plan)`;
    }

    async readConfig(): Promise<StackConfig> {
        return parsedConfig(loadStackInput(this.file));
    }

    async apply(change: TrafficChange): Promise<void> {
        const result = shift(this.file, stepArg(change));
        if (this.opts.replan === false) return;
        const plan = await planProgram(planRequest(loadStackInput(this.file)));
        const weights = JSON.stringify(plan.outputs.trafficWeights);
        this.opts.log?.(
            `  offline up: ${result.edits.map((e) => `${e.key} ${e.from ?? "(unset)"} → ${e.to}`).join(", ") || "no config change"}; planned ${plan.resources.length} resources, weights ${weights}`,
        );
    }

    async webhook(): Promise<string | undefined> {
        // `secure:` values cannot be decrypted offline; the environment supplies the URL instead.
        return process.env.RELEASE_NOTIFY_WEBHOOK || undefined;
    }
}

const NAMESPACE = "release:";

/**
 * The real flow through the Pulumi Automation API: LocalWorkspace over this project,
 * `stack.setConfig(..., path: true)` (one `pulumi config set-all --path` for a promotion) and
 * `stack.up` with the policy pack. Needs the Pulumi CLI and the stack's backend credentials.
 */
export class AutomationExecutor implements StepExecutor {
    readonly description: string;
    private stack?: Promise<Stack>;

    constructor(
        private readonly stackName: string,
        private readonly opts: {
            workDir?: string;
            onOutput?: (out: string) => void;
            /** Tests only: set config without `up`. */
            skipUp?: boolean;
        } = {},
    ) {
        this.description = `Automation API (stack ${stackName})`;
    }

    private select(): Promise<Stack> {
        this.stack ??= import("@pulumi/pulumi/automation").then(({ LocalWorkspace }) =>
            LocalWorkspace.selectStack({
                stackName: this.stackName,
                workDir: this.opts.workDir ?? REPO_ROOT,
            }),
        );
        return this.stack;
    }

    private async raw(): Promise<{ raw: Record<string, unknown>; secret: Set<string> }> {
        const all = await (await this.select()).getAllConfig();
        const raw: Record<string, unknown> = {};
        const secret = new Set<string>();
        for (const [key, v] of Object.entries(all)) {
            if (!key.startsWith(NAMESPACE)) continue;
            const short = key.slice(NAMESPACE.length);
            raw[short] = decodeConfigValue(v.value);
            if (v.secret) secret.add(short);
        }
        return { raw, secret };
    }

    async readConfig(): Promise<StackConfig> {
        const { raw, secret } = await this.raw();
        return parseStackConfig(raw, secret);
    }

    async apply(change: TrafficChange): Promise<void> {
        const { raw, secret } = await this.raw();
        const traffic = (raw.traffic ?? {}) as Record<string, unknown>;
        const edits = planStep(stepArg(change), traffic);
        // Validate the result before writing anything (the schema names what it rejects).
        const next = { ...traffic };
        for (const e of edits) next[e.key] = e.to;
        parseStackConfig({ ...raw, traffic: next }, secret);
        const stack = await this.select();
        if (edits.length > 0) {
            await stack.setAllConfig(
                Object.fromEntries(
                    edits.map((e) => [`${NAMESPACE}traffic.${e.key}`, { value: String(e.to) }]),
                ),
                true,
            );
        }
        if (this.opts.skipUp) return;
        const workDir = this.opts.workDir ?? REPO_ROOT;
        await stack.up({
            onOutput: this.opts.onOutput,
            policyPacks: [path.join(workDir, "policies")],
            policyPackConfigs: [
                path.join(workDir, "policies", `policy-config.${this.stackName}.json`),
            ],
            message: `npm run release: ${stepArg(change)}`,
        });
    }

    async webhook(): Promise<string | undefined> {
        const all = await (await this.select()).getAllConfig();
        return all[`${NAMESPACE}notifyWebhook`]?.value;
    }
}
