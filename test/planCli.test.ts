import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { isKubernetesObject, planProgram } from "../scripts/lib/plan";
import { loadStackInput } from "../scripts/lib/stackFile";
import { renderSummary } from "../scripts/lib/summary";
import { planStack, runPlanCli, runPlanProcess } from "./helpers";
import { ROUTER_VARIANTS } from "./routerVariants";

describe("offline plan command", () => {
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-json-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    // The one run through the real entry (a fresh node process): its exit code, and a stdout that
    // holds only the document. The other tests call the same main in-process.
    it("--json prints one parseable document and writes every Kubernetes object as YAML", () => {
        const out = path.join(dir, "prod");
        const res = runPlanProcess(["prod", "--json", "--out", out]);
        assert.ok(res.status === 0 || res.status === 2, res.stderr);
        const doc = JSON.parse(res.stdout);
        assert.strictEqual(doc.stack, "prod");
        const deployment = doc.resources.find(
            (r: any) => r.type === "kubernetes:apps/v1:Deployment",
        );
        assert.deepStrictEqual(Object.keys(deployment.options).sort(), [
            "dependsOn",
            "protect",
            "retainOnDelete",
        ]);
        assert.match(deployment.parent, /^release:app:ColorDeployment::/);
        const k8s = doc.resources.filter(isKubernetesObject);
        const files = fs.readdirSync(path.join(out, "manifests"));
        assert.strictEqual(files.length, k8s.length);
        for (const f of files) {
            const m = parse(fs.readFileSync(path.join(out, "manifests", f), "utf8"));
            assert.ok(m.apiVersion && m.kind && m.metadata.name, f);
        }
    });

    it("accepts a path to a stack file and names the stack after it", async () => {
        const input = loadStackInput("staging");
        const file = path.join(dir, "Pulumi.qa.yaml");
        fs.writeFileSync(file, stringify({ config: input.config }));
        const res = await runPlanCli([file, "--out", path.join(dir, "qa")]);
        assert.ok(res.status === 0 || res.status === 2, res.stderr);
        assert.match(res.stdout, /Plan for stack qa/);
    });

    it("rejects an unknown flag with exit 1", async () => {
        const res = await runPlanCli(["prod", "--jsn"]);
        assert.strictEqual(res.status, 1);
        assert.match(res.stderr, /--jsn must be one of/);
    });

    it("plans secure: values as secret placeholders", async () => {
        const input = loadStackInput("prod");
        const file = path.join(dir, "Pulumi.sec.yaml");
        const config = {
            ...input.config,
            "release:appSecrets": { JWT_SECRET: { secure: "v1:AAAABBBBCCCC" } },
        };
        fs.writeFileSync(file, stringify({ config }));
        const loaded = loadStackInput(file);
        assert.deepStrictEqual(loaded.secretKeys, ["release:appSecrets"]);
        const plan = await planProgram({
            stack: loaded.stack,
            config: loaded.config,
            secretKeys: loaded.secretKeys,
        });
        const secret = plan.resources.find(
            (r) => r.type === "kubernetes:core/v1:Secret" && r.name.startsWith("nova-api-app"),
        );
        assert.ok(secret, "app secret planned");
        assert.strictEqual((secret.inputs as any).stringData, "[secret]");
        assert.ok(!JSON.stringify(plan).includes("v1:AAAABBBBCCCC"));
    });

    describe("human summary", () => {
        for (const [kind, variant] of Object.entries(ROUTER_VARIANTS)) {
            it(`shows split, colours, routes and preview header (${kind})`, async () => {
                const plan = await planStack("prod", variant);
                const text = renderSummary(plan, "Pulumi.prod.yaml");
                assert.match(text, /Traffic: blue 75 % \(stable\) · green 25 % \(canary\)/);
                assert.match(
                    text,
                    /blue\s+75 %\s+api\s+registry\.example\.com\/nova\/user-service:v1\.2\.3 .* replicas 5\s+HPA 5–10/,
                );
                assert.match(
                    text,
                    /green\s+25 %\s+api\s+registry\.example\.com\/nova\/user-service:v1\.2\.4 .* replicas 3\s+HPA 3–10/,
                );
                assert.match(text, /preview X-Preview-Color: green/);
                assert.match(text, /\s\d+\s+kubernetes:apps\/v1:Deployment\n/);
            });
        }
    });
});
