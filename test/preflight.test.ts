// The capacity preflight counts every scalable workload the release grows, each with its own
// requests and autoscaling, not only the app-level defaults.
import * as assert from "assert";
import { addedPods, judgePreflight, preflightChecks } from "../decisions/preflight";
import { parsedConfig } from "../scripts/lib/analysis";
import { loadStackInput } from "../scripts/lib/stackFile";

const GiB = 1024 ** 3;
const configOf = (file: string, edit: (c: Record<string, any>) => void = () => undefined) => {
    const input = structuredClone(loadStackInput(file));
    const raw = Object.fromEntries(
        Object.entries(input.config)
            .filter(([k]) => k.startsWith("release:"))
            .map(([k, v]) => [k.slice("release:".length), v]),
    );
    edit(raw);
    input.config = Object.fromEntries(Object.entries(raw).map(([k, v]) => [`release:${k}`, v]));
    return parsedConfig(input);
};

describe("capacity preflight: every workload", () => {
    // Ordo-Todo: a web frontend and an API, each with its own requests.
    const ordo = "examples/ordo-todo/Pulumi.prod.yaml";

    it("adds each web workload's pods with its own requests", () => {
        const cfg = configOf(ordo);
        assert.equal(cfg.traffic.canaryWeight, 25);
        const added = addedPods(cfg);
        assert.deepEqual(
            added.map((a) => a.workload),
            ["ordo-api", "ordo-web"],
        );
        // At 25 % each colour runs minReplicas (3); 100 % needs 4 plus the idle colour's 3: +1 each.
        assert.deepEqual(
            added.map((a) => [a.pods, a.cpu]),
            [
                [1, 0.2],
                [1, 0.2],
            ],
        );
        const cpu = preflightChecks(cfg).find((c) => c.name === "node cpu")!;
        const r = judgePreflight(cpu, { allocatable: 32, requested: 8 });
        assert.equal(r.free, (32 - 8 - 0.4) / 32);
        assert.match(
            r.message,
            /the release adds \d+ pods of ordo-api × [\d.]+ cores \+ \d+ pods of ordo-web × [\d.]+ cores = /,
        );
    });

    it("counts a tcp workload as unchanged (its colours swap, their total stays)", () => {
        const cfg = configOf("examples/nova-streaming/Pulumi.prod.yaml");
        const added = addedPods(cfg);
        const rtmp = added.find((a) => a.workload.endsWith("rtmp"))!;
        assert.equal(rtmp.pods, 0);
        assert.ok(added.find((a) => a.workload === "user-service")!.pods > 0);
    });

    it("adds nothing once the release stands at its last step", () => {
        const cfg = configOf(ordo, (c) => (c.traffic.canaryWeight = 100));
        assert.deepEqual(
            addedPods(cfg).map((a) => a.pods),
            [0, 0],
        );
        const mem = preflightChecks(cfg).find((c) => c.name === "node memory")!;
        const r = judgePreflight(mem, { allocatable: 100 * GiB, requested: 50 * GiB });
        assert.equal(r.free, 0.5);
        assert.match(r.message, /the release adds 0 pods × [\d.]+ GiB = 0 GiB/);
    });
});
