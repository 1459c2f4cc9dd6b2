// Ordering decisions at their edges: outputs written before per-workload capacity (no applied
// capacity), an HPA added or removed at an unchanged floor, transient peaks on a colour without an
// HPA, and stack outputs that are almost right.
import * as assert from "assert";
import { orderUnit, previousUnit, readPreviousRelease } from "../decisions/ordering";

/** The prod stack's sizing: baseline 6, HPA 3–10, idle colour kept at 3. */
const PROD = { baselineReplicas: 6, minReplicas: 3, maxReplicas: 10, idleReplicas: 3 };
const NO_IDLE = { ...PROD, idleReplicas: 0 };

describe("ordering without applied capacity (outputs from before per-workload capacity)", () => {
    it("an idle colour at the same share keeps the idle size, or what runs now", () => {
        assert.deepStrictEqual(orderUnit({ previous: { weight: 0 }, weight: 0, sizing: NO_IDLE }), {
            change: "same",
            phase: "before",
            replicas: 0,
            hpa: undefined,
        });
        assert.deepStrictEqual(
            orderUnit({ previous: { weight: 0 }, weight: 0, live: 5, sizing: PROD }),
            {
                change: "same",
                phase: "before",
                replicas: 5,
                hpa: { minReplicas: 3, maxReplicas: 10 },
            },
        );
    });

    it("a growing colour with no live count starts from its target", () => {
        assert.deepStrictEqual(orderUnit({ previous: { weight: 25 }, weight: 50, sizing: PROD }), {
            change: "grow",
            phase: "before",
            replicas: 3,
            hpa: { minReplicas: 3, maxReplicas: 10 },
        });
    });
});

describe("ordering when only the HPA changes", () => {
    it("adding an HPA at the same floor is a grow, applied before routing", () => {
        const step = orderUnit({
            previous: { weight: 50, applied: { replicas: 3, hpa: null } },
            weight: 50,
            sizing: PROD,
        });
        assert.deepStrictEqual(step, {
            change: "grow",
            phase: "before",
            replicas: 3,
            hpa: { minReplicas: 3, maxReplicas: 10 },
        });
    });

    it("a lower HPA ceiling at the same floor is a change, not left as applied", () => {
        const step = orderUnit({
            previous: {
                weight: 50,
                applied: { replicas: 3, hpa: { minReplicas: 3, maxReplicas: 12 } },
            },
            weight: 50,
            sizing: PROD,
        });
        assert.deepStrictEqual(
            [step.change, step.hpa],
            ["grow", { minReplicas: 3, maxReplicas: 10 }],
        );
    });
});

describe("ordering a new colour with a transient peak", () => {
    it("a colour with no traffic and no idle size gets no HPA from a peak it only passes through", () => {
        assert.deepStrictEqual(orderUnit({ weight: 0, peakWeight: 100, sizing: NO_IDLE }), {
            change: "new",
            phase: "before",
            replicas: 6,
            hpa: undefined,
        });
    });

    it("a new colour's HPA floor covers its peak", () => {
        assert.deepStrictEqual(orderUnit({ weight: 25, peakWeight: 100, sizing: PROD }), {
            change: "new",
            phase: "before",
            replicas: 6,
            hpa: { minReplicas: 6, maxReplicas: 10 },
        });
    });
});

describe("readPreviousRelease on outputs that are almost right", () => {
    const outputs = (workloads: Record<string, unknown>, weights = { blue: 100, green: 0 }) => ({
        stableColor: "blue",
        trafficWeights: weights,
        colorsDeployed: { blue: { workloads }, green: { workloads: {} } },
    });
    const applied = (workloads: Record<string, unknown>) =>
        previousUnit(readPreviousRelease(outputs(workloads)), "blue", "api")?.applied;

    it("reads a weight of exactly 100", () => {
        const prev = readPreviousRelease(outputs({}));
        assert.deepStrictEqual(prev?.weights, { blue: 100, green: 0 });
    });

    it("refuses a negative or fractional weight", () => {
        for (const weights of [
            { blue: 101, green: 0 },
            { blue: -1, green: 0 },
            { blue: 50.5, green: 49.5 },
        ]) {
            assert.strictEqual(
                readPreviousRelease(outputs({}, weights)),
                undefined,
                JSON.stringify(weights),
            );
        }
    });

    it("a workload without an hpa field had none", () => {
        assert.deepStrictEqual(applied({ api: { replicas: 4 } }), { replicas: 4, hpa: null });
    });

    it("drops a workload whose replicas or HPA bounds are not counts", () => {
        for (const api of [
            { replicas: -1, hpa: null },
            { replicas: 2.5, hpa: null },
            { replicas: "3", hpa: null },
            { replicas: 3, hpa: "3-10" },
            { replicas: 3, hpa: { minReplicas: -1, maxReplicas: 10 } },
            { replicas: 3, hpa: { minReplicas: 3, maxReplicas: 10.5 } },
            { replicas: 3, hpa: { minReplicas: 3 } },
        ]) {
            assert.strictEqual(applied({ api }), undefined, JSON.stringify(api));
        }
        assert.deepStrictEqual(
            applied({ api: { replicas: 0, hpa: { minReplicas: 0, maxReplicas: 0 } } }),
            {
                replicas: 0,
                hpa: { minReplicas: 0, maxReplicas: 0 },
            },
        );
    });

    it("previousUnit on a first deployment is undefined", () => {
        assert.strictEqual(previousUnit(undefined, "blue", "api"), undefined);
    });
});
