// Pure ordering decisions for one `pulumi up`: which workload colours scale before the routing
// objects move traffic, which scale after, and to how many replicas. No Pulumi here.
//
// A colour gaining traffic must have the capacity before the route sends it; a colour losing
// traffic must keep it until the route has moved away (Argo Rollouts' dynamicStableScale).
import type { Color } from "../config";
import {
    colorCapacity,
    type CapacityInputs,
    type ColorCapacity,
    type TrafficSplit,
} from "./capacity";

export type Hpa = NonNullable<ColorCapacity["hpa"]>;

/** What the last update applied to one workload colour, read back from the stack's outputs. */
export interface AppliedCapacity {
    /** Deployment spec.replicas as last set. */
    readonly replicas: number;
    /** HPA bounds as last set; null when the colour had no HPA. */
    readonly hpa: Hpa | null;
}

/** The release as the stack's last update left it. */
export interface PreviousRelease {
    readonly stable: Color;
    /** Percent of requests per colour. */
    readonly weights: Readonly<Record<Color, number>>;
    /** Deployed colours; `workloads` is absent when the outputs predate per-workload capacity. */
    readonly colors: Readonly<
        Partial<Record<Color, { readonly workloads?: Readonly<Record<string, AppliedCapacity>> }>>
    >;
}

/** Where a workload colour's update goes relative to the routing objects. */
export type Phase = "before" | "after";
export type Change = "new" | "grow" | "shrink" | "same";

export interface UnitInputs {
    /** Share and applied capacity before this update; undefined when not deployed (first deploy). */
    readonly previous?: { readonly weight: number; readonly applied?: AppliedCapacity };
    /** Percent of traffic after this update. */
    readonly weight: number;
    /** Highest share the routing may give it while its objects update one by one; default weight. */
    readonly peakWeight?: number;
    /** Replicas running now, as the HPA set them; undefined when unknown. */
    readonly live?: number;
    /** Baseline, HPA floor and ceiling, idle replicas: everything colorCapacity needs but weight. */
    readonly sizing: Omit<CapacityInputs, "weight">;
}

export interface UnitStep {
    readonly change: Change;
    /** "before": routing dependsOn it. "after": it dependsOn routing. */
    readonly phase: Phase;
    /** Deployment spec.replicas to apply. */
    readonly replicas: number;
    /** HPA bounds to apply; undefined when the colour is scaled to zero. */
    readonly hpa?: Hpa;
}

const sameHpa = (a: Hpa | null | undefined, b: Hpa | undefined) =>
    (a ?? undefined) === b ||
    (!!a && !!b && a.minReplicas === b.minReplicas && a.maxReplicas === b.maxReplicas);

/** The replica floor a target promises: its HPA minimum, or its replicas without an HPA. */
const floorOf = (c: { replicas: number; hpa?: Hpa | null }) => c.hpa?.minReplicas ?? c.replicas;

/** Never below what runs now, never above what the HPA would allow. */
function keepRunning(target: ColorCapacity, running: number): number {
    if (!target.hpa) return target.replicas;
    return Math.min(
        Math.max(target.replicas, running),
        Math.max(target.hpa.maxReplicas, target.replicas),
    );
}

/**
 * One workload colour's step. Growing (or new) colours scale first to cover the highest share the
 * routing may give them, never below what runs now. Shrinking colours change only after routing:
 * while they keep any traffic they stay at what runs now and their HPA floor drops to the new
 * target, so the HPA scales them down as load leaves. An unchanged colour keeps exactly what the
 * last update applied, so Pulumi does not touch it.
 */
export function orderUnit(u: UnitInputs): UnitStep {
    const target = colorCapacity({ ...u.sizing, weight: u.weight });
    const peak = Math.max(u.weight, u.peakWeight ?? u.weight);
    const atPeak = colorCapacity({ ...u.sizing, weight: peak });
    const prev = u.previous;
    if (!prev)
        return {
            change: "new",
            phase: "before",
            replicas: atPeak.replicas,
            hpa: target.hpa && atPeak.hpa,
        };
    const applied = prev.applied;
    const running = u.live ?? applied?.replicas ?? 0;
    let change: Change;
    if (peak > prev.weight) change = "grow";
    else if (u.weight < prev.weight) change = "shrink";
    else if (!applied) change = "same";
    else if (floorOf(target) > floorOf(applied)) change = "grow";
    else if (floorOf(target) < floorOf(applied)) change = "shrink";
    else change = sameHpa(applied.hpa, target.hpa) ? "same" : "grow";

    if (change === "same") {
        if (applied)
            return {
                change,
                phase: "before",
                replicas: applied.replicas,
                hpa: applied.hpa ?? undefined,
            };
        return { change, phase: "before", replicas: keepRunning(target, running), hpa: target.hpa };
    }
    if (change === "grow") {
        // Whether there is an HPA follows the target alone, so a transient peak never creates one.
        const hpa = target.hpa && atPeak.hpa;
        return { change, phase: "before", replicas: keepRunning(atPeak, running), hpa };
    }
    // Traffic has left entirely: the idle size (or zero) is safe once routing has moved.
    const replicas = u.weight === 0 ? target.replicas : keepRunning(target, running);
    return { change, phase: "after", replicas, hpa: target.hpa };
}

