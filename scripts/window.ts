// `npm run window -- <stack|file> [--base <git-ref>]`: may this stack change now? Exit 0 inside
// release:traffic.changeWindow (or when the stack has none), 5 outside it with the next opening.
// With --base, a change that only lowers traffic.canaryWeight (a rollback) is always allowed:
// the deploy workflow passes the previous commit so a rollback is never held back by the window.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ConfigError } from "../config";
import { describeWindow, insideWindow, nextWindowOpening } from "../decisions/changeWindow";
import { parsedConfig, UsageError } from "./lib/analysis";
import { REPO_ROOT } from "./lib/plan";
import { loadStackInput, StackFileError } from "./lib/stackFile";

const USAGE = "usage: npm run window -- <stack|file> [--base <git-ref>]";

/** A parsed stack file: `config` maps keys to values. */
type StackDoc = { config?: Record<string, { canaryWeight?: unknown } | undefined> };

/** Whether `after` differs from `before` only by a lower traffic.canaryWeight. */
export function isRollback(before: StackDoc, after: StackDoc): boolean {
    const b = before.config?.["release:traffic"];
    const a = after.config?.["release:traffic"];
    if (!b || !a || !(Number(a.canaryWeight ?? 0) < Number(b.canaryWeight ?? 0))) return false;
    const strip = (doc: StackDoc) => {
        const c = structuredClone(doc);
        delete c.config!["release:traffic"]!.canaryWeight;
        return JSON.stringify(c);
    };
    return strip(before) === strip(after);
}

export function runWindow(argv: string[], log: (l: string) => void, now = new Date()): number {
    try {
        let base: string | undefined;
        let stack: string | undefined;
        for (let i = 0; i < argv.length; i++) {
            if (argv[i] === "--base") base = argv[++i];
            else if (!argv[i].startsWith("--") && !stack) stack = argv[i];
            else throw new UsageError(`unknown argument ${argv[i]}\n${USAGE}`);
        }
        if (!stack || (base !== undefined && !base)) throw new UsageError(USAGE);
        const input = loadStackInput(stack);
        const w = parsedConfig(input).traffic.changeWindow;
        if (!w) {
            log(`${input.stack}: no change window configured; changes are allowed at any time`);
            return 0;
        }
        if (insideWindow(w, now)) {
            log(`${input.stack}: inside the change window (${describeWindow(w)})`);
            return 0;
        }
        if (base) {
            const rel = path.relative(REPO_ROOT, input.file);
            let before: string | undefined;
            try {
                before = execFileSync("git", ["show", `${base}:${rel}`], {
                    cwd: REPO_ROOT,
                    encoding: "utf8",
                    stdio: ["ignore", "pipe", "ignore"],
                });
            } catch {
                before = undefined; // a new stack file is not a rollback
            }
            const after = parse(fs.readFileSync(input.file, "utf8"));
            if (before !== undefined && isRollback(parse(before), after)) {
                log(
                    `${input.stack}: a rollback (traffic.canaryWeight lowered) is allowed outside the change window`,
                );
                return 0;
            }
        }
        log(
            `${input.stack}: outside the change window (${describeWindow(w)}); the next window opens ${nextWindowOpening(w, now).toISOString()}. Only a rollback may run now.`,
        );
        return 5;
    } catch (e) {
        if (e instanceof UsageError || e instanceof StackFileError || e instanceof ConfigError) {
            log(e.message);
            return 2;
        }
        throw e;
    }
}

if (require.main === module) process.exit(runWindow(process.argv.slice(2), (l) => console.log(l)));
