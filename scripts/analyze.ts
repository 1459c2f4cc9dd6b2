// `npm run analyze -- <stack> --prometheus <url> [--window 5m] [--json]`: is the canary healthy
// right now? One table: per check the canary's and the stable colour's values, the threshold, the
// verdict and the query. Exit codes: 0 healthy, 1 unhealthy, 3 inconclusive (too little traffic or
// no data), 4 Prometheus down, unreachable or failing, 2 usage or config error. `--preflight`
// checks capacity instead (0 pass, 1 fail, 3 no data).
import { ConfigError } from "../config";
import { promDuration } from "../config/monitoring";
import { formatTable } from "../decisions/analysis";
import {
    analysisInputFor,
    analyze,
    eachArg,
    parsedConfig,
    UsageError,
    type Analysis,
} from "./lib/analysis";
import { runPreflight } from "./lib/preflight";
import { prometheusClient, PrometheusError } from "./lib/prometheus";
import { loadStackInput, StackFileError } from "./lib/stackFile";

export const EXIT = {
    healthy: 0,
    unhealthy: 1,
    usage: 2,
    inconclusive: 3,
    prometheus: 4,
    window: 5,
} as const;

export interface CliIo {
    out: (line: string) => void;
    err: (line: string) => void;
}

const USAGE =
    "usage: npm run analyze -- <stack|file> --prometheus <url> [--window 5m] [--json] [--preflight]";

export interface AnalyzeArgs {
    stack: string;
    prometheus: string;
    window?: string;
    json: boolean;
    preflight: boolean;
}

/** Parses the flags; throws UsageError naming the problem. */
export function parseAnalyzeArgs(argv: string[]): AnalyzeArgs {
    const out: Partial<AnalyzeArgs> = { json: false, preflight: false };
    eachArg(argv, USAGE, (a, value) => {
        if (a === "--prometheus") out.prometheus = value();
        else if (a === "--window") out.window = value();
        else if (a === "--json") out.json = true;
        else if (a === "--preflight") out.preflight = true;
        else if (!a.startsWith("--") && out.stack === undefined) out.stack = a;
        else throw new UsageError(`unknown argument ${a}\n${USAGE}`);
    });
    if (!out.stack) throw new UsageError(USAGE);
    out.prometheus ??= process.env.PROMETHEUS_URL;
    if (!out.prometheus) {
        throw new UsageError(
            `--prometheus (or PROMETHEUS_URL) must give the server's URL\n${USAGE}`,
        );
    }
    if (!/^https?:\/\/\S+$/.test(out.prometheus)) {
        throw new UsageError(
            `--prometheus must be an http(s) URL (got ${JSON.stringify(out.prometheus)})`,
        );
    }
    if (out.window !== undefined && !promDuration().safeParse(out.window).success) {
        throw new UsageError(
            `--window must be a Prometheus duration such as "5m" (got ${JSON.stringify(out.window)})`,
        );
    }
    return out as AnalyzeArgs;
}

/** The analysis as printed: a header line, the table and the outcome. */
export function renderAnalysis(a: Analysis, stack: string): string {
    return [
        `Canary analysis of ${stack} at ${a.time} over ${a.window}: canary ${a.canary} vs stable ${a.stable}`,
        formatTable(a.results, a.checks),
        `Outcome: ${a.outcome.toUpperCase()}`,
    ].join("\n");
}

export const analysisJson = (a: Analysis, stack: string) => ({
    stack,
    outcome: a.outcome,
    time: a.time,
    window: a.window,
    canary: a.canary,
    stable: a.stable,
    checks: a.results,
});

/** Runs the command; returns the exit code. `now` is injectable for tests. */
export async function runAnalyze(argv: string[], io: CliIo, now?: () => Date): Promise<number> {
    let args: AnalyzeArgs;
    try {
        args = parseAnalyzeArgs(argv);
        const input = loadStackInput(args.stack);
        const cfg = parsedConfig(input);
        const client = prometheusClient(args.prometheus);
        if (args.preflight) {
            const report = await runPreflight(client, cfg, now?.());
            if (args.json) io.out(JSON.stringify({ stack: input.stack, ...report }, null, 2));
            else {
                io.out(`Capacity preflight of ${input.stack}:`);
                for (const l of report.lines) io.out(`  ${l}`);
                io.out(`Outcome: ${report.outcome.toUpperCase()}`);
            }
            return { pass: EXIT.healthy, fail: EXIT.unhealthy, "no data": EXIT.inconclusive }[
                report.outcome
            ];
        }
        const a = await analyze(client, analysisInputFor(cfg, args.window), now?.());
        io.out(
            args.json
                ? JSON.stringify(analysisJson(a, input.stack), null, 2)
                : renderAnalysis(a, input.stack),
        );
        return EXIT[a.outcome];
    } catch (e) {
        if (e instanceof PrometheusError) {
            io.err(
                `Error: ${e.message}. No verdict: an unanswered analysis never counts as healthy.`,
            );
            return EXIT.prometheus;
        }
        if (e instanceof UsageError || e instanceof StackFileError || e instanceof ConfigError) {
            io.err(e.message);
            return EXIT.usage;
        }
        throw e;
    }
}

if (require.main === module) {
    runAnalyze(process.argv.slice(2), { out: console.log, err: console.error }).then(
        (code) => process.exit(code),
        (e) => {
            console.error(e);
            process.exit(EXIT.usage);
        },
    );
}
