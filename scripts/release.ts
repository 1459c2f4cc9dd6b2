// `npm run release -- <stack> [--prometheus <url>] [--dry-run] [--offline] [--interval 1m]
// [--window 5m] [--no-preflight]`: walks release:traffic.steps, analysing each against Prometheus,
// rolls back on its own, and promotes after the last step. The stack config is the only state:
// run it again to continue. Exit codes: 0 promoted (or dry run), 1 unhealthy and rolled back,
// 2 usage or config error, 3 inconclusive (held, nothing changed), 4 Prometheus down or
// unreachable (nothing changed), 5 outside the change window, 6 capacity preflight refused.
import { ConfigError } from "../config";
import { durationSeconds, promDuration } from "../config/monitoring";
import { eachArg, UsageError } from "./lib/analysis";
import { AutomationExecutor, OfflineExecutor } from "./lib/executors";
import { webhookNotifier } from "./lib/notify";
import { runPreflight } from "./lib/preflight";
import { prometheusClient } from "./lib/prometheus";
import { RELEASE_EXIT, runRelease, type Clock, type StepExecutor } from "./lib/release";
import { resolveStackFile, StackFileError } from "./lib/stackFile";
import { ShiftError } from "./shift";

const USAGE =
    "usage: npm run release -- <stack> [--prometheus <url>] [--dry-run] [--offline] [--interval 1m] [--window 5m] [--no-preflight]";

export interface ReleaseArgs {
    stack: string;
    prometheus?: string;
    dryRun: boolean;
    offline: boolean;
    intervalSeconds: number;
    window?: string;
    preflight: boolean;
}

export function parseReleaseArgs(argv: string[]): ReleaseArgs {
    const out: Partial<ReleaseArgs> = { dryRun: false, offline: false, preflight: true };
    let interval = "1m";
    eachArg(argv, USAGE, (a, value) => {
        if (a === "--prometheus") out.prometheus = value();
        else if (a === "--dry-run") out.dryRun = true;
        else if (a === "--offline") out.offline = true;
        else if (a === "--no-preflight") out.preflight = false;
        else if (a === "--interval") interval = value();
        else if (a === "--window") out.window = value();
        else if (!a.startsWith("--") && out.stack === undefined) out.stack = a;
        else throw new UsageError(`unknown argument ${a}\n${USAGE}`);
    });
    if (!out.stack) throw new UsageError(USAGE);
    for (const [flag, v] of [
        ["--interval", interval],
        ["--window", out.window],
    ] as const) {
        if (v !== undefined && (!promDuration().safeParse(v).success || durationSeconds(v) <= 0)) {
            throw new UsageError(
                `${flag} must be a Prometheus duration such as "1m" (got ${JSON.stringify(v)})`,
            );
        }
    }
    out.intervalSeconds = durationSeconds(interval);
    out.prometheus ??= process.env.PROMETHEUS_URL || undefined;
    if (!out.prometheus && !out.dryRun) {
        throw new UsageError(
            `--prometheus (or PROMETHEUS_URL) must give the server's URL\n${USAGE}`,
        );
    }
    return out as ReleaseArgs;
}

export interface ReleaseCliDeps {
    log: (line: string) => void;
    executor?: StepExecutor;
    clock?: Clock;
}

/** Runs the command; returns the exit code. Tests inject the executor and the clock. */
export async function runReleaseCli(argv: string[], deps: ReleaseCliDeps): Promise<number> {
    try {
        const args = parseReleaseArgs(argv);
        const executor =
            deps.executor ??
            (args.offline
                ? new OfflineExecutor(args.stack, { log: deps.log })
                : new AutomationExecutor(args.stack, { onOutput: (o) => process.stdout.write(o) }));
        const prometheus = args.prometheus ? prometheusClient(args.prometheus) : undefined;
        const hook = args.dryRun ? undefined : await executor.webhook();
        return await runRelease({
            stack: resolveStackFile(args.stack).stack,
            executor,
            prometheus,
            clock: deps.clock,
            intervalSeconds: args.intervalSeconds,
            window: args.window,
            dryRun: args.dryRun,
            log: deps.log,
            notify: hook ? webhookNotifier(hook) : undefined,
            preflight:
                args.preflight && prometheus
                    ? (cfg, at) => runPreflight(prometheus, cfg, at)
                    : undefined,
        });
    } catch (e) {
        if (
            e instanceof UsageError ||
            e instanceof ConfigError ||
            e instanceof StackFileError ||
            e instanceof ShiftError
        ) {
            deps.log(e.message);
            return RELEASE_EXIT.usage;
        }
        throw e;
    }
}

if (require.main === module) {
    runReleaseCli(process.argv.slice(2), { log: (l) => console.log(l) }).then(
        (code) => process.exit(code),
        (e) => {
            console.error(e instanceof Error ? e.message : e);
            process.exit(RELEASE_EXIT.usage);
        },
    );
}
