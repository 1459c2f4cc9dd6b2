// `npm run mutate [-- <file>... ] [--concurrency N]`: StrykerJS over the decision modules, config/
// and policies/, each file against its own fast tests (scripts/lib/mutationTargets.ts). Prints the
// mutation score per file and the mutants that survived; exits 1 when a decision module or policy
// file is below the floor. Not part of `npm test`: a full run takes minutes.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import {
    DEFAULT_SET,
    fileScore,
    groupByTests,
    MUTATED_DIRS,
    mustReachFloor,
    mutatedFiles,
    ROOT,
    SCORE_FLOOR,
    type FileScore,
    type MutatedDir,
    type TestGroup,
} from "./lib/mutationTargets";

const REPORTS = path.join(ROOT, "reports", "mutation");

interface Mutant {
    status: string;
    mutatorName: string;
    replacement?: string;
    static?: boolean;
    location: { start: { line: number; column: number } };
}

function usage(problem: string): never {
    console.error(`mutate: ${problem}`);
    console.error(
        "usage: npm run mutate -- [<file>[:from-to]...] [--set decisions,policies,config|all] [--concurrency N] [--ignore-static]",
    );
    process.exit(2);
}

interface Options {
    files: string[];
    concurrency: number;
    /** Leave out static mutants (each needs a fresh process running all of the file's tests). */
    ignoreStatic: boolean;
}

/** `--set decisions,config` or `--set all`: the folders to mutate when no file is named. */
function parseSet(value: string | undefined): MutatedDir[] {
    if (value === "all") return [...MUTATED_DIRS];
    const dirs = (value ?? "").split(",").filter((d) => d !== "");
    const bad = dirs.filter((d) => !(MUTATED_DIRS as readonly string[]).includes(d));
    if (dirs.length === 0 || bad.length > 0) {
        usage(`--set must list folders among ${MUTATED_DIRS.join(", ")} (or be all), got ${value}`);
    }
    return dirs as MutatedDir[];
}

function parseArgs(argv: string[]): Options {
    const all = mutatedFiles();
    const files: string[] = [];
    let set: readonly MutatedDir[] | undefined;
    let concurrency = Math.max(1, os.cpus().length);
    let ignoreStatic = false;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--concurrency") {
            const n = Number(argv[++i]);
            if (!Number.isInteger(n) || n < 1) usage(`--concurrency must be a whole number ≥ 1`);
            concurrency = n;
        } else if (a === "--ignore-static") {
            ignoreStatic = true;
        } else if (a === "--set") {
            set = parseSet(argv[++i]);
        } else if (a.startsWith("-")) {
            usage(`unknown option ${a}`);
        } else {
            // file or file:startLine-endLine (StrykerJS's mutation range)
            const [, file, range] = /^(.*?)((?::\d+(?::\d+)?-\d+(?::\d+)?)?)$/.exec(a)!;
            const rel = path.relative(ROOT, path.resolve(file)).split(path.sep).join("/");
            if (!all.includes(rel)) {
                usage(`${a} is not a mutated file (one of ${all.join(", ")})`);
            }
            files.push(rel + range);
        }
    }
    if (set && files.length > 0) usage("give files or --set, not both");
    return {
        files: files.length > 0 ? files : mutatedFiles(set ?? DEFAULT_SET),
        concurrency,
        ignoreStatic,
    };
}

/**
 * One StrykerJS run. The tests go in mochaOptions.spec, not --testFiles: StrykerJS 9 activates a
 * static mutant (one evaluated when its module loads) too late when --testFiles is set, so every
 * static mutant would survive with no test run.
 */
function runStryker(group: TestGroup, opts: Options, n: number) {
    const base = JSON.parse(fs.readFileSync(path.join(ROOT, "stryker.config.json"), "utf8"));
    const config = path.join(REPORTS, `stryker-${n}.json`);
    const run = {
        ...base,
        mutate: group.files,
        concurrency: opts.concurrency,
        ignoreStatic: opts.ignoreStatic,
        mochaOptions: { spec: group.tests, ...(group.grep ? { grep: group.grep } : {}) },
    };
    delete run.$schema;
    fs.writeFileSync(config, JSON.stringify(run, null, 2) + "\n");
    const bin = path.join(
        path.dirname(require.resolve("@stryker-mutator/core/package.json")),
        "bin",
        "stryker.js",
    );
    const out = fs.openSync(path.join(REPORTS, `run-${n}.log`), "w");
    return new Promise<number>((resolve) => {
        const child = spawn(process.execPath, [bin, "run", path.relative(ROOT, config)], {
            cwd: ROOT,
            stdio: ["ignore", out, out],
        });
        child.on("close", (code) => {
            fs.closeSync(out);
            resolve(code ?? 1);
        });
    });
}

