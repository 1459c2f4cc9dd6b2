// The progression loop behind `npm run release`: walk `release:traffic.steps` from the current
// weight, bring the stack up at each, analyse the canary against Prometheus through the step's
// pause, roll back on an unhealthy verdict, hold on an inconclusive one, promote after the last.
// The stack config is the only state: a rerun continues from the weight the stack is at.
import { deployedColors, type StackConfig } from "../../config";
import { durationSeconds } from "../../config/monitoring";
import { trafficSteps, type TrafficStep } from "../../config/progression";
import { formatTable, type AnalysisInput } from "../../decisions/analysis";
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

/** What each analysis needs: the server, the queries' input, and the interval between rounds. */
interface AnalysisSetup {
    readonly prometheus: PrometheusClient;
    readonly input: AnalysisInput;
    readonly intervalMs: number;
}

type Notice = Omit<ReleaseNotice, "stack" | "time" | "stable" | "canary">;

/** One run of the loop: the config it read, its colours, and the weight the stack is at. */
class ReleaseRun {
    private readonly clock: Clock;
    readonly steps: readonly TrafficStep[];
    private readonly stable: string;
    private readonly canary: string;
    /** The weight the stack was at when the run started. */
    readonly weight: number;
    /** The weight the stack is at, as the loop moves it. */
    private atWeight: number;

    constructor(
        private readonly opts: ReleaseOptions,
        private readonly cfg: StackConfig,
    ) {
        this.clock = opts.clock ?? realClock;
        this.steps = trafficSteps(cfg);
        this.stable = cfg.traffic.stable;
        this.canary = otherColor(this.stable);
        this.weight = cfg.traffic.canaryWeight;
        this.atWeight = this.weight;
    }

    line(msg: string): void {
        this.opts.log(`${this.clock.now().toISOString()} ${this.opts.stack} ${msg}`);
    }

    async notify(n: Notice): Promise<void> {
        if (!this.opts.notify) return;
        const base = { stack: this.opts.stack, stable: this.stable, canary: this.canary };
        try {
            await this.opts.notify({ ...base, time: this.clock.now().toISOString(), ...n });
        } catch (e) {
            this.line(
                `warning: the notification webhook failed (${(e as Error).message}); continuing`,
            );
        }
    }

    /** The exit code when there is nothing to release or the stack cannot be analysed. */
    refusal(): number | undefined {
        if (!deployedColors(this.cfg.colors).some((d) => d.color === this.canary)) {
            this.line(`nothing to release: release:colors.${this.canary}.version is not set`);
            return RELEASE_EXIT.usage;
        }
        if (this.cfg.data.writes === "stopped") {
            this.line(
                "refused to start: release:data.writes is stopped (a restore is under way), so every colour runs 0 pods and no step could be analysed; resume writes first (docs/data-and-recovery.md)",
            );
            return RELEASE_EXIT.usage;
        }
        return undefined;
    }

    announce(): void {
        const plan = this.steps.map((s) => `${s.weight} % for ${s.pause}`).join(" → ");
        this.line(
            `release of ${this.canary} (stable ${this.stable}) at weight ${this.weight} via ${this.opts.executor.description}: ${plan}, then promote`,
        );
    }

    dryRun(next: number, current: number | undefined): number {
        const { steps, weight } = this;
        if (current !== undefined) {
            this.line(
                `dry run: would re-analyse step ${current + 1} (${weight} %) for ${steps[current].pause}`,
            );
        }
        for (let i = next; i < steps.length; i++) {
            this.line(
                `dry run: would set traffic.canaryWeight ${i === next ? weight : steps[i - 1].weight} → ${steps[i].weight}, up, and analyse for ${steps[i].pause}`,
            );
        }
        this.line(
            `dry run: would promote ${this.canary} (traffic.stable ${this.stable} → ${this.canary}, canaryWeight → 0) and up`,
        );
        this.line("dry run: nothing changed");
        return RELEASE_EXIT.promoted;
    }

    /** Whether the change window allows `what` now; refusals are logged and notified. */
    async windowOpen(what: string): Promise<boolean> {
        const w = this.cfg.traffic.changeWindow;
        if (!w || insideWindow(w, this.clock.now())) return true;
        const opens = nextWindowOpening(w, this.clock.now()).toISOString();
        const message = `refused to ${what}: outside the change window (${describeWindow(w)}); the next window opens ${opens}. Traffic stays at ${this.atWeight} %; a rollback is always allowed (npm run shift -- ${this.opts.stack} rollback).`;
        this.line(message);
        await this.notify({ event: "refused", message, weight: this.atWeight });
        return false;
    }

    async rollback(a: Analysis, at: number): Promise<number> {
        const failed = failedChecks(a);
        this.line(
            `UNHEALTHY at ${at} %: ${failed.map((f) => f.check).join(", ")}; rolling back to 0`,
        );
        this.opts.log(formatTable(a.results, a.checks));
        await this.opts.executor.apply("rollback");
        this.atWeight = 0;
        const message = `rolled back: ${this.canary} at 0 %, ${this.stable} serves everything`;
        this.line(message);
        await this.notify({ event: "rollback", message, weight: 0, failed });
        return RELEASE_EXIT.rolledBack;
    }

