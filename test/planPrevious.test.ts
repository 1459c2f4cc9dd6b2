// The offline plan's previous state: `--previous <plan.json>`, `--diff <base>` as the previous
// state, and what the mocks answer for the stack's reference to itself and its live reads.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseDocument } from "yaml";
import { readState } from "../scripts/lib/mockOutputs";
import type { Plan } from "../scripts/lib/plan";
import { planStack, runPlanCli } from "./helpers";

const SELF = "organization/release/prod";
const BLUE = "nova-prod/nova-api-blue";

describe("previous state in the offline plan", function () {
    this.timeout(120000);
    let dir: string;
    let committed: Plan;
    let savedPlan: string;
    let shiftedStack: string;
    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-previous-"));
        committed = await planStack("prod");
        savedPlan = path.join(dir, "prod.json");
        fs.writeFileSync(savedPlan, JSON.stringify({ ...committed, violations: [] }));
        // The committed prod stack with the next step taken: green 25 → 50.
        const doc = parseDocument(
            fs.readFileSync(path.join(__dirname, "..", "Pulumi.prod.yaml"), "utf8"),
        );
        doc.setIn(["config", "release:traffic", "canaryWeight"], 50);
        fs.mkdirSync(path.join(dir, "next"));
        shiftedStack = path.join(dir, "next", "Pulumi.prod.yaml");
        fs.writeFileSync(shiftedStack, doc.toString());
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("--previous orders the update against a saved plan", async () => {
        const res = await runPlanCli([
            shiftedStack,
            "--previous",
            savedPlan,
            "--json",
            "--out",
            path.join(dir, "a"),
        ]);
        assert.ok(res.status === 0 || res.status === 2, res.stderr);
        const doc = JSON.parse(res.stdout) as Plan;
        const blue = doc.resources.find((r) => r.name === "nova-api-blue-deployment")!;
        assert.deepStrictEqual(blue.options.dependsOn.filter((d) => d.includes("router")).sort(), [
            "kubernetes:gateway.networking.k8s.io/v1:Gateway::nova-api-router-gateway",
            "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute::nova-api-router-route",
        ]);
        assert.strictEqual((blue.inputs as any).spec.replicas, 5, "keeps the 5 pods it runs");
    });

    it("--diff uses its base as the previous state", async () => {
        const res = await runPlanCli([
            shiftedStack,
            "--diff",
            savedPlan,
            "--out",
            path.join(dir, "b"),
        ]);
        assert.ok(res.status === 0 || res.status === 2, res.stderr);
        assert.match(res.stdout, /nova-api-blue-hpa/);
        assert.doesNotMatch(res.stdout, /nova-api-blue-deployment/, "blue keeps its replicas");
    });

    it("--previous must be a plan of the same stack", async () => {
        const staging = path.join(dir, "staging.json");
        fs.writeFileSync(staging, JSON.stringify({ ...committed, stack: "staging" }));
        const res = await runPlanCli(["prod", "--previous", staging, "--out", path.join(dir, "c")]);
        assert.strictEqual(res.status, 1);
        assert.match(
            res.stderr,
            /--previous .*staging\.json must be a plan of stack prod \(it is of staging\)/,
        );
    });

    describe("mocked reads", () => {
        const read = (type: string, id: string, live?: Record<string, number>) =>
            readState(
                {
                    type,
                    id,
                    name: "x",
                    inputs: type.startsWith("pulumi") ? { name: id } : {},
                    custom: true,
                },
                SELF,
                { outputs: committed.outputs, resources: committed.resources, liveReplicas: live },
            );

        it("answers the stack's reference to itself with the previous outputs", () => {
            const ref = read("pulumi:pulumi:StackReference", SELF);
            assert.deepStrictEqual(ref.outputs, committed.outputs);
            const first = readState(
                {
                    type: "pulumi:pulumi:StackReference",
                    id: SELF,
                    name: "x",
                    inputs: { name: SELF },
                    custom: true,
                },
                SELF,
                undefined,
            );
            assert.deepStrictEqual(first.outputs, {}, "a first deployment has no outputs");
            assert.throws(
                () => read("pulumi:pulumi:StackReference", "organization/network/prod"),
                /StackReference organization\/network\/prod: only this stack's own outputs/,
            );
        });

        it("answers a Deployment read with the deployed object and the live replica count", () => {
            const dep = read("kubernetes:apps/v1:Deployment", BLUE, { [BLUE]: 8 }) as any;
            assert.strictEqual(dep.metadata.name, "nova-api-blue");
            assert.deepStrictEqual([dep.spec.replicas, dep.status.replicas], [8, 8]);
            assert.strictEqual(
                (read("kubernetes:apps/v1:Deployment", BLUE) as any).spec.replicas,
                5,
            );
            assert.throws(
                () => read("kubernetes:apps/v1:Deployment", "nova-prod/nova-api-red"),
                /Deployment nova-prod\/nova-api-red does not exist/,
            );
        });
    });
});
