// The blue/green invariant in the plan diff: a colour that takes traffic in the base must not get
// new code in place. Real plans of the program; one run of `npm run plan -- --diff` as users see it.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { reviewPlans, renderText } from "../scripts/lib/planDiff";
import { planStack, runPlanCli } from "./helpers";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const NEXT = "v1.2.5";

function liveImage(review: ReturnType<typeof reviewPlans>) {
    return review.dangers.filter((d) => d.kind === "live-image").map((d) => d.key);
}

describe("plan diff: new code on a colour that takes traffic", function () {
    this.timeout(180000);

    it("marks the canary (25 % in the base) getting a new image", async () => {
        const before = await planStack("prod");
        const after = await planStack("prod", (c) => (c.colors.green.version = NEXT));
        const review = reviewPlans(before, after, "base");
        assert.deepStrictEqual(liveImage(review), [`${DEPLOYMENT}::nova-api-green-deployment`]);
        const danger = review.dangers.find((d) => d.kind === "live-image")!;
        assert.ok(danger.fields.includes("spec.template.spec.containers[0].image"));
        assert.match(danger.reason, /takes 25 % of traffic in the base/);
        assert.match(
            renderText(review),
            /!! LIVE-IMAGE kubernetes:apps\/v1:Deployment::nova-api-green/,
        );
    });

    it("marks the stable colour (75 %) getting a new version label", async () => {
        const before = await planStack("prod");
        const after = await planStack("prod", (c) => (c.colors.blue.version = "v1.2.3-hotfix"));
        assert.deepStrictEqual(liveImage(reviewPlans(before, after, "base")), [
            `${DEPLOYMENT}::nova-api-blue-deployment`,
        ]);
    });

    it("does not mark a new image on the idle colour (weight 0 in the base)", async () => {
        const idle = (c: Record<string, any>) => (c.traffic.canaryWeight = 0);
        const before = await planStack("prod", idle);
        const after = await planStack("prod", (c) => {
            idle(c);
            c.colors.green.version = NEXT;
        });
        const review = reviewPlans(before, after, "base");
        assert.ok(
            review.diff.changed.some((c) => c.key === `${DEPLOYMENT}::nova-api-green-deployment`),
        );
        assert.deepStrictEqual(liveImage(review), []);
    });

    it("shows the marker in `npm run plan -- --diff` against a saved plan", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "live-image-"));
        try {
            const base = path.join(dir, "base");
            const saved = await runPlanCli(["prod", "--json", "--out", base]);
            assert.strictEqual(saved.status, 0, saved.stderr);
            const doc = parse(
                fs.readFileSync(path.resolve(__dirname, "../Pulumi.prod.yaml"), "utf8"),
            );
            doc.config["release:colors"].green.version = NEXT;
            const file = path.join(dir, "Pulumi.prod.yaml");
            fs.writeFileSync(file, stringify(doc));
            const res = await runPlanCli([
                file,
                "--diff",
                path.join(base, "plan.json"),
                "--out",
                dir,
            ]);
            assert.strictEqual(res.status, 0, res.stderr);
            assert.match(
                res.stdout,
                /!! LIVE-IMAGE kubernetes:apps\/v1:Deployment::nova-api-green-deployment .*takes 25 % of traffic/,
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