    /** Analyses through the pause; returns an exit code to stop with, or undefined to go on. */
    async watch(step: TrafficStep, setup: AnalysisSetup): Promise<number | undefined> {
        const pause = durationSeconds(step.pause) * 1000;
        let waited = 0;
        for (;;) {
            const wait = Math.min(setup.intervalMs, pause - waited);
            if (wait > 0) await this.clock.sleep(wait);
            waited += Math.max(wait, 0);
            const a = await analyze(setup.prometheus, setup.input, this.clock.now());
            const summary = a.results
                .filter((r) => r.verdict !== "skipped")
                .map((r) => `${r.name} ${r.verdict}`)
                .join(", ");
            this.line(
                `analysis at ${step.weight} % (${waited / 1000}s of ${step.pause}): ${a.outcome} — ${summary}`,
            );
            if (a.outcome === "unhealthy") return this.rollback(a, step.weight);
            if (waited < pause) continue;
            if (a.outcome === "inconclusive") return this.hold(a, step);
            return undefined;
        }
    }

    private async hold(a: Analysis, step: TrafficStep): Promise<number> {
        const message = `holding at ${step.weight} %: the analysis is still inconclusive after ${step.pause} (too little traffic or no data); nothing changed. Rerun to continue, or roll back.`;
        this.line(message);
        this.opts.log(formatTable(a.results, a.checks));
        await this.notify({ event: "hold", message, weight: step.weight });
        return RELEASE_EXIT.inconclusive;
    }

    /** Before the first step: the change window and the capacity preflight; an exit code to stop. */
    async startChecks(): Promise<number | undefined> {
        if (!(await this.windowOpen("start the release"))) return RELEASE_EXIT.outsideWindow;
        if (!this.opts.preflight) return undefined;
        const report = await this.opts.preflight(this.cfg, this.clock.now());
        for (const l of report.lines) this.line(`preflight: ${l}`);
        if (report.outcome === "pass") return undefined;
        const message = `refused to start: the capacity preflight ${report.outcome === "fail" ? "failed" : "has no data"}: ${report.failed.join("; ")}`;
        this.line(message);
        await this.notify({ event: "refused", message, weight: this.weight });
        return RELEASE_EXIT.preflight;
    }

    /** Re-analyses the step the stack is at, then walks the rest and promotes. */
    async walk(next: number, current: number | undefined, setup: AnalysisSetup): Promise<number> {
        const { steps, weight } = this;
        if (current === undefined && weight === 0) {
            const stop = await this.startChecks();
            if (stop !== undefined) return stop;
        }
        if (current !== undefined) {
            this.line(
                `resuming at step ${current + 1}/${steps.length} (${weight} %): up, then analyse for ${steps[current].pause}`,
            );
            await this.opts.executor.apply({ weight });
            const stop = await this.watch(steps[current], setup);
            if (stop !== undefined) return stop;
        }
        let from = weight;
        for (let i = next; i < steps.length; i++) {
            const step = steps[i];
            if (!(await this.windowOpen(`advance to ${step.weight} %`)))
                return RELEASE_EXIT.outsideWindow;
            const message = `step ${i + 1}/${steps.length}: traffic.canaryWeight ${from} → ${step.weight}`;
            this.line(message);
            await this.opts.executor.apply({ weight: step.weight });
            this.atWeight = step.weight;
            await this.notify({ event: "step", message, weight: step.weight });
            from = step.weight;
            const stop = await this.watch(step, setup);
            if (stop !== undefined) return stop;
        }
        return this.promote();
    }

    private async promote(): Promise<number> {
        if (!(await this.windowOpen("promote"))) return RELEASE_EXIT.outsideWindow;
        await this.opts.executor.apply("promote");
        const message = `promoted: ${this.canary} is stable and serves 100 %; ${this.stable} stays warm for rollback`;
        this.line(message);
        await this.notify({ event: "promotion", message, weight: 0 });
        return RELEASE_EXIT.promoted;
    }

    /** Prometheus failed mid-run: no verdict, so report where the stack is and change nothing. */
    async prometheusFailure(e: PrometheusError): Promise<number> {
        const now = await this.opts.executor.readConfig();
        const message = `error: ${e.message}. No verdict, so nothing was changed: traffic stays at ${now.traffic.canaryWeight} %. Fix Prometheus and rerun, or roll back (npm run shift -- ${this.opts.stack} rollback).`;
        this.line(message);
        await this.notify({ event: "error", message, weight: now.traffic.canaryWeight });
        return RELEASE_EXIT.prometheus;
    }
}

/** Runs the release; returns the exit code (RELEASE_EXIT). */
export async function runRelease(opts: ReleaseOptions): Promise<number> {
    const cfg = await opts.executor.readConfig();
    const run = new ReleaseRun(opts, cfg);
    const refused = run.refusal();
    if (refused !== undefined) return refused;
    const { next, current } = resumePoint(run.steps, run.weight);
    run.announce();
    if (opts.dryRun) return run.dryRun(next, current);
    const prometheus = opts.prometheus;
    if (!prometheus) throw new Error("runRelease: a Prometheus client is required unless dryRun");
    const setup: AnalysisSetup = {
        prometheus,
        input: analysisInputFor(cfg, opts.window),
        intervalMs: (opts.intervalSeconds ?? 60) * 1000,
    };
    try {
        return await run.walk(next, current, setup);
    } catch (e) {
        if (!(e instanceof PrometheusError)) throw e;
        return run.prometheusFailure(e);
    }
}
