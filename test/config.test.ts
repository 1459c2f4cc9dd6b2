import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { ConfigError, parseStackConfig } from "../config";
import { loadStackInput } from "../scripts/lib/stackFile";
import { configProblems, planStack, runPlanCli } from "./helpers";

describe("stack config", () => {
    it("parses both stack files", async () => {
        for (const stack of ["staging", "prod"] as const) {
            const plan = await planStack(stack);
            assert.ok(plan.resources.length > 0);
        }
    });

    describe("rejects bad values with the key, the value and the rule", () => {
        const cases: [string, (c: Record<string, any>) => void, string][] = [
            [
                "canary weight above 100",
                (c) => (c.traffic.canaryWeight = 150),
                "release:traffic.canaryWeight must be an integer 0–100 (got 150)",
            ],
            [
                "fractional weight",
                (c) => (c.traffic.canaryWeight = 12.5),
                "release:traffic.canaryWeight must be an integer 0–100 (got 12.5)",
            ],
            [
                "weight as a non-numeric string",
                (c) => (c.traffic.canaryWeight = "half"),
                'release:traffic.canaryWeight must be an integer 0–100 (got "half")',
            ],
            [
                "latest tag",
                (c) => (c.colors.green.version = "latest"),
                'release:colors.green.version must be pinned: the tag "latest" is mutable (got "latest")',
            ],
            [
                "a version that is not an image tag",
                (c) => (c.colors.blue.version = "v1.2.3+build"),
                "release:colors.blue.version must be an image tag that is also a label value (1–63 letters, digits, '.', '_', '-') (got \"v1.2.3+build\")",
            ],
            [
                "a pinned workload image on latest",
                (c) => (c.workloads.api.image = "registry.example.com/nova/user-service:latest"),
                'release:workloads.api.image must be pinned: the tag "latest" is mutable (got "registry.example.com/nova/user-service:latest")',
            ],
            [
                "a repository with a tag",
                (c) => (c.app.repository = "registry.example.com/nova/user-service:v1"),
                'release:app.repository must be an image repository without a tag, such as registry.example.com/team/app (got "registry.example.com/nova/user-service:v1")',
            ],
            [
                "weighted colour without a version",
                (c) => delete c.colors.green,
                "release:colors.green.version must be set because green receives 25 % of traffic (not set)",
            ],
            [
                "stable colour without a version",
                (c) => {
                    delete c.colors.blue;
                    c.traffic.canaryWeight = 100;
                },
                "release:colors.blue.version must be set because blue is release:traffic.stable (not set)",
            ],
            [
                "minReplicas above maxReplicas",
                (c) => (c.autoscaling.minReplicas = 12),
                "release:autoscaling.minReplicas must be ≤ release:autoscaling.maxReplicas (10) (got 12)",
            ],
            [
                "baseline above maxReplicas",
                (c) => (c.autoscaling.baselineReplicas = 11),
                "release:autoscaling.baselineReplicas must be ≤ release:autoscaling.maxReplicas (10) (got 11)",
            ],
            [
                "unknown stable colour",
                (c) => (c.traffic.stable = "red"),
                'release:traffic.stable must be one of blue, green (got "red")',
            ],
            [
                "misspelt key",
                (c) => (c.traffic.canaryWieght = 5),
                "release:traffic.canaryWieght must not be set: it is not a known setting (check the spelling)",
            ],
            [
                "preStop sleep not shorter than the grace period",
                (c) => (c.app.preStopSleepSeconds = 60),
                "release:app.preStopSleepSeconds must be shorter than release:app.terminationGracePeriodSeconds (60) so the app gets time to drain (got 60)",
            ],
            [
                "ALB without a certificate",
                (c) => (c.router = { kind: "alb" }),
                "release:router.tls.certificateArn must be set when release:router.kind is alb (TLS terminates at the ALB) (not set)",
            ],
            [
                "unknown router kind",
                (c) => (c.router.kind = "traefik"),
                'release:router.kind must be one of gateway-api, alb, nginx (got "traefik")',
            ],
            [
                "secret-looking plain env var",
                (c) => (c.app.env.JWT_SECRET = "hunter2"),
                'release:app.env.JWT_SECRET must not be a literal: names like this hold secrets, so set it with `pulumi config set --secret --path appSecrets.JWT_SECRET` (got "[redacted]")',
            ],
            [
                "missing stage",
                (c) => delete c.stage,
                "release:stage is required: it must be one of staging, prod",
            ],
        ];
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
