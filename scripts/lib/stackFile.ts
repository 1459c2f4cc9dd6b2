// Reads a stack's config the way the Pulumi CLI would: Pulumi.yaml project defaults, then the stack
// file. `secure:` values cannot be decrypted offline, so they become placeholders marked secret.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { REPO_ROOT, type PlanRequest } from "./plan";

export interface StackInput {
    stack: string;
    file: string;
    project: string;
    config: Record<string, unknown>;
    secretKeys: string[];
}

export class StackFileError extends Error {}

/** `staging` reads Pulumi.staging.yaml; anything with a slash or .yaml suffix is a path. */
export function resolveStackFile(arg: string, root = REPO_ROOT): { stack: string; file: string } {
    if (arg.includes("/") || /\.ya?ml$/.test(arg)) {
        const file = path.resolve(arg);
        const base = path.basename(file).replace(/\.ya?ml$/, "");
        return { stack: base.replace(/^Pulumi\./, ""), file };
    }
    return { stack: arg, file: path.join(root, `Pulumi.${arg}.yaml`) };
}

function replaceSecure(value: unknown, where: string, found: { secret: boolean }): unknown {
    if (Array.isArray(value)) return value.map((v, i) => replaceSecure(v, `${where}[${i}]`, found));
    if (value && typeof value === "object") {
        const obj = value as Record<string, unknown>;
        if (Object.keys(obj).length === 1 && typeof obj.secure === "string") {
            found.secret = true;
            return `offline-placeholder-for-${where.replace(/[^A-Za-z0-9]+/g, "-")}`;
        }
        return Object.fromEntries(
            Object.entries(obj).map(([k, v]) => [k, replaceSecure(v, `${where}.${k}`, found)]),
        );
    }
    return value;
}

export function loadStackInput(arg: string, root = REPO_ROOT): StackInput {
    const { stack, file } = resolveStackFile(arg, root);
    if (!fs.existsSync(file)) {
        throw new StackFileError(`stack file ${file} must exist (stack "${arg}")`);
    }
    const projectDoc = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) ?? {};
    const project: string = projectDoc.name;
    let doc: { config?: Record<string, unknown> } | null;
    try {
        doc = parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new StackFileError(`${file} must be valid YAML: ${(e as Error).message}`);
    }
    const config: Record<string, unknown> = {};
    // Project-level defaults first (keys without a namespace belong to the project).
    for (const [key, spec] of Object.entries(projectDoc.config ?? {})) {
        const full = key.includes(":") ? key : `${project}:${key}`;
        const s = spec as { default?: unknown; value?: unknown } | string;
        if (typeof s === "object" && s !== null) {
            if (s.value !== undefined) config[full] = s.value;
            else if (s.default !== undefined) config[full] = s.default;
        } else if (s !== undefined) {
            config[full] = s;
        }
    }
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(doc?.config ?? {})) {
        const full = key.includes(":") ? key : `${project}:${key}`;
        const found = { secret: false };
        config[full] = replaceSecure(value, full, found);
        if (found.secret) secretKeys.push(full);
    }
    return { stack, file, project, config, secretKeys };
}

/** The plan request for a loaded stack; `extra` overrides (another program, edited config). */
export function planRequest(input: StackInput, extra: Partial<PlanRequest> = {}): PlanRequest {
    return {
        stack: input.stack,
        project: input.project,
        config: input.config,
        secretKeys: input.secretKeys,
        ...extra,
    };
}
