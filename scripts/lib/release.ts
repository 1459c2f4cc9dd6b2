// The progression loop behind `npm run release`: walk `release:traffic.steps` from the current
// weight, bring the stack up at each, analyse the canary against Prometheus through the step's
// pause, roll back on an unhealthy verdict, hold on an inconclusive one, promote after the last.
// The stack config is the only state: a rerun continues from the weight the stack is at.
import { deployedColors, type StackConfig } from "../../config";
import { durationSeconds } from "../../config/monitoring";
import { trafficSteps, type TrafficStep } from "../../config/progression";
import { formatTable } from "../../decisions/analysis";
import { describeWindow, insideWindow, nextWindowOpening } from "../../decisions/changeWindow";
import { analysisInputFor, analyze, type Analysis } from "./analysis";
import type { PreflightReport } from "./preflight";
import { PrometheusError, type PrometheusClient } from "./prometheus";

/** Time as the loop sees it; tests pass a virtual clock whose sleep only moves `now`. */
export interface Clock {
    now(): Date;
    sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** One traffic change: a canary weight, a promotion or a rollback. */
export type TrafficChange = { weight: number } | "promote" | "rollback";

/** Applies a traffic change to the stack config and brings the stack up to it. */
export interface StepExecutor {
    /** "automation api (stack prod)" or "offline (Pulumi.prod.yaml)", for the log. */
    readonly description: string;
    /** The stack's `release:*` config, parsed. */
    readConfig(): Promise<StackConfig>;
    /** Writes the change to the stack config (atomically), then `up`. */
    apply(change: TrafficChange): Promise<void>;
    /** The notification webhook, decrypted, if the stack sets one. */
    webhook(): Promise<string | undefined>;
}

export type ReleaseEvent =
    "start" | "step" | "analysis" | "rollback" | "hold" | "promotion" | "refused" | "error";

export interface ReleaseNotice {
    event: ReleaseEvent;
    stack: string;
    time: string;
    message: string;
    weight?: number;
    stable?: string;
    canary?: string;
    failed?: { check: string; canary: number | null; stable: number | null; threshold: string }[];
}

export const RELEASE_EXIT = {
    promoted: 0,
    rolledBack: 1,
    usage: 2,
    inconclusive: 3,
    prometheus: 4,
    outsideWindow: 5,
    preflight: 6,
} as const;

export interface ReleaseOptions {
    readonly stack: string;
    readonly executor: StepExecutor;
    /** Absent only with dryRun. */
    readonly prometheus?: PrometheusClient;
    readonly clock?: Clock;
    /** Seconds between analyses during a pause; default 60. */
    readonly intervalSeconds?: number;
    /** Rate window of the analysis; default release:monitoring.rateWindow. */
    readonly window?: string;
    readonly dryRun?: boolean;
    /** Receives one timestamped line per event. */
    readonly log: (line: string) => void;
    /** Receives each step, rollback, hold and promotion (the webhook); failures only warn. */
    readonly notify?: (notice: ReleaseNotice) => Promise<void>;
    /** Capacity check before the first step; undefined skips it. */
    readonly preflight?: (cfg: StackConfig, at: Date) => Promise<PreflightReport>;
}

const otherColor = (c: string) => (c === "blue" ? "green" : "blue");

/** Where a run starts: the index of the first step to apply, and whether to re-analyse the current one. */
export function resumePoint(
    steps: readonly TrafficStep[],
    weight: number,
): { next: number; current?: number } {
    const current = steps.findIndex((s) => s.weight === weight);
    if (weight > 0 && current >= 0) return { next: current + 1, current };
    const next = steps.findIndex((s) => s.weight > weight);
    return { next: next < 0 ? steps.length : next };
}

/** The failed rows of an analysis, for the log and the webhook. */
const failedChecks = (a: Analysis) =>
    a.results
        .filter((r) => r.verdict === "fail")
        .map((r) => ({
            check: r.name,
            canary: r.canary,
            stable: r.stable,
            threshold: r.threshold,
        }));

/** Runs the release; returns the exit code (RELEASE_EXIT). */
export async function runRelease(opts: ReleaseOptions): Promise<number> {
    const clock = opts.clock ?? realClock;
    const cfg = await opts.executor.readConfig();
    const steps = trafficSteps(cfg);
    const stable = cfg.traffic.stable;
    const canary = otherColor(stable);
    const weight = cfg.traffic.canaryWeight;
    const base = { stack: opts.stack, stable, canary };
    const line = (msg: string) => opts.log(`${clock.now().toISOString()} ${opts.stack} ${msg}`);
    const notify = async (n: Omit<ReleaseNotice, "stack" | "time" | "stable" | "canary">) => {
        if (!opts.notify) return;
        try {
            await opts.notify({ ...base, time: clock.now().toISOString(), ...n });
        } catch (e) {
            line(`warning: the notification webhook failed (${(e as Error).message}); continuing`);
        }
    };
    if (!deployedColors(cfg.colors).some((d) => d.color === canary)) {
        line(`nothing to release: release:colors.${canary}.version is not set`);
        return RELEASE_EXIT.usage;
    }
    if (cfg.data.writes === "stopped") {
        line(
            "refused to start: release:data.writes is stopped (a restore is under way), so every colour runs 0 pods and no step could be analysed; resume writes first (docs/data-and-recovery.md)",
        );
        return RELEASE_EXIT.usage;
    }
    const { next, current } = resumePoint(steps, weight);
    const plan = steps.map((s) => `${s.weight} % for ${s.pause}`).join(" → ");
    line(
        `release of ${canary} (stable ${stable}) at weight ${weight} via ${opts.executor.description}: ${plan}, then promote`,
    );
    if (opts.dryRun) {
        if (current !== undefined) {
            line(
                `dry run: would re-analyse step ${current + 1} (${weight} %) for ${steps[current].pause}`,
            );
        }
        for (let i = next; i < steps.length; i++) {
            line(
                `dry run: would set traffic.canaryWeight ${i === next ? weight : steps[i - 1].weight} → ${steps[i].weight}, up, and analyse for ${steps[i].pause}`,
            );
        }
        line(
            `dry run: would promote ${canary} (traffic.stable ${stable} → ${canary}, canaryWeight → 0) and up`,
        );
        line("dry run: nothing changed");
        return RELEASE_EXIT.promoted;
    }
    const prometheus = opts.prometheus;
    if (!prometheus) throw new Error("runRelease: a Prometheus client is required unless dryRun");
    const input = analysisInputFor(cfg, opts.window);
    const interval = (opts.intervalSeconds ?? 60) * 1000;

    let atWeight = weight; // the weight the stack is at, as the loop moves it
    const windowOpen = async (what: string): Promise<boolean> => {
        const w = cfg.traffic.changeWindow;
        if (!w || insideWindow(w, clock.now())) return true;
        const opens = nextWindowOpening(w, clock.now()).toISOString();
        const message = `refused to ${what}: outside the change window (${describeWindow(w)}); the next window opens ${opens}. Traffic stays at ${atWeight} %; a rollback is always allowed (npm run shift -- ${opts.stack} rollback).`;
        line(message);
        await notify({ event: "refused", message, weight: atWeight });
        return false;
    };
    const rollback = async (a: Analysis, at: number): Promise<number> => {
        const failed = failedChecks(a);
        line(`UNHEALTHY at ${at} %: ${failed.map((f) => f.check).join(", ")}; rolling back to 0`);
        opts.log(formatTable(a.results, a.checks));
        await opts.executor.apply("rollback");
        atWeight = 0;
        const message = `rolled back: ${canary} at 0 %, ${stable} serves everything`;
        line(message);
        await notify({ event: "rollback", message, weight: 0, failed });
        return RELEASE_EXIT.rolledBack;
    };
    /** Analyses through the pause; returns an exit code to stop with, or undefined to go on. */
    const watch = async (step: TrafficStep): Promise<number | undefined> => {
        const pause = durationSeconds(step.pause) * 1000;
        let waited = 0;
        for (;;) {
            const wait = Math.min(interval, pause - waited);
            if (wait > 0) await clock.sleep(wait);
            waited += Math.max(wait, 0);
            const a = await analyze(prometheus, input, clock.now());
            const summary = a.results
                .filter((r) => r.verdict !== "skipped")
                .map((r) => `${r.name} ${r.verdict}`)
                .join(", ");
            line(
                `analysis at ${step.weight} % (${waited / 1000}s of ${step.pause}): ${a.outcome} — ${summary}`,
            );
            if (a.outcome === "unhealthy") return rollback(a, step.weight);
            if (waited < pause) continue;
            if (a.outcome === "inconclusive") {
                const message = `holding at ${step.weight} %: the analysis is still inconclusive after ${step.pause} (too little traffic or no data); nothing changed. Rerun to continue, or roll back.`;
                line(message);
                opts.log(formatTable(a.results, a.checks));
                await notify({ event: "hold", message, weight: step.weight });
                return RELEASE_EXIT.inconclusive;
            }
            return undefined;
        }
    };

    try {
        if (current === undefined && weight === 0) {
            if (!(await windowOpen("start the release"))) return RELEASE_EXIT.outsideWindow;
            if (opts.preflight) {
                const report = await opts.preflight(cfg, clock.now());
                for (const l of report.lines) line(`preflight: ${l}`);
                if (report.outcome !== "pass") {
                    const message = `refused to start: the capacity preflight ${report.outcome === "fail" ? "failed" : "has no data"}: ${report.failed.join("; ")}`;
                    line(message);
                    await notify({ event: "refused", message, weight });
                    return RELEASE_EXIT.preflight;
                }
            }
        }
        if (current !== undefined) {
            line(
                `resuming at step ${current + 1}/${steps.length} (${weight} %): up, then analyse for ${steps[current].pause}`,
            );
            await opts.executor.apply({ weight });
            const stop = await watch(steps[current]);
            if (stop !== undefined) return stop;
        }
        let from = weight;
        for (let i = next; i < steps.length; i++) {
            const step = steps[i];
            if (!(await windowOpen(`advance to ${step.weight} %`)))
                return RELEASE_EXIT.outsideWindow;
            const message = `step ${i + 1}/${steps.length}: traffic.canaryWeight ${from} → ${step.weight}`;
            line(message);
            await opts.executor.apply({ weight: step.weight });
            atWeight = step.weight;
            await notify({ event: "step", message, weight: step.weight });
            from = step.weight;
            const stop = await watch(step);
            if (stop !== undefined) return stop;
        }
        if (!(await windowOpen("promote"))) return RELEASE_EXIT.outsideWindow;
        await opts.executor.apply("promote");
        const message = `promoted: ${canary} is stable and serves 100 %; ${stable} stays warm for rollback`;
        line(message);
        await notify({ event: "promotion", message, weight: 0 });
        return RELEASE_EXIT.promoted;
    } catch (e) {
        if (!(e instanceof PrometheusError)) throw e;
        const now = await opts.executor.readConfig();
        const message = `error: ${e.message}. No verdict, so nothing was changed: traffic stays at ${now.traffic.canaryWeight} %. Fix Prometheus and rerun, or roll back (npm run shift -- ${opts.stack} rollback).`;
        line(message);
        await notify({ event: "error", message, weight: now.traffic.canaryWeight });
        return RELEASE_EXIT.prometheus;
    }
}
