// Runs the canary analysis against Prometheus: the checks from decisions/analysis.ts, each query
// for the canary and the stable colour, judged into one outcome.
import { performance } from "perf_hooks";
import { parseStackConfig, resolveWorkloads, type StackConfig } from "../../config";
import {
    analysisChecks,
    judgeCheck,
    outcomeOf,
    type AnalysisInput,
    type Check,
    type CheckResult,
    type Outcome,
} from "../../decisions/analysis";
import type { PrometheusClient } from "./prometheus";
import type { StackInput } from "./stackFile";

export interface Analysis {
    outcome: Outcome;
    /** When the queries were evaluated. */
    time: string;
    window: string;
    stable: string;
    canary: string;
    results: CheckResult[];
    checks: Check[];
    /** Wall time of the round in milliseconds. */
    durationMs: number;
}

/** Usage or config problems that stop a command before it asks anything (exit 2). */
export class UsageError extends Error {}

/**
 * Walks a command line: `visit` sees each argument with a `value()` that takes the next one as
 * the flag's value, refusing a missing value or another flag in its place.
 */
export function eachArg(
    argv: readonly string[],
    usage: string,
    visit: (arg: string, value: () => string) => void,
): void {
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        visit(a, () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) {
                throw new UsageError(`${a} needs a value\n${usage}`);
            }
            return v;
        });
    }
}

/** The stack file's `release:*` config, parsed as `pulumi up` would. */
export function parsedConfig(input: StackInput): StackConfig {
    const prefix = `${input.project}:`;
    const raw = Object.fromEntries(
        Object.entries(input.config)
            .filter(([k]) => k.startsWith(prefix))
            .map(([k, v]) => [k.slice(prefix.length), v]),
    );
    const secret = new Set(input.secretKeys.map((k) => k.slice(prefix.length)));
    return parseStackConfig(raw, secret);
}

/** What the analysis of this stack compares: its app, thresholds and colours. */
export function analysisInputFor(cfg: StackConfig, window?: string): AnalysisInput {
    if (!cfg.monitoring) {
        throw new UsageError(
            "release:monitoring must be set to analyze a release: it holds the thresholds and metric names",
        );
    }
    const stable = cfg.traffic.stable;
    // The series carry the workloads' names as job (ServiceMonitor jobLabel), not the app's.
    const workloads = resolveWorkloads(cfg);
    const web = workloads.filter((w) => w.kind === "web");
    return {
        appName: (web[0] ?? workloads[0]).name,
        jobs: web.map((w) => w.name),
        namespace: cfg.app.namespace,
        monitoring: cfg.monitoring,
        stable,
        canary: stable === "blue" ? "green" : "blue",
        window: window ?? cfg.monitoring.rateWindow,
    };
}

/** The largest value of an instant vector, or undefined when it is empty or NaN. */
function valueOf(samples: { value: number }[]): number | undefined {
    const values = samples.map((s) => s.value).filter((v) => !Number.isNaN(v));
    return values.length === 0 ? undefined : Math.max(...values);
}

/** One analysis round at `time`. Throws PrometheusError when the server cannot answer. */
export async function analyze(
    client: PrometheusClient,
    input: AnalysisInput,
    time?: Date,
): Promise<Analysis> {
    const t0 = performance.now();
    const checks = analysisChecks(input);
    // Every query at once: a round costs one round trip, not one per check.
    const values = await Promise.all(
        checks.map(async (c) => {
            const [canary, stable] = await Promise.all([
                client.query(c.canaryQuery, time),
                c.stableQuery ? client.query(c.stableQuery, time) : Promise.resolve([]),
            ]);
            return { canary: valueOf(canary), stable: valueOf(stable) };
        }),
    );
    const trafficIndex = checks.findIndex((c) => c.kind === "traffic");
    const traffic = checks[trafficIndex].judge(values[trafficIndex].canary, undefined);
    const results = checks.map((c, i) =>
        judgeCheck(c, values[i].canary, values[i].stable, traffic === "pass"),
    );
    return {
        outcome: outcomeOf(results, checks),
        time: (time ?? new Date()).toISOString(),
        window: input.window,
        stable: input.stable,
        canary: input.canary,
        results,
        checks,
        durationMs: performance.now() - t0,
    };
}
