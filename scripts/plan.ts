// `npm run plan -- <stack|file> [--out DIR] [--json] [--previous PLAN] [--diff BASE [--format
// text|markdown]]`: the offline plan of a stack; with --diff, what changes against BASE (a git ref or
// a --json plan file). The plan orders its updates against the stack's previous state: PLAN (a
// --json plan file), else BASE, else none (a first deployment).
// Exit codes: 0 planned; 1 invalid config or usage (or a base that does not plan);
// 2 a mandatory policy violation (policies/, run offline on the planned graph);
// 3 a rendered Kubernetes object fails its upstream schema.
import * as fs from "fs";
import * as path from "path";
import { format, inspect } from "util";
import { stringify } from "yaml";
import { ConfigError } from "../config";
import { ensureDir, isKubernetesObject, manifestOf, planProgram, type Plan } from "./lib/plan";
import { formatSchemaProblem, validatePlanManifests } from "./lib/k8sSchema";
import { loadBase, PlanBaseError, readPlanFile, type PlanBase } from "./lib/planBase";
// The diff renderer loads only with --diff (see main): a plain plan does not need it.
import type * as PlanDiff from "./lib/planDiff";
import {
    hasMandatory,
    PolicyConfigError,
    renderViolations,
    runPolicies,
    type Violation,
} from "./lib/policyRunner";
import { writeRulesFile } from "./lib/rulesFile";
import { defaultOutDir, loadStackInput, planRequest, StackFileError } from "./lib/stackFile";
import { renderSummary } from "./lib/summary";

/** Command-line options; each flag is one entry in FLAGS below. */
interface Args {
    stack: string;
    out?: string;
    json: boolean;
    /** Git ref or saved --json plan to compare against. */
    diff?: string;
    /** Saved --json plan of the stack's last update: the previous state the ordering starts from. */
    previous?: string;
    format: "text" | "markdown";
}

/** Exit code when a rendered Kubernetes object fails its schema. */
export const EXIT_SCHEMA = 3;

/** Exit code when a mandatory policy is violated. */
export const EXIT_POLICY = 2;

/** The --json document: the plan plus what later steps add. Keep field names stable. */
export type PlanDocument = Plan & {
    /** Policy pack findings, mandatory first: resource is "type::name", or null for the stack. */
    violations: Violation[];
};

class UsageError extends Error {}

const FLAGS: Record<string, { value: boolean; set: (a: Args, v: string) => void }> = {
    "--json": { value: false, set: (a) => (a.json = true) },
    "--out": { value: true, set: (a, v) => (a.out = v) },
    "--diff": { value: true, set: (a, v) => (a.diff = v) },
    "--previous": { value: true, set: (a, v) => (a.previous = v) },
    "--format": {
        value: true,
        set: (a, v) => {
            if (v !== "text" && v !== "markdown") {
                throw new UsageError(`--format must be text or markdown (got ${v})`);
            }
            a.format = v;
        },
    },
};

function parseArgs(argv: string[]): Args {
    const args: Args = { stack: "", json: false, format: "text" };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const flag = FLAGS[a];
        if (flag) {
            if (flag.value && (argv[i + 1] === undefined || argv[i + 1].startsWith("--"))) {
                throw new UsageError(`${a} must be followed by a value`);
            }
            flag.set(args, flag.value ? argv[++i] : "");
        } else if (a.startsWith("--")) {
            throw new UsageError(`${a} must be one of ${Object.keys(FLAGS).join(", ")}`);
        } else if (!args.stack) {
            args.stack = a;
        } else {
            throw new UsageError(`only one stack may be given (got ${args.stack} and ${a})`);
        }
    }
    if (!args.stack) {
        throw new UsageError("a stack name (staging, prod) or a stack file path must be given");
    }
    if (args.diff !== undefined && args.json) {
        throw new UsageError(
            "--json must not be combined with --diff (save a plan with --json, then --diff it)",
        );
    }
    if (args.format !== "text" && args.diff === undefined) {
        throw new UsageError("--format must be used with --diff");
    }
    return args;
}

/** Where a run writes: the process's streams, or a test's buffers. */
export interface CliIo {
    stdout(text: string): void;
    stderr(text: string): void;
}

/** The process's own streams (the default). */
export const processIo: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
};

/**
 * Runs `work` with the console sent to `io`: program logs (console.log) go to stderr when `quiet`,
 * so stdout stays one document; warnings and errors always go to stderr.
 */
async function withConsole<T>(io: CliIo, quiet: boolean, work: () => Promise<T>): Promise<T> {
    const saved = { log: console.log, warn: console.warn, error: console.error };
    const line =
        (write: (text: string) => void) =>
        (...parts: unknown[]) =>
            write(format(...parts) + "\n");
    console.log = line(quiet ? io.stderr : io.stdout);
    console.warn = console.error = line(io.stderr);
    try {
        return await work();
    } finally {
        Object.assign(console, saved);
    }
}