const pct = (x: number) => `${x.toFixed(1)} %`;

function printTable(rows: FileScore[]) {
    const w = Math.max(...rows.map((r) => r.file.length), 4);
    const head = ["killed", "timeout", "survived", "no cov", "ignored", "errors", "score"];
    console.log(`${"file".padEnd(w)}  ${head.map((h) => h.padStart(8)).join(" ")}`);
    for (const r of rows) {
        const cells = [r.killed, r.timeout, r.survived, r.noCoverage, r.ignored, r.errors].map(
            (n) => String(n).padStart(8),
        );
        const flag = mustReachFloor(r.file) && r.score < SCORE_FLOOR ? "  < floor" : "";
        console.log(`${r.file.padEnd(w)}  ${cells.join(" ")} ${pct(r.score).padStart(8)}${flag}`);
    }
}

async function main() {
    const opts = parseArgs(process.argv.slice(2));
    const { files, concurrency } = opts;
    fs.mkdirSync(REPORTS, { recursive: true });
    const scores: FileScore[] = [];
    const survivors: string[] = [];
    const t0 = performance.now();
    const groups = groupByTests(files);
    for (const [i, g] of groups.entries()) {
        const json = path.join(REPORTS, "mutation.json");
        fs.rmSync(json, { force: true });
        const log = path.join(REPORTS, `run-${i + 1}.log`);
        const started = performance.now();
        console.log(
            `[${i + 1}/${groups.length}] ${g.files.join(", ")}  (tests: ${g.tests.join(", ")}${g.grep ? `, grep ${g.grep}` : ""})`,
        );
        const code = await runStryker(g, opts, i + 1);
        if (code !== 0 || !fs.existsSync(json)) {
            console.error(
                `mutate: StrykerJS failed (exit ${code}); see ${path.relative(ROOT, log)}`,
            );
            process.exit(1);
        }
        const report = JSON.parse(fs.readFileSync(json, "utf8")) as {
            files: Record<string, { mutants: Mutant[]; source: string }>;
        };
        fs.renameSync(json, path.join(REPORTS, `run-${i + 1}.json`));
        for (const f of g.files.map((x) => x.replace(/:[\d:-]+$/, ""))) {
            const entry = report.files[f];
            const mutants = entry?.mutants ?? [];
            scores.push(fileScore(f, mutants));
            const lines = entry?.source.split("\n") ?? [];
            for (const m of mutants) {
                if (m.status !== "Survived" && m.status !== "NoCoverage") continue;
                const { line, column } = m.location.start;
                const code = (lines[line - 1] ?? "").trim().slice(0, 70);
                const repl = (m.replacement ?? "").replace(/\s+/g, " ").slice(0, 50);
                survivors.push(
                    `${f}:${line}:${column} ${m.status} ${m.mutatorName}${m.static ? " (static)" : ""}: ${code}  →  ${repl}`,
                );
            }
        }
        console.log(`      done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    const seconds = (performance.now() - t0) / 1000;
    if (survivors.length > 0) {
        console.log(`\nSurvivors (${survivors.length}):`);
        for (const s of survivors) console.log(`  ${s}`);
    }
    console.log("");
    printTable(scores);
    const load = os.loadavg().map((l) => l.toFixed(1));
    console.log(
        `\n${files.length} file(s) in ${(seconds / 60).toFixed(1)} min, concurrency ${concurrency}, ${opts.ignoreStatic ? "static mutants ignored" : "static mutants included"}, ${os.cpus().length} cores, load average ${load.join(" ")}`,
    );
    fs.writeFileSync(
        path.join(REPORTS, "scores.json"),
        JSON.stringify({ ...opts, seconds, loadavg: os.loadavg(), scores }, null, 2) + "\n",
    );
    const low = scores.filter((s) => mustReachFloor(s.file) && s.score < SCORE_FLOOR);
    if (low.length > 0) {
        console.error(
            `mutate: below the ${SCORE_FLOOR} % floor: ${low.map((s) => `${s.file} (${pct(s.score)})`).join(", ")}`,
        );
        process.exit(1);
    }
}

main().catch((e) => {
    console.error(`mutate: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
});
