// `npm run bench`: plan wall times per stack, and how many resources a traffic change touches.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { exampleStackFiles } from "./lib/examples";
import { diffPlans, type GraphDiff } from "./lib/graphDiff";
import { planProgram } from "./lib/plan";
import { loadStackInput, planRequest } from "./lib/stackFile";
import { ROUTER_VARIANTS } from "./lib/routerVariants";
import { editedStackConfig, planAfter, type ConfigEdit, type StackName } from "./lib/stackEdit";
import { analysisInputFor, analyze, parsedConfig } from "./lib/analysis";
import { hasPrometheus, startLocalPrometheus } from "./lib/localPrometheus";
import { runPreflight } from "./lib/preflight";
import { prometheusClient } from "./lib/prometheus";
import { openMetrics } from "./lib/syntheticMetrics";

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const DATA_TYPE = /^aws:(rds|elasticache)\//;

/** Counts of what one `pulumi up` changes, and how many of those are data resources. */
function touched(d: GraphDiff): string {
    const data = [...d.created, ...d.deleted, ...d.changed.map((c) => c.key)].filter((k) =>
        DATA_TYPE.test(k),
    ).length;
    return `${String(d.created.length).padStart(7)}  ${String(d.deleted.length).padStart(7)}  ${String(d.changed.length).padStart(7)}  ${String(data).padStart(22)}`;
}

/** One plan of a stack with edits applied. */
function planEdited(stack: StackName, edit: ConfigEdit) {
    const { input, config } = editedStackConfig(stack, edit);
    return planProgram(planRequest(input, { config }));
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
}

async function timePlans(
    stack: StackName,
    runs = RUNS,
): Promise<{ first: number; median: number; resources: number }> {
    // planProgram directly: the tests' planStack shares identical plans, which would time a cache.
    const input = loadStackInput(stack);
    const times: number[] = [];
    let resources = 0;
    for (let i = 0; i < runs + 1; i++) {
        const t0 = performance.now();
        const plan = await planProgram(planRequest(input));
        times.push(performance.now() - t0);
        resources = plan.resources.length;
    }
    return { first: times[0], median: median(times.slice(1)), resources };
}

/** The whole `npm run plan` command, process start included (what a user waits for). */
function timeCli(stack: StackName, runs = 5): number {
    const root = path.resolve(__dirname, "..");
    const out = path.join(os.tmpdir(), `bench-plan-${stack}`);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        execFileSync(
            process.execPath,
            ["-r", "./scripts/register.js", "scripts/plan.ts", stack, "--out", out, "--json"],
            { cwd: root, stdio: "ignore" },
        );
        times.push(performance.now() - t0);
    }
    return median(times);
}

const CHANGES: Record<string, { from?: ConfigEdit; to: ConfigEdit }> = {
    "shift 25→50": { to: (c) => (c.traffic.canaryWeight = 50) },
    promote: {
        to: (c) => {
            c.traffic.stable = "green";
            c.traffic.canaryWeight = 0;
        },
    },
    "rollback 25→0": { to: (c) => (c.traffic.canaryWeight = 0) },
};

/** Shift, promotion and rollback from an example's first canary step (prod refuses other weights). */
function exampleChanges(file: string): Record<string, { from: ConfigEdit; to: ConfigEdit }> {
    const steps = (
        loadStackInput(file).config["release:traffic"] as { steps?: { weight: number }[] }
    )?.steps ?? [{ weight: 10 }, { weight: 50 }];
    const [first, second] = steps.map((s) => s.weight);
    const at = (w: number) => (c: Parameters<ConfigEdit>[0]) => (c.traffic.canaryWeight = w);
    return {
        [`shift ${first}→${second}`]: { from: at(first), to: at(second) },
        promote: {
            from: at(first),
            to: (c) => {
                c.traffic.stable = c.traffic.stable === "green" ? "blue" : "green";
                c.traffic.canaryWeight = 0;
            },
        },
        [`rollback ${first}→0`]: { from: at(first), to: at(0) },
    };
}

/** Each example stack: its plan time and what each traffic step touches, with its own router. */
async function benchExamples(): Promise<void> {
    const runs = Math.max(1, Math.min(RUNS, 3));
    console.log(`\nExample stacks (in-process plan, median of ${runs} after one cold run)`);
    console.log(
        "stack file                                                   resources  median ms  step            created  deleted  changed  data-resources-touched",
    );
    for (const file of exampleStackFiles()) {
        const t = await timePlans(file, runs);
        const head = `${file.padEnd(60)} ${String(t.resources).padStart(9)}  ${t.median.toFixed(0).padStart(9)}`;
        let first = true;
        for (const [name, change] of Object.entries(exampleChanges(file))) {
            const before = await planEdited(file, change.from);
            const after = await planAfter(
                file,
                (c) => {
                    change.from(c);
                    change.to(c);
                },
                before,
            );
            const lead = first ? head : " ".repeat(head.length);
            console.log(`${lead}  ${name.padEnd(14)} ${touched(diffPlans(before, after))}`);
            first = false;
        }
    }
}

