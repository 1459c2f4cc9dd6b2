// The base of `npm run plan -- <stack> --diff <base>`: a saved `--json` plan file, or a git ref whose
// stack file and code are planned in a temporary worktree (removed afterwards).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planProgram, REPO_ROOT } from "./plan";
import type { DiffablePlan } from "./planDiff";
import { loadStackInput, planRequest, resolveStackFile } from "./stackFile";

export class PlanBaseError extends Error {}

export interface PlanBase {
    plan: DiffablePlan;
    /** For the report header: "git HEAD~1 (3f2a1bc)" or "plan file out/prod/plan.json". */
    label: string;
}

function git(args: string[], cwd = REPO_ROOT): string {
    return execFileSync("git", args, {
        cwd,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
    }).trim();
}

/** Reads a saved plan document, checking it has the shape `--json` writes. */
export function readPlanFile(file: string, flag = "--diff"): DiffablePlan {
    let doc: unknown;
    try {
        doc = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new PlanBaseError(
            `${flag} ${file} must be a plan saved with --json: ${(e as Error).message}`,
        );
    }
    const d = doc as Partial<DiffablePlan>;
    if (!d || typeof d !== "object" || !Array.isArray(d.resources) || typeof d.stack !== "string") {
        throw new PlanBaseError(
            `${flag} ${file} must be a plan saved with --json (it has no stack and resources)`,
        );
    }
    return { outputs: {}, ...d } as DiffablePlan;
}

function resolveCommit(ref: string): string | undefined {
    // "--end-of-options" keeps a ref that starts with "-" from being read as an option.
    try {
        return git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
    } catch {
        return undefined;
    }
}

/**
 * Plans `stackArg` as of git `commit`: the stack file and program from a detached worktree, with
 * node_modules linked from this checkout (the base is planned with today's dependencies).
 */
async function planAtCommit(stackArg: string, commit: string): Promise<DiffablePlan> {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), "release-plan-base-"));
    const tree = path.join(parent, "tree");
    try {
        git(["worktree", "add", "--detach", "--quiet", tree, commit]);
        fs.symlinkSync(
            path.join(REPO_ROOT, "node_modules"),
            path.join(tree, "node_modules"),
            "dir",
        );
        const { stack, file } = resolveStackFile(stackArg);
        const rel = path.relative(REPO_ROOT, file);
        // A stack file inside the repo is read as of the ref; one outside it is the same file.
        const inRepo = !rel.startsWith("..") && !path.isAbsolute(rel);
        const baseFile = inRepo ? path.join(tree, rel) : file;
        if (!fs.existsSync(baseFile)) {
            return { stack, resources: [], outputs: {} }; // The stack is new in this change.
        }
        const input = loadStackInput(inRepo ? baseFile : stackArg, tree);
        try {
            return await planProgram(planRequest(input, { program: path.join(tree, "index.ts") }));
        } catch (e) {
            throw new PlanBaseError(
                `the base (${commit.slice(0, 7)}) does not plan: ${(e as Error).message}`,
            );
        }
    } finally {
        try {
            git(["worktree", "remove", "--force", tree]);
        } catch {
            // Already gone or never created; prune below drops any stale record.
        }
        fs.rmSync(parent, { recursive: true, force: true });
        try {
            git(["worktree", "prune"]);
        } catch {
            // Not fatal: a stale worktree record only costs a line in `git worktree list`.
        }
    }
}

export async function loadBase(base: string, stackArg: string): Promise<PlanBase> {
    if (fs.existsSync(base) && fs.statSync(base).isFile()) {
        return { plan: readPlanFile(base), label: `plan file ${base}` };
    }
    const commit = resolveCommit(base);
    if (!commit) {
        throw new PlanBaseError(
            `--diff ${base} must be a git ref (e.g. HEAD~1, origin/main) or a plan file saved with --json`,
        );
    }
    const plan = await planAtCommit(stackArg, commit);
    return { plan, label: `git ${base} (${commit.slice(0, 7)})` };
}
