// `npm run shift`: a release step as a stack-file edit that keeps comments, equals the config a
// `pulumi config set --path` would leave, and is refused (file untouched) when the schema says no.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { ConfigError } from "../config";
import { diffPlans } from "../scripts/lib/graphDiff";
import { planProgram } from "../scripts/lib/plan";
import { loadStackInput } from "../scripts/lib/stackFile";
import { applyEdits, planStep, shift, ShiftError } from "../scripts/shift";
import { planStack } from "./helpers";

const ROOT = path.resolve(__dirname, "..");

/** Line-level changes between two texts of equal line count (the edits never add lines here). */
function changedLines(a: string, b: string): string[] {
    const x = a.split("\n");
    const y = b.split("\n");
    assert.strictEqual(x.length, y.length, "line count must not change");
    return y.filter((line, i) => line !== x[i]);
}

describe("npm run shift", () => {
    let dir: string;
    let file: string;
    const original = fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8");
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "shift-"));
        file = path.join(dir, "Pulumi.prod.yaml");
        fs.writeFileSync(file, original);
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("a weight step changes one line and keeps every comment", () => {
        const res = shift(file, "50");
        const after = fs.readFileSync(file, "utf8");
        assert.deepStrictEqual(changedLines(original, after), ["        canaryWeight: 50"]);
        const comments = (t: string) => t.split("\n").filter((l) => l.trim().startsWith("#"));
        assert.deepStrictEqual(comments(after), comments(original));
        assert.strictEqual(parse(after).config["release:traffic"].canaryWeight, 50);
        assert.match(res.message, /traffic\.canaryWeight 25 → 50/);
        assert.match(res.message, /^Next: {4}pulumi up --stack prod/m);
    });

    it("plans exactly like the same change made to the config", async () => {
        shift(file, "50");
        const input = loadStackInput(file);
        const shifted = await planProgram({
            stack: input.stack,
            project: input.project,
            config: input.config,
            secretKeys: input.secretKeys,
        });
        const edited = await planStack("prod", (c) => (c.traffic.canaryWeight = 50));
        assert.deepStrictEqual(diffPlans(edited, shifted), {
            created: [],
            deleted: [],
            changed: [],
        });
    });

    it("promote makes the canary stable at weight 0; rollback sends all traffic to stable", () => {
        shift(file, "promote");
        let traffic = parse(fs.readFileSync(file, "utf8")).config["release:traffic"];
        assert.deepStrictEqual([traffic.stable, traffic.canaryWeight], ["green", 0]);
        shift(file, "25");
        shift(file, "rollback");
        traffic = parse(fs.readFileSync(file, "utf8")).config["release:traffic"];
        assert.deepStrictEqual([traffic.stable, traffic.canaryWeight], ["green", 0]);
    });

    it("refuses what the schema rejects and leaves the file untouched", () => {
        assert.throws(
            () => shift(file, "150"),
            (e: Error) =>
                e instanceof ConfigError &&
                e.problems.includes(
                    "release:traffic.canaryWeight must be an integer 0–100 (got 150)",
                ),
        );
        assert.strictEqual(fs.readFileSync(file, "utf8"), original);
        // Promoting a colour that has no version would route everything to nothing.
        const noGreen = original.replace(/\n {8}green:\n {12}version: [^\n]+/, "");
        assert.notStrictEqual(noGreen, original);
        fs.writeFileSync(file, noGreen);
        assert.throws(() => shift(file, "promote"), /release:colors\.green\.version must be set/);
        assert.strictEqual(fs.readFileSync(file, "utf8"), noGreen);
    });

    it("refuses an unknown step before touching anything", () => {
        assert.throws(() => shift(file, "halfway"), ShiftError);
        assert.throws(() => planStep("promote", { stable: "red" }), /stable must be blue or green/);
        assert.strictEqual(fs.readFileSync(file, "utf8"), original);
    });

    it("adds a missing canaryWeight as a sibling line instead of rewriting the file", () => {
        const text =
            "# c\nconfig:\n    release:traffic:\n        stable: blue # keep\n    other: { a: 1 }\n";
        const out = applyEdits(text, [{ key: "canaryWeight", from: undefined, to: 10 }]);
        assert.strictEqual(
            out,
            "# c\nconfig:\n    release:traffic:\n        stable: blue # keep\n        canaryWeight: 10\n    other: { a: 1 }\n",
        );
    });
});
