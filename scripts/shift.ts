// `npm run shift -- <stack|file> <weight>|promote|rollback`: one release step as a stack-file edit,
// with the same result as `pulumi config set --path`, keeping every comment and the rest of the
// file byte for byte. Refuses a step the config schema rejects, then prints what to run next.
// Exit codes: 0 written (or already so); 1 refused (usage, or the config schema rejects the result).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isMap, isScalar, parseDocument, type Document, type YAMLMap } from "yaml";
import { CONFIG_NAMESPACE, ConfigError } from "../config";
import { otherColor } from "../config/traffic";
import { REPO_ROOT } from "./lib/plan";
import { loadStackInput, resolveStackFile, StackFileError } from "./lib/stackFile";
import { parsedConfig } from "./lib/analysis";
import { describeWindow, insideWindow, nextWindowOpening } from "../decisions/changeWindow";

export class ShiftError extends Error {}

const TRAFFIC = `${CONFIG_NAMESPACE}:traffic`;

type Value = string | number;

/** One config edit: `traffic.canaryWeight` from → to. */
export interface Edit {
    key: "stable" | "canaryWeight";
    from: Value | undefined;
    to: Value;
}

/** The edits a step makes to `release:traffic`, given its current values. */
export function planStep(step: string, traffic: Record<string, unknown>): Edit[] {
    const stable = traffic.stable as string | undefined;
    const weight = (traffic.canaryWeight ?? 0) as Value;
    const edits: Edit[] = [];
    const set = (key: Edit["key"], from: Value | undefined, to: Value) => {
        if (from !== to) edits.push({ key, from, to });
    };
    if (/^-?\d+(\.\d+)?$/.test(step)) {
        // Out-of-range or fractional weights go through so the schema names the rule.
        set("canaryWeight", weight, Number(step));
    } else if (step === "promote") {
        // The canary becomes stable and takes all traffic; the old stable stays warm for rollback.
        if (stable !== "blue" && stable !== "green") {
            throw new ShiftError(
                `${TRAFFIC}.stable must be blue or green to promote (got ${JSON.stringify(stable)})`,
            );
        }
        set("stable", stable, otherColor(stable));
        set("canaryWeight", weight, 0);
    } else if (step === "rollback") {
        set("canaryWeight", weight, 0);
    } else {
        throw new ShiftError(
            `the step must be a canary weight 0–100, promote or rollback (got ${JSON.stringify(step)})`,
        );
    }
    return edits;
}

function yamlScalar(v: Value): string {
    return typeof v === "number" ? String(v) : /^[A-Za-z][\w-]*$/.test(v) ? v : JSON.stringify(v);
}

function trafficMap(doc: Document): YAMLMap {
    const node = doc.getIn(["config", TRAFFIC], true);
    if (!isMap(node)) throw new ShiftError(`${TRAFFIC} must be set in the stack file as a map`);
    return node;
}

/**
 * Applies the edits to the stack file text. Values are spliced in at the ranges the yaml Document
 * reports, so comments and formatting elsewhere stay as they were; a missing key is added as the
 * last line of `release:traffic`, indented like its siblings.
 */
export function applyEdits(text: string, edits: Edit[]): string {
    let out = text;
    const doc = parseDocument(text);
    const map = trafficMap(doc);
    const splices: { at: number; end: number; text: string }[] = [];
    for (const e of edits) {
        const node = map.get(e.key, true);
        if (isScalar(node) && node.range) {
            splices.push({ at: node.range[0], end: node.range[1], text: yamlScalar(e.to) });
            continue;
        }
        const first = map.items[0];
        const last = map.items[map.items.length - 1];
        const keyStart = (first?.key as { range?: number[] } | undefined)?.range?.[0];
        const lastEnd = (last?.value as { range?: number[] } | undefined)?.range?.[1];
        if (keyStart === undefined || lastEnd === undefined) {
            throw new ShiftError(`${TRAFFIC} must be a block map to add ${e.key}`);
        }
        const indent = keyStart - (text.lastIndexOf("\n", keyStart - 1) + 1);
        const lineEnd = text.indexOf("\n", lastEnd);
        const at = lineEnd === -1 ? text.length : lineEnd + 1;
        const prefix = lineEnd === -1 ? "\n" : "";
        splices.push({
            at,
            end: at,
            text: `${prefix}${" ".repeat(indent)}${e.key}: ${yamlScalar(e.to)}\n`,
        });
    }
    // Later offsets first, so earlier ranges stay valid.
    for (const s of splices.sort((a, b) => b.at - a.at)) {
        out = out.slice(0, s.at) + s.text + out.slice(s.end);
    }
    // The edit must change exactly these values and nothing else.
    const expected = doc.toJS() as { config: Record<string, Record<string, unknown>> };
    for (const e of edits) expected.config[TRAFFIC][e.key] = e.to;
    const actual = parseDocument(out).toJS();
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        throw new ShiftError(
            "the stack file must keep its shape: this edit would change more than traffic",
        );
    }
    return out;
}