export interface ReleaseOrder<K extends string> {
    readonly steps: Readonly<Record<K, UnitStep>>;
    /** Units routing waits for. */
    readonly before: K[];
    /** Units that wait for routing. Never overlaps `before`, so the graph has no cycle. */
    readonly after: K[];
}

/** Orders every workload colour of a release; keys are caller-chosen unit ids. */
export function orderRelease<K extends string>(
    units: Readonly<Record<K, UnitInputs>>,
): ReleaseOrder<K> {
    const steps = {} as Record<K, UnitStep>;
    const before: K[] = [];
    const after: K[] = [];
    for (const key of Object.keys(units) as K[]) {
        steps[key] = orderUnit(units[key]);
        (steps[key].phase === "before" ? before : after).push(key);
    }
    return { steps, before, after };
}

/**
 * The highest share each colour may get while routing objects update one at a time. Only
 * ingress-nginx splits one routing decision over two objects: when the stable colour changes, its
 * canary Ingress waits for the primary, so for a moment the new stable colour takes everything.
 */
export function transientPeaks(
    previous: PreviousRelease | undefined,
    next: TrafficSplit,
    routerKind: string,
): Partial<Record<Color, number>> {
    if (routerKind !== "nginx" || !previous || previous.stable === next.stable) return {};
    return { [next.stable]: 100 };
}

const COLOR_NAMES: readonly Color[] = ["blue", "green"];

const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

function readApplied(v: unknown): AppliedCapacity | undefined {
    if (!isObject(v) || !isCount(v.replicas)) return undefined;
    const h = v.hpa;
    if (h === null || h === undefined) return { replicas: v.replicas, hpa: null };
    if (!isObject(h) || !isCount(h.minReplicas) || !isCount(h.maxReplicas)) return undefined;
    return {
        replicas: v.replicas,
        hpa: { minReplicas: h.minReplicas, maxReplicas: h.maxReplicas },
    };
}

/**
 * The release the stack's last update left, from its outputs (`stableColor`, `trafficWeights`,
 * `colorsDeployed`). Undefined when there are none (the first deployment) or they are not
 * recognisable: the program then orders as on a first deployment.
 */
export function readPreviousRelease(outputs: unknown): PreviousRelease | undefined {
    if (!isObject(outputs)) return undefined;
    const { stableColor, trafficWeights, colorsDeployed } = outputs;
    if (!COLOR_NAMES.includes(stableColor as Color) || !isObject(trafficWeights)) return undefined;
    if (!isObject(colorsDeployed)) return undefined;
    const weights = {} as Record<Color, number>;
    const colors: Partial<Record<Color, { workloads?: Record<string, AppliedCapacity> }>> = {};
    for (const color of COLOR_NAMES) {
        const w = trafficWeights[color] ?? 0;
        if (!isCount(w) || w > 100) return undefined;
        weights[color] = w;
        const deployed = colorsDeployed[color];
        if (!isObject(deployed)) continue;
        if (!isObject(deployed.workloads)) {
            colors[color] = {}; // Outputs from before per-workload capacity: weights only.
            continue;
        }
        const workloads: Record<string, AppliedCapacity> = {};
        for (const [key, v] of Object.entries(deployed.workloads)) {
            const applied = readApplied(v);
            if (applied) workloads[key] = applied;
        }
        colors[color] = { workloads };
    }
    return { stable: stableColor as Color, weights, colors };
}

/** One workload colour's previous share and applied capacity; undefined if it was not deployed. */
export function previousUnit(
    previous: PreviousRelease | undefined,
    color: Color,
    workload: string,
): UnitInputs["previous"] {
    const deployed = previous?.colors[color];
    if (!previous || !deployed) return undefined;
    if (deployed.workloads && !(workload in deployed.workloads)) {
        // A workload new in this release, or one with no replicas to record (cron).
        return undefined;
    }
    return { weight: previous.weights[color], applied: deployed.workloads?.[workload] };
}
