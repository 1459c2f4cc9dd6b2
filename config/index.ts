// The one stack config schema. Every `release:*` key is parsed here before any resource exists, so a
// bad value stops `pulumi up` (and the offline plan) with a message naming the key, value and rule.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
    COLORS,
    appSchema,
    appSecretsSchema,
    autoscalingSchema,
    colorsSchema,
    routerSchema,
    trafficSchema,
} from "./app";
import { dataRules, dataSections } from "./data";
import { backupRules } from "./backup";
import { dnsRules, dnsSections } from "./dns";
import { identitySections } from "./identity";
import { storageRules, storageSections } from "./storage";
import { workloadRules, workloadsSchema } from "./workloads";
import { monitoringRules, monitoringSections } from "./monitoring";
import { progressionRules, webhookUrl } from "./progression";
import { oneOf } from "./rules";
import { plaintextCredentialMessage, plaintextCredentials } from "./credentials";
import { namespaceProblem } from "./namespaces";
import { escapeText } from "./text";
import { checkedSplit } from "./traffic";
import { reportIssues, type CrossFieldRule } from "./types";

/** The Pulumi project name, which is also the config namespace (`release:<key>`). */
export const CONFIG_NAMESPACE = "release";

export const STAGES = ["staging", "prod"] as const;
export type Stage = (typeof STAGES)[number];

const appRules: CrossFieldRule[] = [
    function weightedColoursHaveImages(cfg, ctx) {
        const split = checkedSplit(cfg.traffic.stable, cfg.traffic.canaryWeight);
        if ("problem" in split) return; // reported on release:traffic.canaryWeight itself
        const { stable, weights } = split;
        for (const color of COLORS) {
            if (weights[color] > 0 && !cfg.colors[color]) {
                reportIssues(ctx, [
                    {
                        path: ["colors", color, "version"],
                        input: undefined,
                        message: `must be set because ${color} receives ${weights[color]} % of traffic`,
                    },
                ]);
            }
        }
        if (!cfg.colors[stable]) {
            reportIssues(ctx, [
                {
                    path: ["colors", stable, "version"],
                    input: undefined,
                    message: `must be set because ${stable} is release:traffic.stable`,
                },
            ]);
        }
    },
    function routerTls(cfg, ctx) {
        const r = cfg.router;
        if (r.kind === "alb" && !r.tls.certificateArn) {
            reportIssues(ctx, [
                {
                    path: ["router", "tls", "certificateArn"],
                    input: undefined,
                    message:
                        "must be set when release:router.kind is alb (TLS terminates at the ALB)",
                },
            ]);
        }
        if (
            (r.kind === "nginx" || (r.kind === "gateway-api" && r.gateway.create)) &&
            !r.tls.secretName
        ) {
            reportIssues(ctx, [
                {
                    path: ["router", "tls", "secretName"],
                    input: undefined,
                    message: `must be set when release:router.kind is ${r.kind} (the TLS certificate Secret)`,
                },
            ]);
        }
        if (r.kind === "gateway-api" && !r.gateway.create && !r.gateway.name) {
            reportIssues(ctx, [
                {
                    path: ["router", "gateway", "name"],
                    input: undefined,
                    message:
                        "must name the existing Gateway when release:router.gateway.create is false",
                },
            ]);
        }
    },
];

/** Every section, before the rules across them. */
const stackConfigShape = z.strictObject({
    /** Guardrail level: prod turns on protect, deletion protection, HA and mandatory policies. */
    stage: oneOf(STAGES),
    app: appSchema,
    autoscaling: autoscalingSchema,
    workloads: workloadsSchema,
    colors: colorsSchema,
    traffic: trafficSchema,
    router: routerSchema,
    appSecrets: appSecretsSchema,
    ...dataSections,
    ...monitoringSections,
    /** Where `npm run release` posts each step, rollback and promotion as JSON; set it --secret. */
    notifyWebhook: webhookUrl().optional(),
    ...identitySections,
    ...storageSections,
    ...dnsSections,
});

/** The config as the cross-field rules see it: every section parsed, defaults applied. */
export type ParsedConfig = z.output<typeof stackConfigShape>;

export const stackConfigSchema = stackConfigShape.superRefine((cfg, ctx) => {
    const rules = [
        ...appRules,
        ...workloadRules,
        ...dataRules,
        ...monitoringRules,
        ...progressionRules,
        ...storageRules,
        ...dnsRules,
        ...backupRules,
    ];
    for (const rule of rules) rule(cfg, ctx);
});

export type StackConfig = z.output<typeof stackConfigSchema>;
export type { Color } from "./app";
export { COLORS, deployedColors, type DeployedColor } from "./app";
export {
    resolveWorkloads,
    workloadImage,
    isScalable,
    type Workload,
    type WorkloadKind,
} from "./workloads";

/**
 * An invalid stack config. Extends RunError so `pulumi up` prints only the message, no stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(public readonly problems: string[]) {
        super(`Invalid stack config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

function describeValue(value: unknown): string {
    if (value === undefined) return "not set";
    if (typeof value === "number" && !Number.isFinite(value)) {
        return `got ${Number.isNaN(value) ? ".nan" : value > 0 ? ".inf" : "-.inf"}`;
    }
    const text = escapeText(JSON.stringify(value) ?? String(value));
    return `got ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`;
}

function keyPath(path: readonly PropertyKey[]): string {
    let out = `${CONFIG_NAMESPACE}:${String(path[0] ?? "")}`;
    for (const part of path.slice(1)) {
        out += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
    }
    return escapeText(out);
}

const KIND_NAMES: Record<string, string> = {
    object: "a mapping of settings",
    record: "a mapping of names to values",
    array: "a list",
    string: "a string",
    number: "a number",
    boolean: "true or false",
};

/** Unwraps optional/default/preprocess wrappers to the schema that holds the shape. */
function inner(schema: z.core.$ZodType): z.core.$ZodType {
    let s = schema;
    for (;;) {
        const def = s._zod.def as unknown as Record<string, z.core.$ZodType | undefined>;
        const next = def.innerType ?? (s._zod.def.type === "pipe" ? def.out : undefined);
        if (!next) return s;
        s = next;
    }
}