/** The whole `npm test` (mocha) run, as CI runs it; BENCH_TESTS=0 skips it. */
function timeTests(): void {
    if (process.env.BENCH_TESTS === "0") {
        console.log("\nnpm test: skipped (BENCH_TESTS=0)");
        return;
    }
    const root = path.resolve(__dirname, "..");
    const cpu0 = childrenCpuSeconds();
    const t0 = performance.now();
    execFileSync(process.execPath, [require.resolve("mocha/bin/mocha.js"), "--reporter", "dot"], {
        cwd: root,
        stdio: "ignore",
    });
    const s = (performance.now() - t0) / 1000;
    const cpu1 = childrenCpuSeconds();
    // CPU time barely moves with the other work on the machine; wall time does.
    const cpu =
        cpu0 !== undefined && cpu1 !== undefined
            ? `, ${(cpu1 - cpu0).toFixed(1)} s CPU (user + sys)`
            : "";
    console.log(`\nnpm test (mocha, whole suite): ${s.toFixed(1)} s${cpu}; load ${loadAverage()}`);
}

/**
 * CPU seconds (user + sys) of this process's finished children and their own children, from
 * /proc (Linux); undefined elsewhere.
 */
function childrenCpuSeconds(): number | undefined {
    try {
        const stat = fs.readFileSync("/proc/self/stat", "utf8");
        // Fields after the command name: cutime and cstime are the 14th and 15th.
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const ticks = Number(fields[13]) + Number(fields[14]);
        const hz = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
        return Number.isFinite(ticks) && hz > 0 ? ticks / hz : undefined;
    } catch {
        return undefined;
    }
}

const loadAverage = () =>
    os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ");

async function main(): Promise<void> {
    console.log(`${os.cpus().length} cores; load average ${loadAverage()} (1, 5, 15 min)`);
    console.log(`Plan wall time (in-process, Pulumi mocks; median of ${RUNS} after one cold run)`);
    console.log("stack     resources  cold ms  median ms  `npm run plan` ms (median of 5)");
    for (const stack of ["staging", "prod"] as StackName[]) {
        const t = await timePlans(stack);
        const cli = timeCli(stack);
        console.log(
            `${stack.padEnd(9)} ${String(t.resources).padStart(9)}  ${t.first.toFixed(0).padStart(7)}  ${t.median.toFixed(1).padStart(9)}  ${cli.toFixed(0).padStart(7)}`,
        );
    }
    console.log("\nResources a traffic change touches (prod)");
    console.log("router       change         created  deleted  changed  data-resources-touched");
    for (const [kind, variant] of Object.entries(ROUTER_VARIANTS)) {
        for (const [name, change] of Object.entries(CHANGES)) {
            const before = await planEdited("prod", (c) => {
                variant(c);
                change.from?.(c);
            });
            // One `pulumi up` from `before`, ordered against it as the program orders it.
            const after = await planAfter(
                "prod",
                (c) => {
                    variant(c);
                    change.from?.(c);
                    change.to(c);
                },
                before,
            );
            console.log(
                `${kind.padEnd(12)} ${name.padEnd(14)} ${touched(diffPlans(before, after))}`,
            );
        }
    }
}

/** One analysis round (every check, both colours) and one preflight against a local Prometheus. */
async function timeAnalysis(): Promise<void> {
    if (!hasPrometheus()) {
        console.log("\nCanary analysis: skipped (prometheus/promtool are not on PATH)");
        return;
    }
    const input = loadStackInput("prod");
    const cfg = parsedConfig(input);
    const end = Math.floor(Date.now() / 1000) - 1;
    const load = () => ({ rps: 20, errorRatio: 0.0002, latency: "fast" as const });
    const series = openMetrics(
        [{ job: cfg.app.name, namespace: cfg.app.namespace, colors: { blue: load, green: load } }],
        { start: end - 3600, end, step: 30 },
    );
    const t0 = performance.now();
    const prometheus = await startLocalPrometheus(series);
    const startMs = performance.now() - t0;
    try {
        const client = prometheusClient(prometheus.url);
        const analysis = analysisInputFor(cfg);
        const rounds: number[] = [];
        let queries = 0;
        for (let i = 0; i < RUNS + 1; i++) {
            const a = await analyze(client, analysis);
            rounds.push(a.durationMs);
            queries = a.checks.reduce((n, c) => n + (c.stableQuery ? 2 : 1), 0);
        }
        const preflights: number[] = [];
        for (let i = 0; i < RUNS + 1; i++) {
            const p0 = performance.now();
            await runPreflight(client, cfg);
            preflights.push(performance.now() - p0);
        }
        console.log(
            `\nAgainst a local Prometheus (backfill + start ${startMs.toFixed(0)} ms; median of ${RUNS} after one cold run)`,
        );
        console.log(
            `analysis round (${queries} queries)  cold ${rounds[0].toFixed(1)} ms  median ${median(rounds.slice(1)).toFixed(1)} ms`,
        );
        console.log(
            `capacity preflight            cold ${preflights[0].toFixed(1)} ms  median ${median(preflights.slice(1)).toFixed(1)} ms`,
        );
    } finally {
        await prometheus.stop();
    }
}

main()
    .then(benchExamples)
    .then(timeAnalysis)
    .then(timeTests)
    .catch((e) => {
        console.error(e);
        process.exit(1);
    });
