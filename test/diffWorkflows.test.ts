// The CI workflows that preview and deploy: valid YAML, every action pinned to a commit, the
// preview wired as the issue asks, and the deploy gated behind environments.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

const DIR = path.resolve(__dirname, "..", ".github", "workflows");

type Obj = Record<string, any>;

function load(file: string): { doc: Obj; text: string } {
    const text = fs.readFileSync(path.join(DIR, file), "utf8");
    return { doc: parse(text) as Obj, text };
}

const steps = (doc: Obj, job: string): Obj[] => doc.jobs[job].steps as Obj[];
const step = (doc: Obj, job: string, action: string): Obj => {
    const s = steps(doc, job).find((x) => String(x.uses ?? "").startsWith(`${action}@`));
    assert.ok(s, `${job} must use ${action}`);
    return s;
};

describe("CI workflows", () => {
    const files = fs.readdirSync(DIR).filter((f) => f.endsWith(".yml"));

    it("exist for previews, the fork-safe diff comment, deploys and releases", () => {
        assert.deepStrictEqual(files.sort(), [
            "deploy.yml",
            "plan-diff-comment.yml",
            "preview.yml",
            "release.yml",
        ]);
    });

    for (const file of files) {
        it(`${file}: pins every action to a full commit SHA with its tag in a comment`, () => {
            const { doc, text } = load(file);
            assert.ok(doc.name && doc.on && doc.jobs, "must be a workflow");
            const uses = text.split("\n").filter((l) => /^\s*-?\s*uses:/.test(l));
            assert.ok(uses.length > 0);
            for (const line of uses) {
                assert.match(line, /uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/, line);
            }
        });
    }

    it("preview.yml runs pulumi preview per stack with policies, diff and PR comments over OIDC", () => {
        const { doc } = load("preview.yml");
        assert.ok(doc.on.pull_request);
        const job = doc.jobs.preview;
        // The matrix is the stack files, listed by the `stacks` job.
        assert.strictEqual(job.needs, "stacks");
        assert.strictEqual(
            job.strategy.matrix.stack,
            "${{ fromJSON(needs.stacks.outputs.stacks) }}",
        );
        assert.strictEqual(job.permissions["id-token"], "write");
        const pulumi = step(doc, "preview", "pulumi/actions");
        assert.strictEqual(pulumi.with.command, "preview");
        assert.strictEqual(pulumi.with["comment-on-pr"], true);
        assert.strictEqual(pulumi.with["edit-pr-comment"], true);
        assert.strictEqual(pulumi.with.diff, true);
        assert.strictEqual(pulumi.with.policyPacks, "policies");
        const aws = step(doc, "preview", "aws-actions/configure-aws-credentials");
        assert.match(aws.with["role-to-assume"], /^\$\{\{ vars\./);
        assert.ok(!("aws-access-key-id" in aws.with), "no long-lived keys");
    });

    it("preview.yml plans the offline diff with no cloud credentials and uploads it", () => {
        const { doc } = load("preview.yml");
        const job = doc.jobs["plan-diff"];
        assert.strictEqual(job.if, undefined, "the offline diff runs for forks too");
        assert.ok(!job.permissions || !job.permissions["id-token"]);
        const run = steps(doc, "plan-diff")
            .map((s) => String(s.run ?? ""))
            .join("\n");
        assert.match(
            run,
            /npm run --silent plan -- "\$\{\{ matrix\.stack \}\}" --diff HEAD\^1 --format markdown/,
        );
        step(doc, "plan-diff", "actions/upload-artifact");
    });

    it("plan-diff-comment.yml comments from the base repo without running PR code", () => {
        const { doc, text } = load("plan-diff-comment.yml");
        assert.deepStrictEqual(doc.on.workflow_run.workflows, ["PR preview"]);
        assert.ok(!/actions\/checkout@/.test(text), "must not check out the PR");
        assert.ok(!/npm (ci|run|install)/.test(text), "must not run PR code");
        assert.strictEqual(doc.permissions["pull-requests"], "write");
        const script = step(doc, "comment", "actions/github-script").with.script as string;
        assert.match(script, /release-plan-diff:\$\{stack\}/);
        assert.match(script, /head\.sha !== context\.payload\.workflow_run\.head_sha/);
    });

    it("deploy.yml updates staging on push to main and prod only by dispatch, in environments", () => {
        const { doc } = load("deploy.yml");
        assert.deepStrictEqual(doc.on.push.branches, ["main"]);
        assert.ok(doc.on.workflow_dispatch);
        const job = doc.jobs.up;
        assert.strictEqual(
            job.environment,
            "${{ github.event_name == 'push' && 'staging' || inputs.stack }}",
        );
        assert.strictEqual(job.if, "github.ref == 'refs/heads/main'");
        assert.strictEqual(job.permissions["id-token"], "write");
        assert.strictEqual(job.concurrency["cancel-in-progress"], false);
        const pulumi = step(doc, "up", "pulumi/actions");
        assert.strictEqual(pulumi.with.command, "up");
        assert.strictEqual(pulumi.with.policyPacks, "policies");
    });
});
