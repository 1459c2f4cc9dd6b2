import * as assert from "assert";
import { ConfigError, parseStackConfig } from "../config";
import { STAGE_STEPS, trafficSteps } from "../config/progression";
import { loadStackInput } from "../scripts/lib/stackFile";

/** The stack file's `release:*` values, keyed without the namespace, for parseStackConfig. */
function raw(stack: "staging" | "prod"): Record<string, any> {
    const input = loadStackInput(stack);
    const out: Record<string, any> = {};
    for (const [k, v] of Object.entries(input.config)) {
        if (k.startsWith("release:")) out[k.slice("release:".length)] = structuredClone(v);
    }
    return out;
}

function problems(cfg: Record<string, any>): string[] {
    try {
        parseStackConfig(cfg);
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
    throw new Error("expected the config to be rejected");
}

const steps = (...weights: number[]) => weights.map((weight) => ({ weight, pause: "5m" }));

describe("release:traffic.steps", () => {
    it("defaults per stage to the runbooks' steps", () => {
        for (const stage of ["staging", "prod"] as const) {
            const cfg = raw(stage);
            delete cfg.traffic.steps;
            cfg.traffic.canaryWeight = 0;
            assert.deepStrictEqual(trafficSteps(parseStackConfig(cfg)), STAGE_STEPS[stage]);
        }
        assert.deepStrictEqual(
            STAGE_STEPS.prod.map((s) => `${s.weight}/${s.pause}`),
            ["10/15m", "50/15m", "100/10m"],
        );
    });

    it("rejects steps that do not strictly increase, with the key, value and rule", () => {
        const cfg = raw("staging");
        cfg.traffic.steps = steps(5, 25, 25, 100);
        assert.deepStrictEqual(problems(cfg), [
            "release:traffic.steps[2].weight must be above the previous step's weight (25): steps must strictly increase (got 25)",
        ]);
    });

    it("rejects weights outside 1–100 and bad pauses", () => {
        const cfg = raw("staging");
        cfg.traffic.steps = [
            { weight: 0, pause: "5m" },
            { weight: 101, pause: "5 minutes" },
        ];
        const p = problems(cfg);
        assert.ok(
            p.includes("release:traffic.steps[0].weight must be an integer 1–100 (got 0)"),
            p.join("\n"),
        );
        assert.ok(
            p.includes("release:traffic.steps[1].weight must be an integer 1–100 (got 101)"),
            p.join("\n"),
        );
        assert.ok(
            p.includes(
                'release:traffic.steps[1].pause must be a Prometheus duration such as "30s", "5m" or "1h" (got "5 minutes")',
            ),
            p.join("\n"),
        );
    });

    it("requires the last step to carry all traffic before promotion", () => {
        const cfg = raw("staging");
        cfg.traffic.steps = steps(10, 50);
        cfg.traffic.canaryWeight = 0;
        assert.deepStrictEqual(problems(cfg), [
            "release:traffic.steps[1].weight must be 100: the last step sends all traffic to the canary before promotion (got 50)",
        ]);
    });

    it("in prod refuses a canaryWeight that is neither 0 nor a step (CL-29)", () => {
        const cfg = raw("prod");
        cfg.traffic.canaryWeight = 30;
        assert.deepStrictEqual(problems(cfg), [
            "release:traffic.canaryWeight must be 0 or one of release:traffic.steps (5, 25, 50, 100) in prod: traffic moves step by step (CL-29) (got 30)",
        ]);
        for (const ok of [0, 5, 100]) {
            cfg.traffic.canaryWeight = ok;
            assert.strictEqual(parseStackConfig(cfg).traffic.canaryWeight, ok);
        }
    });

    it("checks prod against the stage default when the stack lists no steps", () => {
        const cfg = raw("prod");
        delete cfg.traffic.steps;
        cfg.traffic.canaryWeight = 25; // a step of the stack's own list, not of the default
        assert.match(problems(cfg)[0], /one of release:traffic\.steps \(10, 50, 100\)/);
    });

    it("lets staging rehearse any weight", () => {
        const cfg = raw("staging");
        cfg.traffic.canaryWeight = 30;
        assert.strictEqual(parseStackConfig(cfg).traffic.canaryWeight, 30);
    });
});

describe("release:traffic.changeWindow", () => {
    it("rejects unknown days, times and time zones", () => {
        const cfg = raw("staging");
        cfg.traffic.changeWindow = {
            days: ["tue", "fri-day"],
            start: "2:00",
            end: "24:00",
            timezone: "Mars/Olympus",
        };
        const p = problems(cfg);
        assert.ok(
            p.some((x) =>
                x.startsWith("release:traffic.changeWindow.days[1] must be one of mon, tue"),
            ),
            p.join("\n"),
        );
        assert.ok(
            p.includes(
                'release:traffic.changeWindow.start must be a time of day such as "02:00" (got "2:00")',
            ),
            p.join("\n"),
        );
        assert.ok(
            p.includes(
                'release:traffic.changeWindow.end must be a time of day such as "02:00" (got "24:00")',
            ),
            p.join("\n"),
        );
        assert.ok(
            p.includes(
                'release:traffic.changeWindow.timezone must be an IANA time zone such as UTC or Europe/Berlin (got "Mars/Olympus")',
            ),
            p.join("\n"),
        );
    });

    it("rejects an empty window", () => {
        const cfg = raw("staging");
        cfg.traffic.changeWindow = { days: ["tue"], start: "02:00", end: "02:00" };
        assert.deepStrictEqual(problems(cfg), [
            'release:traffic.changeWindow.end must differ from release:traffic.changeWindow.start (02:00) (got "02:00")',
        ]);
    });
});

describe("release:notifyWebhook", () => {
    it("must be an https URL and never echoes a secret value", () => {
        const cfg = raw("staging");
        cfg.notifyWebhook = "http://hooks.example.com/T000";
        assert.deepStrictEqual(problems(cfg), [
            'release:notifyWebhook must be an https URL (got "http://hooks.example.com/T000")',
        ]);
        assert.throws(
            () => parseStackConfig(cfg, new Set(["notifyWebhook"])),
            (e: ConfigError) =>
                JSON.stringify(e.problems) ===
                JSON.stringify(["release:notifyWebhook must be an https URL (got [secret])"]),
        );
    });
});