/** Writes each rendered Kubernetes object as YAML, plus the plan document, into the out dir. */
function writeOutDir(dir: string, doc: PlanDocument): number {
    fs.rmSync(path.join(dir, "manifests"), { recursive: true, force: true });
    ensureDir(path.join(dir, "manifests"));
    let n = 0;
    for (const r of doc.resources.filter(isKubernetesObject)) {
        const m = manifestOf(r);
        const meta = (m.metadata ?? {}) as { name?: string; namespace?: string };
        const file = `${String(m.kind).toLowerCase()}-${meta.namespace ?? "cluster"}-${meta.name ?? r.name}.yaml`;
        fs.writeFileSync(path.join(dir, "manifests", file), stringify(m, { lineWidth: 0 }));
        n++;
    }
    fs.writeFileSync(path.join(dir, "plan.json"), JSON.stringify(doc, null, 2) + "\n");
    return n;
}

async function plan(argv: string[], io: CliIo): Promise<number> {
    const out = (line: string) => io.stdout(line + "\n");
    const err = (line: string) => io.stderr(line + "\n");
    const args = parseArgs(argv);
    const input = loadStackInput(args.stack);
    // The base goes first: unless --previous names another, it is the state this plan moves from.
    let base: PlanBase | undefined;
    if (args.diff !== undefined) {
        // The base program's logs must not land in the diff.
        base = await withConsole(io, true, () => loadBase(args.diff!, args.stack));
    }
    const previousPlan = args.previous ? readPlanFile(args.previous, "--previous") : base?.plan;
    if (args.previous && previousPlan?.stack !== input.stack) {
        throw new UsageError(
            `--previous ${args.previous} must be a plan of stack ${input.stack} (it is of ${previousPlan?.stack})`,
        );
    }
    const previous =
        previousPlan && previousPlan.stack === input.stack && previousPlan.resources.length > 0
            ? { outputs: previousPlan.outputs, resources: previousPlan.resources }
            : undefined;
    const quiet = args.json || args.diff !== undefined;
    const plan = await withConsole(io, quiet, () => planProgram(planRequest(input, { previous })));
    let exitCode = 0;

    const schemaProblems = validatePlanManifests(plan);
    if (schemaProblems.length > 0) {
        err("Rendered Kubernetes objects fail the upstream schema:");
        for (const p of schemaProblems) err(`  - ${formatSchemaProblem(p)}`);
        return EXIT_SCHEMA;
    }

    // The policy config follows release:stage (policies/policy-config.<stage>.json).
    const policyRun = await runPolicies(plan, {
        stage: String(input.config[`${input.project}:stage`] ?? plan.outputs.stage),
    });
    const doc: PlanDocument = { ...plan, violations: policyRun.violations };
    if (hasMandatory(policyRun)) exitCode = EXIT_POLICY;

    const outDir = path.resolve(args.out ?? defaultOutDir(input.file, input.stack));
    const written = writeOutDir(outDir, doc);
    const rulesFile = writeRulesFile(outDir, plan);

    if (base) {
        // A base planned from git has no policy results: judge it by today's pack, so only the
        // violations this change causes or fixes show up.
        if (base.plan.violations === undefined && base.plan.resources.length > 0) {
            const stage = String(base.plan.outputs.stage ?? policyRun.stage);
            base.plan.violations = (await runPolicies(base.plan, { stage })).violations;
        }
        const { renderMarkdown, renderText, reviewPlans } =
            require("./lib/planDiff") as typeof PlanDiff;
        const review = reviewPlans(base.plan, doc, base.label);
        const text =
            args.format === "markdown" ? renderMarkdown(review) : renderText(review) + "\n";
        fs.writeFileSync(
            path.join(outDir, args.format === "markdown" ? "diff.md" : "diff.txt"),
            text,
        );
        io.stdout(text);
        if (policyRun.violations.length > 0) err(renderViolations(policyRun));
    } else if (args.json) {
        io.stdout(JSON.stringify(doc, null, 2) + "\n");
        if (policyRun.violations.length > 0) err(renderViolations(policyRun));
    } else {
        const rel = (p: string) => path.relative(process.cwd(), p) || ".";
        out(renderSummary(plan, rel(input.file)));
        out(`\nWrote ${written} Kubernetes manifests and plan.json to ${rel(outDir)}/`);
        out(`All ${written} objects pass the upstream Kubernetes and CRD schemas`);
        if (rulesFile) out(`Wrote the Prometheus rules to ${rel(rulesFile)}`);
        out(`\n${renderViolations(policyRun)}`);
    }
    return exitCode;
}

/**
 * The whole command: plans, writes to `io` and returns the exit code (0, 1, EXIT_POLICY or
 * EXIT_SCHEMA). A user's mistake prints its message alone; only a bug prints a stack trace.
 */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
    try {
        return await plan(argv, io);
    } catch (err: unknown) {
        const expected =
            err instanceof ConfigError ||
            err instanceof StackFileError ||
            err instanceof PlanBaseError ||
            err instanceof PolicyConfigError ||
            err instanceof UsageError;
        io.stderr((expected ? (err as Error).message : inspect(err)) + "\n");
        return 1;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