/** True when `path` names a setting of the schema (used to spot flat dotted keys). */
function schemaHas(schema: z.core.$ZodType, path: string[]): boolean {
    let s = inner(schema);
    for (const part of path) {
        const def = s._zod.def as unknown as {
            type: string;
            shape?: Record<string, z.core.$ZodType>;
            valueType?: z.core.$ZodType;
        };
        if (def.type === "object" && def.shape?.[part]) s = inner(def.shape[part]);
        else if (def.type === "record" && def.valueType) s = inner(def.valueType);
        else return false;
    }
    return true;
}

function describeUnknownKey(issuePath: readonly PropertyKey[], key: string): string {
    const where = [...issuePath.map(String)];
    const dotted = key.split(".");
    if (dotted.length > 1 && schemaHas(stackConfigSchema, [...where, ...dotted])) {
        const nested = [...where, ...dotted].join(".");
        const leaf = dotted[dotted.length - 1];
        const parent = keyPath([...where, ...dotted.slice(0, -1)]);
        return `${keyPath([...where, key])} must be nested, not a flat dotted key: put ${escapeText(leaf)} under ${parent} (pulumi config set --path ${escapeText(nested)} <value>)`;
    }
    return `${keyPath([...where, key])} must not be set: it is not a known setting (check the spelling)`;
}

/** Turns zod issues into "release:<path> must … (got …)" lines; secret keys never echo values. */
export function formatIssues(
    issues: readonly z.core.$ZodIssue[],
    secretKeys: ReadonlySet<string>,
): string[] {
    const lines: string[] = [];
    for (const issue of issues) {
        const secret = secretKeys.has(String(issue.path[0] ?? ""));
        if (issue.code === "unrecognized_keys") {
            for (const key of issue.keys) lines.push(describeUnknownKey(issue.path, key));
            continue;
        }
        if (issue.code === "invalid_union" && issue.errors.length > 0) {
            lines.push(...formatIssues(issue.errors.flat(), secretKeys));
            continue;
        }
        const input = (issue as { input?: unknown }).input;
        if (issue.code === "invalid_key") {
            const rule = issue.issues[0]?.message ?? "must be a valid name";
            const value = secret ? "got [secret]" : describeValue(input);
            lines.push(
                `${keyPath(issue.path)} must have a valid name: the name ${rule} (${value})`,
            );
            continue;
        }
        let message = issue.message;
        if (issue.code === "invalid_type" && /^Invalid input/.test(message)) {
            message = `must be ${KIND_NAMES[issue.expected] ?? issue.expected}`;
        }
        if (
            input === undefined &&
            (issue.code === "invalid_type" || issue.code === "invalid_value")
        ) {
            lines.push(`${keyPath(issue.path)} is required: it ${message}`);
            continue;
        }
        const value = secret ? "got [secret]" : describeValue(input);
        lines.push(`${keyPath(issue.path)} ${message} (${value})`);
    }
    return [...new Set(lines)];
}

/** Parses raw `release:*` values (keys without the namespace). Throws ConfigError listing every problem. */
export function parseStackConfig(
    raw: Record<string, unknown>,
    secretKeys: ReadonlySet<string> = new Set(),
): StackConfig {
    const result = stackConfigSchema.safeParse(raw, { reportInput: true });
    if (!result.success) throw new ConfigError(formatIssues(result.error.issues, secretKeys));
    return result.data;
}

/**
 * Pulumi hands object values over as JSON text and scalars as plain strings. The program and the
 * release loop's Automation API reader both decode with this, so they read the same config.
 */
export function decodeConfigValue(value: string): unknown {
    const t = value.trim();
    if (t === "null") return null;
    if (t.startsWith("{") || t.startsWith("[")) {
        try {
            return JSON.parse(t);
        } catch {
            return value;
        }
    }
    return value;
}

// isConfigSecret is marked @internal in the SDK's typings but is what the engine's secret keys feed.
const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean })
    .isConfigSecret;

/** Reads every `release:*` key from the running Pulumi program and parses it. */
export function loadStackConfig(): { config: StackConfig; secretKeys: Set<string> } {
    const raw: Record<string, unknown> = {};
    const secretKeys = new Set<string>();
    const problems: string[] = [];
    for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
        const unknownNs = namespaceProblem(fullKey, CONFIG_NAMESPACE);
        if (unknownNs) problems.push(unknownNs);
        const [ns, key] = fullKey.split(":", 2);
        if (ns !== CONFIG_NAMESPACE || key === undefined) continue;
        raw[key] = decodeConfigValue(value);
        if (isConfigSecret?.(fullKey)) secretKeys.add(key);
    }
    // The engine reports secrecy per top-level key; a key not secret at all is plain in the file.
    const plain = Object.fromEntries(Object.entries(raw).filter(([k]) => !secretKeys.has(k)));
    for (const c of plaintextCredentials(plain)) {
        problems.push(plaintextCredentialMessage(CONFIG_NAMESPACE, pulumi.getStack(), c));
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return { config: parseStackConfig(raw, secretKeys), secretKeys };
}
