// Pure: what "writes stopped" does to a release. Every colour of every workload goes to zero pods
// with no HPA, before anything else in the update, so a restore that waits for them starts only
// once no pod can write to the instance it replaces.
import type { ReleaseOrder, UnitStep } from "./ordering";

/**
 * Marks a Deployment scaled to zero because writes are stopped, so the policy pack accepts a routed
 * colour without pods or HPA (policies/util.ts reads the same annotation).
 */
export const WRITES_ANNOTATION = "release/writes";

/** A workload colour with writes stopped: no pods, no HPA, and nothing it waits for. */
export const STOPPED_STEP: UnitStep = { change: "shrink", phase: "before", replicas: 0 };

/** The release order with writes stopped: every unit at STOPPED_STEP, none waiting for routing. */
export function stopWrites<K extends string>(order: ReleaseOrder<K>): ReleaseOrder<K> {
    const keys = Object.keys(order.steps) as K[];
    const steps = Object.fromEntries(keys.map((k) => [k, STOPPED_STEP])) as Record<K, UnitStep>;
    return { steps, before: keys, after: [] };
}

/** Whether a cron colour runs: only the stable colour, and never while writes are stopped. */
export function cronRuns(color: string, stable: string, writesStopped: boolean): boolean {
    return color === stable && !writesStopped;
}
