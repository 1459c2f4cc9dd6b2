// The policy pack's config, read the way the engine reads `--policy-pack-config`: the checked-in
// policy-config.<stage>.json files, checked against the pack's policies and their config schemas,
// then resolved per policy into an enforcement level and the object `args.getConfig()` returns.
import * as fs from "fs";
import * as path from "path";
import type { EnforcementLevel, Policies, Policy, PolicyConfigSchema } from "@pulumi/policy";
import { DEFAULT_ENFORCEMENT, policies as packPolicies } from "../../policies/policies";
import { REPO_ROOT } from "./plan";

export const POLICY_DIR = path.join(REPO_ROOT, "policies");

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
    policies: Policies = packPolicies(),
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
