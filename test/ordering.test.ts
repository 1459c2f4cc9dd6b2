// The ordering decisions, without mocks: which colour scales before routing, which after, and to
// how many replicas.
import * as assert from "assert";
import { replicasForShare, trafficSplit } from "../decisions/capacity";
import {
    orderRelease,
    orderUnit,
    previousUnit,
    readPreviousRelease,
    transientPeaks,
    type UnitInputs,
} from "../decisions/ordering";

/** The prod stack's sizing: baseline 6, HPA 3–10, idle colour kept at 3. */
const PROD = { baselineReplicas: 6, minReplicas: 3, maxReplicas: 10, idleReplicas: 3 };

function unit(from: number | undefined, to: number, extra: Partial<UnitInputs> = {}): UnitInputs {
    const applied =
        from === undefined
            ? undefined
            : {
                  replicas: Math.max(3, replicasForShare(6, from)),
                  hpa: { minReplicas: Math.max(3, replicasForShare(6, from)), maxReplicas: 10 },
              };
    return {
        previous: from === undefined ? undefined : { weight: from, applied },
        weight: to,
        sizing: PROD,
        ...extra,
    };
}

describe("ordering decisions", () => {
    it("orders a first deployment as before: every colour scales first, to its target", () => {
        const order = orderRelease({ blue: unit(undefined, 75), green: unit(undefined, 25) });
        assert.deepStrictEqual(order.before, ["blue", "green"]);
        assert.deepStrictEqual(order.after, []);
        assert.deepStrictEqual(order.steps.blue, {
            change: "new",
            phase: "before",
            replicas: 5,
            hpa: { minReplicas: 5, maxReplicas: 10 },
        });
        assert.strictEqual(order.steps.green.replicas, 3);
    });

    it("shift 25 → 50: green scales first, blue drops its HPA floor only after routing", () => {
        const order = orderRelease({ blue: unit(75, 50), green: unit(25, 50) });
        assert.deepStrictEqual(order.before, ["green"]);
        assert.deepStrictEqual(order.after, ["blue"]);
        // blue keeps the 5 pods it runs; its HPA may now take it down to 3 as load leaves.
        assert.deepStrictEqual(order.steps.blue, {
            change: "shrink",
            phase: "after",
            replicas: 5,
            hpa: { minReplicas: 3, maxReplicas: 10 },
        });
        assert.strictEqual(order.steps.green.change, "grow");
    });

    it("never sets a colour below what its HPA runs now while it keeps traffic", () => {
        const shrinking = orderUnit(unit(75, 50, { live: 8 }));
        assert.strictEqual(shrinking.replicas, 8);
        assert.strictEqual(shrinking.hpa?.minReplicas, 3);
        const growing = orderUnit(unit(25, 50, { live: 7 }));
        assert.strictEqual(growing.replicas, 7, "a peak's pods survive a shift up too");
        // But never above the HPA ceiling, which would only be scaled straight back.
        assert.strictEqual(orderUnit(unit(25, 50, { live: 14 })).replicas, 10);
    });

    it("without a live count, keeps what the last update applied", () => {
        const step = orderUnit({
            previous: {
                weight: 75,
                applied: { replicas: 9, hpa: { minReplicas: 5, maxReplicas: 10 } },
            },
            weight: 50,
            sizing: PROD,
        });
        assert.strictEqual(step.replicas, 9);
    });

    it("scales a colour that lost all traffic to the idle size (or zero) after routing", () => {
        assert.deepStrictEqual(orderUnit(unit(75, 0, { live: 8 })), {
            change: "shrink",
            phase: "after",
            replicas: 3,
            hpa: { minReplicas: 3, maxReplicas: 10 },
        });
        const toZero = orderUnit(unit(25, 0, { sizing: { ...PROD, idleReplicas: 0 } }));
        assert.deepStrictEqual(toZero, {
            change: "shrink",
            phase: "after",
            replicas: 0,
            hpa: undefined,
        });
    });

    it("leaves a colour whose share stays the same exactly as the last update applied it", () => {
        const applied = { replicas: 7, hpa: { minReplicas: 5, maxReplicas: 10 } };
        const step = orderUnit({
            previous: { weight: 75, applied },
            weight: 75,
            live: 9,
            sizing: PROD,
        });
        assert.deepStrictEqual(step, { change: "same", phase: "before", ...applied });
        const idle = orderUnit({
            previous: { weight: 0, applied: { replicas: 0, hpa: null } },
            weight: 0,
            sizing: { ...PROD, idleReplicas: 0 },
        });
        assert.deepStrictEqual(idle, {
            change: "same",
            phase: "before",
            replicas: 0,
            hpa: undefined,
        });
    });

    it("orders a capacity change at an unchanged share by its direction", () => {
        const bigger = orderUnit({ ...unit(50, 50), sizing: { ...PROD, baselineReplicas: 10 } });
        assert.deepStrictEqual(
            [bigger.change, bigger.phase, bigger.replicas],
            ["grow", "before", 5],
        );
        const smaller = orderUnit({ ...unit(75, 75), sizing: { ...PROD, baselineReplicas: 4 } });
        assert.deepStrictEqual([smaller.change, smaller.phase], ["shrink", "after"]);
        assert.strictEqual(smaller.replicas, 5, "still keeps what runs");
        const ceiling = orderUnit({ ...unit(50, 50), sizing: { ...PROD, maxReplicas: 12 } });
        assert.deepStrictEqual([ceiling.change, ceiling.hpa?.maxReplicas], ["grow", 12]);
    });

    it("promotion and rollback reverse both colours at once without overlap", () => {
        // green at 100 → promoted (green stable, weight 0 to blue); then rolled back to blue.
        const promote = orderRelease({ blue: unit(0, 0), green: unit(100, 100) });
        assert.deepStrictEqual(promote.after, []);
        const rollback = orderRelease({ blue: unit(0, 100), green: unit(100, 0) });
        assert.deepStrictEqual(rollback.before, ["blue"]);
        assert.deepStrictEqual(rollback.after, ["green"]);
        const midRollback = orderRelease({ blue: unit(50, 100), green: unit(50, 0) });
        assert.deepStrictEqual([midRollback.before, midRollback.after], [["blue"], ["green"]]);
    });

    it("covers every share it may serve, at every point, for every pair of weights", () => {
        for (let from = 0; from <= 100; from += 5) {
            for (let to = 0; to <= 100; to += 5) {
                for (const live of [undefined, 3, 6, 10]) {
                    const u = unit(from, to, { live });
                    const s = orderUnit(u);
                    const at = `${from} → ${to} (live ${live})`;
                    const floor = s.hpa?.minReplicas ?? s.replicas;
                    // After the update the colour covers its new share from its HPA floor.
                    assert.ok(floor >= replicasForShare(6, to), `${at}: floor ${floor}`);
                    assert.ok(s.replicas >= floor, `${at}: replicas below the HPA floor`);
                    // Before routing moves: a colour scaled first covers where it is going.
                    if (s.phase === "before")
                        assert.ok(to >= from, `${at}: shrinks before routing`);
                    // A colour changed after routing is one that lost traffic.
                    else assert.ok(to < from, `${at}: grows after routing`);
                    // Never below what runs while any traffic remains.
                    const running = live ?? u.previous!.applied!.replicas;
                    if (to > 0 && s.change !== "same") {
                        assert.ok(s.replicas >= Math.min(running, 10), `${at}: dropped pods`);
                    }
                }
            }
        }
    });

    it("scales the new stable colour for all traffic when nginx swaps its Ingresses", () => {
        const prev = readPreviousRelease({
            stableColor: "blue",
            trafficWeights: { blue: 75, green: 25 },
            colorsDeployed: { blue: {}, green: {} },
        });
        assert.deepStrictEqual(transientPeaks(prev, trafficSplit("green", 75), "nginx"), {
            green: 100,
        });
        assert.deepStrictEqual(transientPeaks(prev, trafficSplit("green", 75), "alb"), {});
        assert.deepStrictEqual(transientPeaks(prev, trafficSplit("blue", 50), "nginx"), {});
        assert.deepStrictEqual(transientPeaks(undefined, trafficSplit("green", 0), "nginx"), {});
        const swap = orderUnit(unit(25, 25, { peakWeight: 100 }));
        assert.deepStrictEqual(
            [swap.phase, swap.replicas, swap.hpa?.minReplicas],
            ["before", 6, 6],
        );
    });

    describe("readPreviousRelease", () => {
        const outputs = {
            stableColor: "blue",
            trafficWeights: { blue: 75, green: 25 },
            colorsDeployed: {
                blue: {
                    version: "v1",
                    workloads: {
                        api: { kind: "web", replicas: 5, hpa: { minReplicas: 5, maxReplicas: 10 } },
                        cron: { kind: "cron" },
                    },
                },
                green: {
                    version: "v2",
                    workloads: { api: { kind: "web", replicas: 0, hpa: null } },
                },
            },
        };

        it("reads each colour's weight and each workload's applied capacity", () => {
            const prev = readPreviousRelease(outputs)!;
            assert.deepStrictEqual(previousUnit(prev, "blue", "api"), {
                weight: 75,
                applied: { replicas: 5, hpa: { minReplicas: 5, maxReplicas: 10 } },
            });
            assert.deepStrictEqual(previousUnit(prev, "green", "api"), {
                weight: 25,
                applied: { replicas: 0, hpa: null },
            });
            assert.strictEqual(previousUnit(prev, "blue", "cron"), undefined, "nothing to scale");
            assert.strictEqual(previousUnit(prev, "blue", "worker"), undefined, "a new workload");
        });

        it("treats a colour that was not deployed as new", () => {
            const prev = readPreviousRelease({
                ...outputs,
                colorsDeployed: { blue: outputs.colorsDeployed.blue },
            });
            assert.strictEqual(previousUnit(prev, "green", "api"), undefined);
        });

        it("reads weights alone from outputs written before per-workload capacity", () => {
            const legacy = readPreviousRelease({
                ...outputs,
                colorsDeployed: { blue: { version: "v1", replicas: 5, hpa: null }, green: {} },
            });
            assert.deepStrictEqual(previousUnit(legacy, "blue", "api"), {
                weight: 75,
                applied: undefined,
            });
        });

        it("is undefined on a first deployment or outputs it cannot trust", () => {
            for (const bad of [
                undefined,
                {},
                { ...outputs, stableColor: "red" },
                { ...outputs, trafficWeights: { blue: 175, green: 25 } },
                { ...outputs, trafficWeights: "75/25" },
                { ...outputs, colorsDeployed: null },
            ]) {
                assert.strictEqual(readPreviousRelease(bad), undefined, JSON.stringify(bad));
            }
        });
    });
});
