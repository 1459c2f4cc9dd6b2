// `npm run mutate` must cover every decision module, config file and policy file, each against
// test files that exist, so a new module cannot slip out of mutation testing unnoticed.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import {
    DEFAULT_SET,
    fileScore,
    groupByTests,
    mustReachFloor,
    mutatedFiles,
    NOT_MUTATED,
    ROOT,
    testsFor,
} from "../scripts/lib/mutationTargets";

describe("mutation testing targets", () => {
    it("covers every .ts file in decisions/, config/ and policies/ but the listed exceptions", () => {
        const files = mutatedFiles();
        for (const dir of ["decisions", "config", "policies"]) {
            for (const f of fs.readdirSync(path.join(ROOT, dir))) {
                if (!f.endsWith(".ts")) continue;
                const rel = `${dir}/${f}`;
                assert.equal(files.includes(rel), !(rel in NOT_MUTATED), rel);
            }
        }
        assert.ok(files.includes("decisions/routing.ts"));
        assert.ok(!files.includes("policies/index.ts"));
    });

    it("runs the decision modules and the policy pack by default; config/ on request", () => {
        const files = mutatedFiles(DEFAULT_SET);
        assert.ok(files.includes("decisions/routing.ts"));
        assert.ok(files.includes("policies/release.ts"));
        assert.ok(files.every((f) => mustReachFloor(f)));
        assert.deepEqual(
            mutatedFiles(["config"]),
            mutatedFiles().filter((f) => f.startsWith("config/")),
        );
    });

    it("gives config/ and the alert catalogue pure test lists (static mutants run them whole)", () => {
        for (const f of [...mutatedFiles(["config"]), "policies/alertCatalogue.ts"]) {
            for (const t of testsFor(f)) {
                const src = fs.readFileSync(path.join(ROOT, t), "utf8");
                assert.doesNotMatch(
                    src,
                    /planStack|configProblems|runPlanCli|child_process/,
                    `${f}: ${t}`,
                );
            }
        }
    });

    it("maps each mutated file to test files that exist", () => {
        for (const f of mutatedFiles()) {
            const tests = testsFor(f);
            assert.ok(tests.length > 0, f);
            for (const t of tests) assert.ok(fs.existsSync(path.join(ROOT, t)), `${f}: ${t}`);
        }
        assert.deepEqual(testsFor("decisions/routing.ts:10-20"), testsFor("decisions/routing.ts"));
        assert.throws(
            () => testsFor("components/app/colorDeployment.ts"),
            /has no tests for mutation testing/,
        );
    });

    it("runs files that share their tests together", () => {
        const groups = groupByTests([
            "policies/release.ts",
            "decisions/routing.ts",
            "policies/database.ts",
        ]);
        assert.deepEqual(
            groups.map((g) => g.files),
            [["policies/release.ts", "policies/database.ts"], ["decisions/routing.ts"]],
        );
    });

    it("carries a target's grep, as mocha reads it, into its own group", () => {
        const [g] = groupByTests(["decisions/podIdentity.ts"]);
        assert.ok(g.grep);
        // Mocha turns "/source/flags" into a RegExp and matches it against full test titles.
        const [, source, flags] = /^\/(.*)\/([gimy]{0,4})$/.exec(g.grep)!;
        const re = new RegExp(source, flags);
        assert.ok(re.test("pod identity policy builders trusts only the one ServiceAccount"));
        assert.ok(!re.test("PodIdentity component annotates the ServiceAccount"));
        assert.ok(!re.test("release:cluster names the key, the value and the rule"));
        assert.strictEqual(groupByTests(["decisions/routing.ts"])[0].grep, undefined);
    });

    it("holds decision modules and policy files to the floor, not config/", () => {
        assert.ok(mustReachFloor("decisions/routing.ts"));
        assert.ok(mustReachFloor("policies/release.ts"));
        assert.ok(!mustReachFloor("config/app.ts"));
    });

    it("scores detected over valid mutants, leaving out ignored ones and errors", () => {
        const m = (status: string, n: number) => Array.from({ length: n }, () => ({ status }));
        const s = fileScore("x.ts", [
            ...m("Killed", 6),
            ...m("Timeout", 1),
            ...m("Survived", 2),
            ...m("NoCoverage", 1),
            ...m("Ignored", 5),
            ...m("CompileError", 1),
            ...m("RuntimeError", 1),
        ]);
        assert.deepEqual(s, {
            file: "x.ts",
            killed: 6,
            timeout: 1,
            survived: 2,
            noCoverage: 1,
            ignored: 5,
            errors: 2,
            score: 70,
        });
        assert.equal(fileScore("empty.ts", []).score, 100);
    });
});
