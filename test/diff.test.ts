// The plan diff over real plans of the program: a pure traffic shift, a new release, a DB
// identifier change; the markdown against its golden file; bases from git and from a saved plan.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Plan } from "../scripts/lib/plan";
import { loadBase, PlanBaseError } from "../scripts/lib/planBase";
import { renderMarkdown, renderText, reviewPlans, type PlanReview } from "../scripts/lib/planDiff";
import { planAfter, planStack, runPlanCli } from "./helpers";

const ROOT = path.resolve(__dirname, "..");
const GOLDEN = path.join(__dirname, "golden", "diff-prod-shift-25-to-50.md");

/** Fields a weight change may touch, per type: routing weights and the colours' capacity. */
const SHIFT_FIELDS: Record<string, RegExp> = {
    "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute":
        /^spec\.rules\[\d+\]\.backendRefs\[\d+\]\.weight$/,
    "kubernetes:apps/v1:Deployment": /^spec\.replicas$/,
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": /^spec\.(minReplicas|maxReplicas)$/,
};

function kindsOf(review: PlanReview): string[][] {
    return review.dangers.map((d) => [d.kind, d.key]);
}

/** Headings and table rows of a markdown document, whitespace-normalised. */
function structure(md: string): { headings: string[]; rows: Set<string>; traffic?: string } {
    const lines = md.split("\n").map((l) => l.trim());
    return {
        headings: lines.filter((l) => /^#{1,4} /.test(l)),
        rows: new Set(lines.filter((l) => l.startsWith("|") && !/^\|[-| ]+\|$/.test(l))),
        traffic: lines.find((l) => l.startsWith("**Traffic:")),
    };
}

describe("plan diff of real plans", function () {
    this.timeout(120000);
    let prod: Plan;
    let shifted: Plan;
    before(async () => {
        prod = await planStack("prod");
        // One `pulumi up` after prod as committed: ordered against it, as `--diff` plans it.
        shifted = await planAfter("prod", (c) => (c.traffic.canaryWeight = 50), prod);
    });

    it("a pure weight change lists only routing and capacity fields and no danger", () => {
        const [before, after] = [prod, shifted];
        const review = reviewPlans(before, after, "base");
        assert.strictEqual(
            review.traffic,
            "Traffic: blue 75 % → 50 % · green 25 % → 50 % · stable blue",
        );
        assert.deepStrictEqual([review.diff.created, review.diff.deleted], [[], []]);
        assert.ok(review.diff.changed.length > 0);
        for (const c of review.diff.changed) {
            const allowed = SHIFT_FIELDS[c.type];
            assert.ok(
                allowed,
                `${c.key} must not change on a weight shift (${c.fields.join(", ")})`,
            );
            for (const f of c.fields) assert.match(f, allowed, c.key);
        }
        assert.deepStrictEqual(review.dangers, []);
        const text = renderText(review);
        assert.ok(text.startsWith("Traffic: blue 75 % → 50 %"), "the traffic line comes first");
        assert.match(text, /^Danger: none/m);
        assert.doesNotMatch(text, /!!/);
    });

    it("the markdown of that shift matches the golden file's sections and rows", () => {
        const [before, after] = [prod, shifted];
        const actual = structure(renderMarkdown(reviewPlans(before, after, "base")));
        const golden = structure(fs.readFileSync(GOLDEN, "utf8"));
        const top = (h: string[]) => h.filter((x) => !x.startsWith("####"));
        assert.deepStrictEqual(top(actual.headings), top(golden.headings));
        for (const h of golden.headings)
            assert.ok(actual.headings.includes(h), `missing heading ${h}`);
        for (const row of golden.rows) assert.ok(actual.rows.has(row), `missing row ${row}`);
        assert.strictEqual(actual.traffic, golden.traffic);
        assert.match(
            renderMarkdown(reviewPlans(before, after, "base")),
            /<details><summary>Full field diff/,
        );
    });

    it("a new release creates its snapshot and migration Job and replaces no data", async () => {
        const before = prod;
        const after = await planStack("prod", (c) => {
            c.colors.green.version = "v1.2.5";
        });
        const review = reviewPlans(before, after, "base");
        assert.match(review.traffic, /green v1\.2\.4 → v1\.2\.5/);
        const created = review.diff.created;
        const snapshot = created.find(
            (k) => k.startsWith("aws:rds/snapshot:Snapshot::") && /v1-2-5/.test(k),
        );
        const job = created.find(
            (k) => k.startsWith("kubernetes:batch/v1:Job::") && /v1-2-5/.test(k),
        );
        assert.ok(snapshot, `a release snapshot must be created: ${created.join(", ")}`);
        assert.ok(job, `a migration Job must be created: ${created.join(", ")}`);
        assert.ok(review.dangers.some((d) => d.kind === "create" && d.key === snapshot));
        const severe = review.dangers.filter((d) =>
            ["replace", "delete", "unprotect", "update"].includes(d.kind),
        );
        assert.deepStrictEqual(
            severe,
            [],
            "a release must not replace, delete or modify a data store",
        );
        assert.ok(
            !review.diff.changed.some((c) => c.type === "aws:rds/instance:Instance"),
            "the database instance is untouched",
        );
    });

    it("a DB identifier change is flagged: data resources replaced, the instance renamed", async () => {
        const before = prod;
        const after = await planStack("prod", (c) => (c.database.identifier = "nova-main"));
        const review = reviewPlans(before, after, "base");
        const replaced = review.dangers.filter((d) => d.kind === "replace");
        assert.ok(
            replaced.some((d) => d.type === "aws:rds/snapshot:Snapshot"),
            `release snapshots of the old identifier are replaced: ${JSON.stringify(kindsOf(review))}`,
        );
        // The instance itself is renamed in place, not replaced.
        assert.ok(!replaced.some((d) => d.type === "aws:rds/instance:Instance"));
        assert.ok(
            review.dangers.some(
                (d) =>
                    d.kind === "rename" &&
                    d.type === "aws:rds/instance:Instance" &&
                    d.fields.includes("identifier"),
            ),
        );
        const md = renderMarkdown(review);
        assert.match(md, /> \[!CAUTION\]/);
        assert.match(md, /\*\*REPLACE\*\* `aws:rds\/snapshot:Snapshot::/);
        assert.match(md, /\| update \*\*DANGER\*\* \| `aws:rds\/instance:Instance` \|/);
    });
});

describe("plan diff bases", function () {
    this.timeout(120000);
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-diff-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const worktrees = () => execFileSync("git", ["worktree", "list"], { cwd: ROOT }).toString();

    it("plans a git ref in a temporary worktree and removes it", async () => {
        // A private TMPDIR: other checkouts of this repository may plan bases at the same time.
        const tmp = fs.mkdtempSync(path.join(dir, "tmp-"));
        const saved = process.env.TMPDIR;
        process.env.TMPDIR = tmp;
        let base: Awaited<ReturnType<typeof loadBase>>;
        try {
            base = await loadBase("HEAD", "prod");
        } finally {
            if (saved === undefined) delete process.env.TMPDIR;
            else process.env.TMPDIR = saved;
        }
        assert.match(base.label, /^git HEAD \([0-9a-f]{7}\)$/);
        assert.strictEqual(base.plan.stack, "prod");
        assert.ok(base.plan.resources.some((r) => r.type === "kubernetes:apps/v1:Deployment"));
        const ours = worktrees()
            .split("\n")
            .filter((line) => line.startsWith(tmp));
        assert.deepStrictEqual(ours, [], "the worktree must be removed");
        assert.deepStrictEqual(fs.readdirSync(tmp), [], "the temporary folder must be removed");
    });

    it("reads a saved --json plan and diffs against it", async () => {
        const plan = await planStack("staging");
        const file = path.join(dir, "staging.json");
        fs.writeFileSync(file, JSON.stringify(plan));
        const base = await loadBase(file, "staging");
        assert.deepStrictEqual(base.plan.resources, plan.resources);
        assert.deepStrictEqual(reviewPlans(base.plan, plan, base.label).diff, {
            created: [],
            deleted: [],
            changed: [],
        });
    });

    it("rejects a base that is neither a ref nor a plan file, and a file that is no plan", async () => {
        await assert.rejects(loadBase("no-such-ref-or-file", "prod"), (e: Error) => {
            assert.ok(e instanceof PlanBaseError);
            assert.match(
                e.message,
                /--diff no-such-ref-or-file must be a git ref .* or a plan file/,
            );
            return true;
        });
        const junk = path.join(dir, "junk.json");
        fs.writeFileSync(junk, JSON.stringify({ hello: 1 }));
        await assert.rejects(loadBase(junk, "prod"), /must be a plan saved with --json/);
    });

    it("`plan -- prod --diff HEAD --format markdown` prints the comment body and exits 0", async () => {
        const res = await runPlanCli([
            "prod",
            "--diff",
            "HEAD",
            "--format",
            "markdown",
            "--out",
            path.join(dir, "out"),
        ]);
        assert.strictEqual(res.status, 0, res.stderr);
        const out = res.stdout;
        assert.ok(
            out.startsWith("<!-- release-plan-diff:prod -->\n## Plan diff: `prod`"),
            out.slice(0, 200),
        );
        assert.match(out, /^\*\*Traffic: /m);
        assert.strictEqual(fs.readFileSync(path.join(dir, "out", "diff.md"), "utf8"), out);
    });

    it("refuses an unknown --format with a usage error (exit 1)", async () => {
        const { status, stderr } = await runPlanCli(["prod", "--diff", "HEAD", "--format", "html"]);
        assert.strictEqual(status, 1);
        assert.match(stderr, /^--format must be text or markdown \(got html\)$/m);
    });
});
