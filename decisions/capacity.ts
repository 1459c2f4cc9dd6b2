// Pure traffic and capacity decisions. No Pulumi here: tests call these directly.

// The split is defined with the schema that checks it; the program reads it from here.
import type { Color } from "../config/app";
import type { TrafficSplit } from "../config/traffic";
export { otherColor, trafficSplit, type TrafficSplit } from "../config/traffic";

/** Replicas needed to serve `weight` percent when `baseline` replicas serve 100 %. */
export function replicasForShare(baseline: number, weight: number): number {
    // Integer ceiling: baseline * weight / 100 in floating point can land a hair above an integer.
    return Math.floor((baseline * weight + 99) / 100);
}

export interface CapacityInputs {
    /** Percent of traffic this colour receives. */
    readonly weight: number;
    /** Replicas needed at 100 % of traffic. */
    readonly baselineReplicas: number;
    /** Floor for any colour receiving traffic (HPA min). */
    readonly minReplicas: number;
    readonly maxReplicas: number;
    /** Replicas for a colour at weight 0; 0 scales it down with no HPA. */
    readonly idleReplicas: number;
}

export interface ColorCapacity {
    /** Deployment spec.replicas: the count Pulumi waits for before traffic moves. */
    readonly replicas: number;
    /** HPA bounds, or undefined when the colour is scaled to zero. */
    readonly hpa?: { readonly minReplicas: number; readonly maxReplicas: number };
}

/**
 * The colour receiving w % gets an HPA minimum of at least ceil(baseline × w / 100), never below the
 * configured floor, so moving weight never leaves it short while its HPA catches up.
 */
export function colorCapacity(c: CapacityInputs): ColorCapacity {
    if (c.weight === 0) {
        if (c.idleReplicas === 0) return { replicas: 0 };
        return {
            replicas: c.idleReplicas,
            hpa: {
                minReplicas: c.idleReplicas,
                maxReplicas: Math.max(c.idleReplicas, c.maxReplicas),
            },
        };
    }
    const needed = replicasForShare(c.baselineReplicas, c.weight);
    const min = Math.min(Math.max(c.minReplicas, needed, 1), c.maxReplicas);
    return { replicas: min, hpa: { minReplicas: min, maxReplicas: c.maxReplicas } };
}

/**
 * The share of a workload's load a colour carries. Web and worker workloads follow the traffic
 * weights; a tcp workload cannot be weighted (L4), so the stable colour carries all of it.
 */
export function workloadWeight(kind: string, split: TrafficSplit, color: Color): number {
    if (kind === "tcp") return color === split.stable ? 100 : 0;
    return split.weights[color];
}
