// `npm run plan -- <stack|file> [--out DIR] [--json]`: the offline plan of a stack.
// Exit codes: 0 planned; 1 invalid config or usage.
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { ConfigError } from "../components/config";
import { ensureDir, isKubernetesObject, manifestOf, planProgram, REPO_ROOT, type Plan } from "./lib/plan";
import { loadStackInput, StackFileError } from "./lib/stackFile";
import { renderSummary } from "./lib/summary";

interface Args {
    stack: string;
    out?: string;
    json: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Args {
    const args: Partial<Args> & { json: boolean } = { json: false };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--json") args.json = true;
        else if (a === "--out") {
            if (!argv[i + 1]) throw new UsageError("--out must be followed by a directory");
            args.out = argv[++i];
        } else if (a.startsWith("--")) throw new UsageError(`${a} must be one of --out, --json`);
        else if (!args.stack) args.stack = a;
        else throw new UsageError(`only one stack may be given (got ${args.stack} and ${a})`);
    }
    if (!args.stack) throw new UsageError("a stack name (staging, prod) or a stack file path must be given");
    return args as Args;
}

/** Writes each rendered Kubernetes object as YAML, plus the plan document, into the out dir. */
function writeOutDir(dir: string, plan: Plan): number {
    fs.rmSync(path.join(dir, "manifests"), { recursive: true, force: true });
    ensureDir(path.join(dir, "manifests"));
    let n = 0;
    for (const r of plan.resources.filter(isKubernetesObject)) {
        const m = manifestOf(r);
        const meta = (m.metadata ?? {}) as { name?: string; namespace?: string };
        const file = `${String(m.kind).toLowerCase()}-${meta.namespace ?? "cluster"}-${meta.name ?? r.name}.yaml`;
        fs.writeFileSync(path.join(dir, "manifests", file), stringify(m, { lineWidth: 0 }));
        n++;
    }
    fs.writeFileSync(path.join(dir, "plan.json"), JSON.stringify(plan, null, 2) + "\n");
    return n;
}

async function main(): Promise<number> {
    const args = parseArgs(process.argv.slice(2));
    const input = loadStackInput(args.stack);
    // Anything the program logs must not pollute a --json stdout.
    const log = console.log;
    if (args.json) console.log = console.error;
    let plan: Plan;
    try {
        plan = await planProgram({
            stack: input.stack,
            project: input.project,
            config: input.config,
            secretKeys: input.secretKeys,
        });
    } finally {
        console.log = log;
    }
    const outDir = path.resolve(args.out ?? path.join(REPO_ROOT, "out", input.stack));
    const written = writeOutDir(outDir, plan);
    if (args.json) {
        process.stdout.write(JSON.stringify(plan, null, 2) + "\n");
    } else {
        console.log(renderSummary(plan, path.relative(process.cwd(), input.file) || input.file));
        console.log(`\nWrote ${written} Kubernetes manifests and plan.json to ${path.relative(process.cwd(), outDir) || "."}/`);
    }
    return 0;
}

main().then(
    (code) => process.exit(code),
    (err: unknown) => {
        if (err instanceof ConfigError || err instanceof StackFileError || err instanceof UsageError) {
            console.error(err.message);
            process.exit(1);
        }
        console.error(err);
        process.exit(1);
    },
);
