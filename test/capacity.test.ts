import * as assert from "assert";
import { imagePinProblem, imageVersion } from "../config/rules";
import {
    colorCapacity,
    replicasForShare,
    trafficSplit,
    workloadWeight,
} from "../decisions/capacity";

describe("capacity maths", () => {
    describe("trafficSplit", () => {
        it("gives the canary its weight and the stable colour the rest", () => {
            for (const w of [0, 5, 25, 50, 100]) {
                const s = trafficSplit("blue", w);
                assert.strictEqual(s.canary, "green");
                assert.strictEqual(s.weights.green, w);
                assert.strictEqual(s.weights.blue, 100 - w);
            }
            const flipped = trafficSplit("green", 5);
            assert.deepStrictEqual(flipped.weights, { green: 95, blue: 5 });
        });

        it("rejects weights outside 0–100 or fractional", () => {
            for (const w of [-1, 101, 12.5, NaN]) {
                assert.throws(
                    () => trafficSplit("blue", w),
                    /canaryWeight must be an integer 0–100/,
                );
            }
        });
    });

    describe("replicasForShare", () => {
        it("is the smallest replica count covering baseline × weight / 100 (integer oracle)", () => {
            for (let baseline = 1; baseline <= 40; baseline++) {
                for (let w = 0; w <= 100; w++) {
                    const r = replicasForShare(baseline, w);
                    // r pods cover the share, r - 1 pods do not.
                    assert.ok(r * 100 >= baseline * w, `baseline ${baseline} w ${w}: ${r} too few`);
                    assert.ok(
                        (r - 1) * 100 < baseline * w || r === 0,
                        `baseline ${baseline} w ${w}: ${r} too many`,
                    );
                }
            }
        });
    });

    describe("colorCapacity", () => {
        const base = { baselineReplicas: 6, minReplicas: 3, maxReplicas: 10, idleReplicas: 2 };

        it("scales a colour to zero with no HPA when idle replicas are 0", () => {
            assert.deepStrictEqual(colorCapacity({ ...base, weight: 0, idleReplicas: 0 }), {
                replicas: 0,
            });
        });

        it("keeps an idle colour at the idle count, with an HPA floor at that count", () => {
            const c = colorCapacity({ ...base, weight: 0 });
            assert.strictEqual(c.replicas, 2);
            assert.deepStrictEqual(c.hpa, { minReplicas: 2, maxReplicas: 10 });
        });

        it("never lets the configured floor drop for a colour with traffic", () => {
            // 5 % of 6 is 0.3 pods, but prod's floor is 3.
            assert.strictEqual(colorCapacity({ ...base, weight: 5 }).hpa?.minReplicas, 3);
        });

        it("raises the HPA minimum to the colour's share of the baseline", () => {
            assert.strictEqual(colorCapacity({ ...base, weight: 75 }).hpa?.minReplicas, 5);
            assert.strictEqual(colorCapacity({ ...base, weight: 100 }).hpa?.minReplicas, 6);
            const big = { ...base, baselineReplicas: 20, maxReplicas: 30 };
            assert.strictEqual(colorCapacity({ ...big, weight: 25 }).hpa?.minReplicas, 5);
            assert.strictEqual(colorCapacity({ ...big, weight: 50 }).replicas, 10);
        });

        it("never puts the HPA minimum above its maximum", () => {
            const c = colorCapacity({ ...base, minReplicas: 12, weight: 50 });
            assert.deepStrictEqual(c.hpa, { minReplicas: 10, maxReplicas: 10 });
        });

        it("gives both colours together at least the baseline at every weight", () => {
            for (let w = 0; w <= 100; w++) {
                const canary = colorCapacity({ ...base, weight: w }).replicas;
                const stable = colorCapacity({ ...base, weight: 100 - w }).replicas;
                assert.ok(canary + stable >= base.baselineReplicas, `weight ${w}`);
            }
        });
    });

    describe("workloadWeight", () => {
        it("sizes tcp colours by stability, web and worker colours by weight", () => {
            const split = trafficSplit("blue", 20);
            assert.strictEqual(workloadWeight("tcp", split, "blue"), 100);
            assert.strictEqual(workloadWeight("tcp", split, "green"), 0);
            assert.strictEqual(workloadWeight("worker", split, "green"), 20);
            assert.strictEqual(workloadWeight("web", split, "blue"), 80);
        });

        it("gives a tcp workload to whichever colour is stable, whatever the canary's weight", () => {
            const split = trafficSplit("green", 100);
            assert.strictEqual(workloadWeight("tcp", split, "green"), 100);
            assert.strictEqual(workloadWeight("tcp", split, "blue"), 0);
            assert.strictEqual(workloadWeight("web", split, "blue"), 100);
        });
    });

    describe("image versions and pinning", () => {
        it("takes the version label from the tag or the digest", () => {
            assert.strictEqual(imageVersion("registry.example.com/nova/api:v1.2.4"), "v1.2.4");
            assert.strictEqual(imageVersion("registry:5000/api:2024.11"), "2024.11");
            assert.strictEqual(
                imageVersion(`api@sha256:${"ab".repeat(32)}`),
                "sha256-abababababab",
            );
        });

        it("accepts tags and digests, rejects latest, untagged and malformed digests", () => {
            assert.strictEqual(imagePinProblem("registry.example.com/nova/api:v1.2.4"), undefined);
            assert.strictEqual(imagePinProblem(`api@sha256:${"0f".repeat(32)}`), undefined);
            assert.match(imagePinProblem("api:latest") ?? "", /mutable/);
            assert.match(imagePinProblem("registry:5000/api") ?? "", /must be pinned/);
            assert.match(imagePinProblem("api@sha256:abc") ?? "", /digest/);
        });
    });
});
