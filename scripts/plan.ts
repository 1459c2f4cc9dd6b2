// `npm run plan -- <stack|file> [--out DIR] [--json]`: the offline plan of a stack.
// Exit codes: 0 planned; 1 invalid config or usage.
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { ConfigError } from "../components/config";
import {
    ensureDir,
    isKubernetesObject,
    manifestOf,
    planProgram,
    REPO_ROOT,
    type Plan,
} from "./lib/plan";
import { loadStackInput, StackFileError, type StackInput } from "./lib/stackFile";
import { renderSummary } from "./lib/summary";

/** Command-line options; each flag is one entry in FLAGS below. */
interface Args {
    stack: string;
    out?: string;
    json: boolean;
}

/** The --json document: the plan plus what later steps add. Keep field names stable. */
export type PlanDocument = Plan;

class UsageError extends Error {}

const FLAGS: Record<string, { value: boolean; set: (a: Args, v: string) => void }> = {
    "--json": { value: false, set: (a) => (a.json = true) },
    "--out": { value: true, set: (a, v) => (a.out = v) },
};

function parseArgs(argv: string[]): Args {
    const args: Args = { stack: "", json: false };
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
    return args;
}

/** Runs the program under mocks; with --json, program logs go to stderr so stdout stays JSON. */
async function runPlan(input: StackInput, json: boolean): Promise<Plan> {
    const log = console.log;
    if (json) console.log = console.error;
    try {
        return await planProgram({
            stack: input.stack,
            project: input.project,
            config: input.config,
            secretKeys: input.secretKeys,
        });
    } finally {
        console.log = log;
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

async function main(): Promise<number> {
    const args = parseArgs(process.argv.slice(2));
    const input = loadStackInput(args.stack);
    const plan = await runPlan(input, args.json);
    const doc: PlanDocument = { ...plan };
    let exitCode = 0;

    const outDir = path.resolve(args.out ?? path.join(REPO_ROOT, "out", input.stack));
    const written = writeOutDir(outDir, doc);

    if (args.json) {
        process.stdout.write(JSON.stringify(doc, null, 2) + "\n");
    } else {
        const rel = (p: string) => path.relative(process.cwd(), p) || ".";
        console.log(renderSummary(plan, rel(input.file)));
        console.log(`\nWrote ${written} Kubernetes manifests and plan.json to ${rel(outDir)}/`);
    }
    return exitCode;
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        if (
            err instanceof ConfigError ||
            err instanceof StackFileError ||
            err instanceof UsageError
        ) {
            console.error(err.message);
            process.exit(1);
        }
        console.error(err);
        process.exit(1);
    },
);
