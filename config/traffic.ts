// The traffic split: which colour is stable, which is the canary, and the percent each receives.
// One definition for the schema's rules and for the program (decisions/capacity re-exports it).
import type { Color } from "./app";
import { int } from "./rules";

/** The canary weight rule, shared by the schema and `trafficSplit`: an integer percent. */
export const canaryWeight = () => int(0, 100);
const canaryWeightRule = canaryWeight();

export interface TrafficSplit {
    /** The colour serving production. */
    readonly stable: Color;
    /** The other colour: it receives canaryWeight percent. */
    readonly canary: Color;
    readonly canaryWeight: number;
    /** Percent of requests per colour; always sums to 100. */
    readonly weights: Readonly<Record<Color, number>>;
}

export function otherColor(color: Color): Color {
    return color === "blue" ? "green" : "blue";
}

/** The split, or the rule the weight breaks (the schema reports that on the key itself). */
export function checkedSplit(stable: Color, weight: unknown): TrafficSplit | { problem: string } {
    const checked = canaryWeightRule.safeParse(weight);
    if (!checked.success || typeof weight !== "number") {
        return { problem: checked.error?.issues[0]?.message ?? "must be a number" };
    }
    const canary = otherColor(stable);
    const weights = { [stable]: 100 - weight, [canary]: weight } as Record<Color, number>;
    return { stable, canary, canaryWeight: weight, weights };
}

export function trafficSplit(stable: Color, weight: number): TrafficSplit {
    const split = checkedSplit(stable, weight);
    if ("problem" in split) throw new RangeError(`canaryWeight ${split.problem} (got ${weight})`);
    return split;
}
