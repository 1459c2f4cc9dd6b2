// Reads a stack's config the way the Pulumi CLI would: Pulumi.yaml project defaults, then the stack
// file. `secure:` values cannot be decrypted offline, so they become placeholders marked secret.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { plaintextCredentialMessage, plaintextCredentials } from "../../config/credentials";
import { namespaceProblem } from "../../config/namespaces";
import { securePlaceholder } from "../../config/rules";
import { escapeText } from "../../config/text";
import { REPO_ROOT, type PlanRequest } from "./plan";

export interface StackInput {
    stack: string;
    file: string;
    project: string;
    config: Record<string, unknown>;
    secretKeys: string[];
}

export class StackFileError extends Error {
    public readonly problems: string[];
    constructor(problem: string | string[]) {
        const problems = typeof problem === "string" ? [problem] : problem;
        super(
            problems.length === 1
                ? problems[0]
                : `Invalid stack file:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
        );
        this.name = "StackFileError";
        this.problems = problems;
    }
}

function kindOf(v: unknown): string {
    if (v === null) return "null";
    if (Array.isArray(v)) return "a list";
    return typeof v === "object" ? "a mapping" : `the ${typeof v} ${escapeText(JSON.stringify(v))}`;
}

/** YAML's .inf and .nan parse, but Pulumi config and the APIs behind it have no such numbers. */
function nonFinite(value: unknown, where: string, out: string[]): void {
    if (typeof value === "number" && !Number.isFinite(value)) {
        const shown = Number.isNaN(value) ? ".nan" : value > 0 ? ".inf" : "-.inf";
        out.push(`${escapeText(where)} must be a finite number (got ${shown})`);
    } else if (Array.isArray(value)) {
        value.forEach((v, i) => nonFinite(v, `${where}[${i}]`, out));
    } else if (value && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) nonFinite(v, `${where}.${k}`, out);
    }
}

/**
 * What Pulumi itself or the program's rules refuse about the file as a whole: a `config:` that is
 * not a mapping, unknown namespaces, numbers that are not finite, credentials in plain text.
 */
export function stackFileProblems(
    file: string,
    doc: unknown,
    project: string,
    stack: string,
): string[] {
    const name = path.basename(file);
    if (doc === null || doc === undefined) return [];
    if (typeof doc !== "object" || Array.isArray(doc)) {
        return [`${name} must be a YAML mapping with a config: key (got ${kindOf(doc)})`];
    }
    const config = (doc as { config?: unknown }).config;
    if (config === undefined || config === null) return [];
    if (typeof config !== "object" || Array.isArray(config)) {
        return [
            `${name} config must be a mapping of keys such as ${project}:stage (got ${kindOf(config)})`,
        ];
    }
    const problems: string[] = [];
    const own: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) {
        const ns = key.includes(":") ? key.slice(0, key.indexOf(":")) : project;
        const unknownNs = namespaceProblem(key, project);
        if (unknownNs) {
            problems.push(unknownNs);
            continue;
        }
        nonFinite(value, key.includes(":") ? key : `${project}:${key}`, problems);
        if (ns === project) own[key.includes(":") ? key.slice(ns.length + 1) : key] = value;
    }
    for (const c of plaintextCredentials(own)) {
        problems.push(plaintextCredentialMessage(project, stack, c));
    }
    return problems;
}

/**
 * Where a plan writes by default: out/<stack>/ for the repository's own stack files, and
 * out/<folder>/<stack>/ for one elsewhere in the tree (examples/notevault/Pulumi.prod.yaml →
 * out/examples/notevault/prod/), so two stack files named "prod" never overwrite each other's plan.
 */
export function defaultOutDir(file: string, stack: string, root = REPO_ROOT): string {
    const dir = path.relative(root, path.dirname(path.resolve(file)));
    const inside = dir !== "" && !dir.startsWith("..") && !path.isAbsolute(dir);
    return inside ? path.join(root, "out", dir, stack) : path.join(root, "out", stack);
}

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
            return securePlaceholder(where);
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
        throw new StackFileError([`stack file ${file} must exist (stack "${arg}")`]);
    }
    const projectDoc = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) ?? {};
    const project: string = projectDoc.name;
    let doc: { config?: Record<string, unknown> } | null;
    try {
        doc = parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new StackFileError([`${file} must be valid YAML: ${(e as Error).message}`]);
    }
    const problems = stackFileProblems(file, doc, project, stack);
    if (problems.length > 0) throw new StackFileError(problems);
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