/** Parses the edited file as `pulumi up` would; throws ConfigError listing what the schema rejects. */
export function checkStackText(text: string, stack: string): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-shift-"));
    try {
        const file = path.join(dir, `Pulumi.${stack}.yaml`);
        fs.writeFileSync(file, text);
        parsedConfig(loadStackInput(file, REPO_ROOT));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

export interface ShiftResult {
    stack: string;
    file: string;
    edits: Edit[];
    /** What to tell the operator: the change and the commands to run next. */
    message: string;
}

/** Runs one step against a stack file; writes it only when the schema accepts the result. */
export function shift(stackArg: string, step: string): ShiftResult {
    const { stack, file } = resolveStackFile(stackArg);
    if (!fs.existsSync(file))
        throw new StackFileError(`stack file ${file} must exist (stack "${stackArg}")`);
    const text = fs.readFileSync(file, "utf8");
    const doc = parseDocument(text);
    if (doc.errors.length > 0)
        throw new StackFileError(`${file} must be valid YAML: ${doc.errors[0].message}`);
    const traffic = (trafficMap(doc).toJSON() ?? {}) as Record<string, unknown>;
    const edits = planStep(step, traffic);
    const rel = path.relative(process.cwd(), file) || file;
    if (edits.length === 0) {
        return { stack, file, edits, message: `${rel}: already so (${step}); nothing to change.` };
    }
    const next = applyEdits(text, edits);
    checkStackText(next, stack); // throws ConfigError: the file is left untouched
    const tmp = `${file}.shift-${process.pid}`;
    fs.writeFileSync(tmp, next);
    fs.renameSync(tmp, file); // atomic: never a half-written stack file
    const changes = edits
        .map((e) => `traffic.${e.key} ${e.from ?? "(unset)"} → ${e.to}`)
        .join(", ");
    const setArgs = edits.map((e) => `--plaintext traffic.${e.key}=${e.to}`).join(" ");
    const message = [
        `${rel}: ${changes}`,
        `Same as: pulumi config set-all --stack ${stack} --path ${setArgs}`,
        `Review:  npm run plan -- ${stack} --diff HEAD`,
        `Next:    pulumi up --stack ${stack} --diff`,
    ].join("\n");
    return { stack, file, edits, message };
}

/** A warning when a step other than a rollback is written outside the stack's change window. */
export function windowWarning(file: string, step: string, now = new Date()): string | undefined {
    if (step === "rollback" || step === "0") return undefined;
    const w = parsedConfig(loadStackInput(file)).traffic.changeWindow;
    if (!w || insideWindow(w, now)) return undefined;
    return `Warning: outside the change window (${describeWindow(w)}); the next window opens ${nextWindowOpening(w, now).toISOString()}. npm run release and the deploy workflow will refuse this step until then; a rollback is always allowed.`;
}

function main(argv: string[]): number {
    if (argv.length !== 2) {
        console.error("usage: npm run shift -- <stack|file> <weight 0–100>|promote|rollback");
        return 1;
    }
    try {
        const result = shift(argv[0], argv[1]);
        console.log(result.message);
        const warning = windowWarning(result.file, argv[1]);
        if (warning) console.error(warning);
        return 0;
    } catch (e) {
        if (e instanceof ConfigError) {
            console.error(`Refused: the stack file is unchanged.\n${e.message}`);
            return 1;
        }
        if (e instanceof ShiftError || e instanceof StackFileError) {
            console.error(e.message);
            return 1;
        }
        throw e;
    }
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
