import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { ConfigError, parseStackConfig } from "../config";
import { loadStackInput } from "../scripts/lib/stackFile";
import { STACK_CONFIG_CASES } from "./configCases";
import { configProblems, planStack, runPlanCli } from "./helpers";

describe("stack config", () => {
    it("parses both stack files", async () => {
        for (const stack of ["staging", "prod"] as const) {
            const plan = await planStack(stack);
            assert.ok(plan.resources.length > 0);
        }
    });

    describe("rejects bad values with the key, the value and the rule", () => {
        const cases = STACK_CONFIG_CASES;
        for (const [name, edit, message] of cases) {
            it(name, async () => {
                const problems = await configProblems("prod", edit);
                assert.ok(
                    problems.includes(message),
                    `expected:\n  ${message}\ngot:\n  ${problems.join("\n  ")}`,
                );
            });
        }
    });

    it("sees resources register for a valid config (so the half-applied check can fail)", async () => {
        const registered: string[] = [];
        await planStack("prod", undefined, registered);
        assert.ok(registered.some((k) => k.startsWith("kubernetes:apps/v1:Deployment::")));
    });

    it("reports every problem at once", async () => {
        const problems = await configProblems("prod", (c) => {
            c.traffic.canaryWeight = 101;
            c.autoscaling.maxReplicas = 0;
        });
        assert.ok(problems.some((p) => p.startsWith("release:traffic.canaryWeight")));
        assert.ok(problems.some((p) => p.startsWith("release:autoscaling.maxReplicas")));
    });

    it("accepts weights written as strings, as top-level `pulumi config set` stores them", async () => {
        const plan = await planStack("prod", (c) => (c.traffic.canaryWeight = "50"));
        assert.deepStrictEqual(plan.outputs.trafficWeights, { blue: 50, green: 50 });
    });

    it("never echoes a secret config value in an error", () => {
        const raw = { ...minimalConfig(), appSecrets: { "not a name": "s3cr3t-value" } };
        try {
            parseStackConfig(raw, new Set(["appSecrets"]));
            assert.fail("expected a ConfigError");
        } catch (e) {
            assert.ok(e instanceof ConfigError);
            assert.ok(!e.message.includes("s3cr3t-value"), e.message);
            assert.match(e.message, /release:appSecrets/);
            assert.match(e.message, /\[secret\]/);
        }
    });

    it("is a RunError, so `pulumi up` prints the message without a stack trace", () => {
        const err = new ConfigError(["release:x must be y (got z)"]);
        assert.ok(pulumi.RunError.isInstance(err));
    });

    describe("the plan command", () => {
        let dir: string;
        before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cli-"))));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("exits 1 with the message and no stack trace, and writes nothing", async () => {
            const input = loadStackInput("prod");
            const config = {
                ...input.config,
                "release:traffic": { stable: "blue", canaryWeight: 150 },
            };
            const file = path.join(dir, "Pulumi.bad.yaml");
            fs.writeFileSync(file, stringify({ config }));
            const out = path.join(dir, "out");
            const { status, stderr } = await runPlanCli([file, "--out", out]);
            assert.strictEqual(status, 1);
            assert.match(
                stderr,
                /release:traffic\.canaryWeight must be an integer 0–100 \(got 150\)/,
            );
            assert.doesNotMatch(stderr, /\n\s+at /, "stack trace printed");
            assert.ok(!fs.existsSync(out), "out dir written for an invalid config");
        });
    });
});

function minimalConfig(): Record<string, unknown> {
    return {
        stage: "staging",
        app: { name: "demo", namespace: "demo", host: "demo.example.com", repository: "demo" },
        workloads: { web: { kind: "web" } },
        colors: { blue: { version: "v1" } },
        traffic: { stable: "blue" },
        router: { tls: { secretName: "demo-tls" } },
    };
}
