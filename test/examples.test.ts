// One stack file per seed system (examples/<system>/): each plans as `npm run plan` would, with
// schema-valid manifests and no mandatory policy violation, and holds the workloads its runbook
// describes.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { validatePlanManifests } from "../scripts/lib/k8sSchema";
import type { Plan } from "../scripts/lib/plan";
import { runPolicies } from "../scripts/lib/policyRunner";
import { byType, inputs, planStack } from "./helpers";
import { EXAMPLES_DIR, EXAMPLE_STACKS } from "./workloadFixtures";

const SYSTEMS = [
    "architect-dashboard-api",
    "notevault",
    "nova-streaming",
    "odavl-studio",
    "ordo-todo",
];

const kindsOf = (plan: Plan) =>
    Object.fromEntries(
        Object.entries((plan.outputs.colorsDeployed as any).blue.workloads).map(
            ([k, v]: [string, any]) => [k, v.kind],
        ),
    );

describe("examples: a stack file per seed system", () => {
    it("has a stack file and a README for each of the five systems", () => {
        assert.deepStrictEqual(fs.readdirSync(EXAMPLES_DIR).sort(), SYSTEMS);
        for (const system of SYSTEMS) {
            const readme = fs.readFileSync(path.join(EXAMPLES_DIR, system, "README.md"), "utf8");
            assert.match(readme, /outside this program/, `${system} README says what is outside`);
        }
        assert.ok(EXAMPLE_STACKS.length >= SYSTEMS.length);
    });

    for (const file of EXAMPLE_STACKS) {
        describe(file, () => {
            let plan: Plan;
            before(async () => (plan = await planStack(file)));

            it("renders manifests that pass the upstream schemas", () => {
                assert.deepStrictEqual(validatePlanManifests(plan), []);
            });

            it("has no mandatory policy violation", async () => {
                const run = await runPolicies(plan, { stage: String(plan.outputs.stage) });
                assert.strictEqual(run.stage, "prod");
                assert.deepStrictEqual(
                    run.violations.filter((v) => v.enforcementLevel === "mandatory"),
                    [],
                );
            });

            it("puts no secret in plain text in the plan", () => {
                const text = JSON.stringify(plan);
                assert.doesNotMatch(text, /postgresql:\/\/[^"\s]*:[^"\s]*@/);
                assert.doesNotMatch(text, /v1:cGxhY2Vob2xkZXI/, "a secure: value leaked");
            });
        });
    }

    it("Ordo-Todo releases its web frontend and its API together, the API reading Redis by parts", async () => {
        const plan = await planStack("examples/ordo-todo/Pulumi.prod.yaml");
        assert.deepStrictEqual(kindsOf(plan), { api: "web", web: "web" });
        const api = byType(plan, "kubernetes:apps/v1:Deployment").find(
            (d) => inputs(d).metadata.name === "ordo-api-green",
        )!;
        const env = inputs(api).spec.template.spec.containers[0].env as any[];
        const names = env.map((e) => e.name);
        for (const n of ["DATABASE_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD"]) {
            assert.ok(names.includes(n), n);
        }
        assert.ok(!names.includes("REDIS_URL"));
        const web = byType(plan, "kubernetes:apps/v1:Deployment").find(
            (d) => inputs(d).metadata.name === "ordo-web-green",
        )!;
        const webEnv = (inputs(web).spec.template.spec.containers[0].env as any[]).map(
            (e) => e.name,
        );
        assert.ok(!webEnv.some((n) => /DATABASE|REDIS/.test(n)), "the frontend reads no data tier");
    });

    it("Nova releases its API with the RTMP ingest on TCP 1935 behind its own NLB", async () => {
        const plan = await planStack("examples/nova-streaming/Pulumi.prod.yaml");
        assert.deepStrictEqual(kindsOf(plan), { api: "web", rtmp: "tcp" });
        const lb = byType(plan, "kubernetes:core/v1:Service").find(
            (s) => inputs(s).spec.type === "LoadBalancer",
        )!;
        assert.strictEqual(inputs(lb).spec.ports[0].port, 1935);
        assert.strictEqual(inputs(lb).spec.selector.color, "blue");
    });

    it("NoteVault gets its pooled DATABASE_URL without a credential in the manifest", async () => {
        const plan = await planStack("examples/notevault/Pulumi.prod.yaml");
        const d = byType(plan, "kubernetes:apps/v1:Deployment").find(
            (x) => inputs(x).metadata.name === "notevault-api-blue",
        )!;
        const env = inputs(d).spec.template.spec.containers[0].env as any[];
        assert.strictEqual(
            env.find((e) => e.name === "DATABASE_URL").value,
            "$(RELEASE_DATABASE_URL_BASE)?sslmode=require&schema=public&connection_limit=20&pool_timeout=20&connect_timeout=10",
        );
    });

    it("ODAVL runs on PostgreSQL 15, as its runbook allows", async () => {
        const plan = await planStack("examples/odavl-studio/Pulumi.prod.yaml");
        const db = byType(plan, "aws:rds/instance:Instance").find(
            (r) => inputs(r).identifier === "odavl-prod",
        )!;
        assert.strictEqual(inputs(db).engineVersion, "15");
    });
});
