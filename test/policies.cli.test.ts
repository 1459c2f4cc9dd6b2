// The policy step of `npm run plan`: violations in --json, grouped human output, exit 2 only on a
// mandatory violation (prod config), advisory findings never fail the plan (staging config).
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { runPlanCli as plan } from "./helpers";

const ROOT = path.resolve(__dirname, "..");

describe("npm run plan: policy step", function () {
    this.timeout(120000);
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-policy-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Copies a stack file with one config edit, under a new stack name. */
    function stackFile(from: string, name: string, edit: (cfg: Record<string, any>) => void) {
        const doc = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${from}.yaml`), "utf8"));
        edit(doc.config);
        const file = path.join(dir, `Pulumi.${name}.yaml`);
        fs.writeFileSync(file, stringify(doc));
        return file;
    }

    it("prod with an HPA floor of 1: exit 2, the violation in --json, the plan still written", async () => {
        const file = stackFile("prod", "prod-low-floor", (c) => {
            c["release:autoscaling"].minReplicas = 1;
            c["release:autoscaling"].baselineReplicas = 2;
        });
        const out = path.join(dir, "out-json");
        const res = await plan([file, "--json", "--out", out]);
        assert.equal(res.status, 2, res.stderr);
        const doc = JSON.parse(res.stdout);
        const hpa = doc.violations.filter((v: any) => v.policy === "k8s-hpa-sizing");
        assert.ok(hpa.length > 0, JSON.stringify(doc.violations));
        for (const v of hpa) {
            assert.equal(v.enforcementLevel, "mandatory");
            assert.match(v.resource, /^kubernetes:autoscaling\/v2:HorizontalPodAutoscaler::/);
            assert.match(v.message, /spec\.minReplicas must be at least 3 \(got [12]\)/);
        }
        assert.deepEqual(
            JSON.parse(fs.readFileSync(path.join(out, "plan.json"), "utf8")).violations,
            doc.violations,
        );
        // Logs and the grouped listing go to stderr, so stdout stays one JSON document.
        assert.match(res.stderr, /mandatory \(\d+\):/);
    });

    it("staging with a wildcard CORS origin: advisory, listed under its level, exit 0", async () => {
        const file = stackFile("staging", "staging-cors", (c) => {
            c["release:app"].corsOrigins = ["*"];
        });
        const res = await plan([file, "--out", path.join(dir, "out-human")]);
        assert.equal(res.status, 0, res.stderr);
        const listing = res.stdout.slice(res.stdout.indexOf("\nPolicies ("));
        const lines = listing.trim().split("\n").slice(1);
        // One advisory per colour's Deployment, nothing else.
        assert.deepEqual(lines[0], "  advisory (2):");
        for (const line of lines.slice(1)) {
            assert.match(
                line,
                /^ {4}\[k8s-cors-not-wildcard\] kubernetes:apps\/v1:Deployment::nova-api-(blue|green)-deployment: /,
            );
        }
        assert.equal(lines.length, 3);
    });
});
