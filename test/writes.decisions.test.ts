// "Writes stopped", as pure decisions: every colour of every workload at zero pods with no HPA,
// before routing changes, and CronJobs only on the stable colour while writes run. No plan.
import * as assert from "assert";
import type { ReleaseOrder, UnitStep } from "../decisions/ordering";
import { STOPPED_STEP, WRITES_ANNOTATION, cronRuns, stopWrites } from "../decisions/writes";
import { WRITES_ANNOTATION as POLICY_WRITES_ANNOTATION } from "../policies/util";

type Unit = "web-blue" | "web-green" | "worker-blue" | "worker-green";
const grow: UnitStep = {
    change: "grow",
    phase: "before",
    replicas: 6,
    hpa: { minReplicas: 6, maxReplicas: 12 },
};
const shrink: UnitStep = {
    change: "shrink",
    phase: "after",
    replicas: 2,
    hpa: { minReplicas: 2, maxReplicas: 4 },
};
const order: ReleaseOrder<Unit> = {
    steps: { "web-blue": shrink, "web-green": grow, "worker-blue": shrink, "worker-green": grow },
    before: ["web-green", "worker-green"],
    after: ["web-blue", "worker-blue"],
};

describe("writes stopped: the release order", () => {
    it("scales every colour of every workload to zero pods, with no HPA to scale it back", () => {
        const stopped = stopWrites(order);
        assert.deepStrictEqual(Object.keys(stopped.steps).sort(), Object.keys(order.steps).sort());
        for (const [unit, step] of Object.entries(stopped.steps) as [Unit, UnitStep][]) {
            assert.strictEqual(step.replicas, 0, unit);
            assert.strictEqual(step.hpa, undefined, unit);
            assert.strictEqual(step.change, "shrink", unit);
            assert.strictEqual(step.phase, "before", unit);
        }
        assert.strictEqual(STOPPED_STEP.replicas, 0);
        assert.strictEqual("hpa" in STOPPED_STEP, false);
    });

    it("makes routing (and so the restore) wait for every unit, and no unit wait for routing", () => {
        const stopped = stopWrites(order);
        assert.deepStrictEqual(stopped.before, [
            "web-blue",
            "web-green",
            "worker-blue",
            "worker-green",
        ]);
        assert.deepStrictEqual(stopped.after, []);
        // The order it was given is left as it was.
        assert.deepStrictEqual(order.after, ["web-blue", "worker-blue"]);
        assert.strictEqual(order.steps["web-green"], grow);
    });

    it("stops nothing when the release has no units", () => {
        assert.deepStrictEqual(stopWrites({ steps: {}, before: [], after: [] }), {
            steps: {},
            before: [],
            after: [],
        });
    });

    it("marks stopped Deployments with the annotation the policy pack reads", () => {
        assert.strictEqual(WRITES_ANNOTATION, POLICY_WRITES_ANNOTATION);
        assert.match(WRITES_ANNOTATION, /^[a-z0-9.-]+\/[a-z0-9-]+$/);
    });
});

describe("writes stopped: CronJobs", () => {
    for (const [color, stable, stopped, runs] of [
        ["blue", "blue", false, true],
        ["green", "green", false, true],
        ["green", "blue", false, false],
        ["blue", "green", false, false],
        ["blue", "blue", true, false],
        ["green", "blue", true, false],
    ] as const) {
        it(`${runs ? "runs" : "does not run"} the ${color} CronJob when ${stable} is stable and writes ${stopped ? "are stopped" : "run"}`, () => {
            assert.strictEqual(cronRuns(color, stable, stopped), runs);
        });
    }
});
