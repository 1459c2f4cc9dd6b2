// The rendered rules under the real tool: `promtool check rules` on both stacks' files and the unit
// tests in test/alerts/*.yaml. Without promtool: CI fails, a local run skips loudly.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { ALERT_CATALOGUE } from "../decisions/alertRules";
import { REPO_ROOT } from "../scripts/lib/plan";
import { EXTRA_RULES_FILE, RULES_FILE, writeRulesFile } from "../scripts/lib/rulesFile";
import { loadStackInput } from "../scripts/lib/stackFile";
import { planStack, type StackName } from "./helpers";
import { EXAMPLE_STACKS } from "./workloadFixtures";

const INSTALL = "apt-get update && apt-get install -y --no-install-recommends prometheus";
const TESTS_DIR = path.join(REPO_ROOT, "test", "alerts");
const testFiles = () =>
    fs
        .readdirSync(TESTS_DIR)
        .filter((f) => f.endsWith(".yaml"))
        .sort()
        .map((f) => path.join("test", "alerts", f));

function promtool(args: string[], cwd = REPO_ROOT) {
    const r = spawnSync("promtool", args, { cwd, encoding: "utf8" });
    return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}`, error: r.error };
}

interface AlertTest {
    eval_time: string;
    alertname: string;
    exp_alerts?: unknown[];
}

describe("promtool unit tests (test/alerts)", () => {
    it("has a firing and a silent promtool test for every alert in the catalogue", () => {
        const firing = new Set<string>();
        const silent = new Set<string>();
        for (const file of testFiles()) {
            const doc = parse(fs.readFileSync(path.join(REPO_ROOT, file), "utf8"));
            assert.deepEqual(doc.rule_files, [`../../out/prod/${RULES_FILE}`], file);
            for (const t of doc.tests) {
                for (const a of (t.alert_rule_test ?? []) as AlertTest[]) {
                    ((a.exp_alerts ?? []).length > 0 ? firing : silent).add(a.alertname);
                }
            }
        }
        for (const [id, names] of Object.entries(ALERT_CATALOGUE)) {
            for (const name of names) {
                assert.ok(firing.has(name), `${id} ${name} has no test where it fires`);
                assert.ok(silent.has(name), `${id} ${name} has no test where it stays silent`);
            }
        }
        // The stack's own alerts (release:monitoring.extraAlerts) too.
        const extras = ((loadStackInput("prod").config["release:monitoring"] as any)?.extraAlerts ??
            []) as { name: string }[];
        assert.ok(extras.length > 0, "prod declares its runbook's own alerts");
        for (const { name } of extras) {
            assert.ok(firing.has(name), `extra alert ${name} has no test where it fires`);
            assert.ok(silent.has(name), `extra alert ${name} has no test where it stays silent`);
        }
    });
});

describe("alert rules under promtool", function () {
    this.timeout(120_000);

    before(async function () {
        if (promtool(["--version"]).error) {
            if (process.env.CI === "true") {
                throw new Error(`promtool must be installed in CI (${INSTALL})`);
            }
            console.warn(
                `\n  !!!!! SKIPPED: promtool is not installed, so the alert rules were NOT checked.\n` +
                    `  !!!!! Install it with: ${INSTALL}\n`,
            );
            this.skip();
        }
        // Regenerate out/<stack>/prometheus-rules.yaml through the real plan, as `npm run plan` does.
        for (const stack of ["staging", "prod"] as StackName[]) {
            writeRulesFile(path.join(REPO_ROOT, "out", stack), await planStack(stack));
        }
    });

    for (const stack of ["staging", "prod"]) {
        it(`promtool check rules accepts ${stack}'s rules file`, () => {
            const r = promtool(["check", "rules", path.join("out", stack, RULES_FILE)]);
            assert.equal(r.status, 0, r.output);
            assert.match(r.output, /SUCCESS: \d+ rules found/);
        });
    }

    it("promtool test rules test/alerts/*.yaml passes against prod's rules", () => {
        const r = promtool(["test", "rules", ...testFiles()]);
        assert.equal(r.status, 0, r.output);
    });

    it("parses every dashboard query as PromQL", async () => {
        const cm = (await planStack("prod")).resources.find(
            (r) => (r.inputs as any).metadata?.labels?.grafana_dashboard === "1",
        );
        const dash = JSON.parse(Object.values((cm!.inputs as any).data)[0] as string);
        const exprs: string[] = dash.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr));
        assert.ok(exprs.length >= 7);
        // promtool parses recording rules' expressions: wrap each query as one.
        const rules = exprs.map((expr, i) => ({ record: `dashboard:query:${i}`, expr }));
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dashboard-"));
        try {
            const file = path.join(dir, "dashboard-queries.yaml");
            fs.writeFileSync(file, stringify({ groups: [{ name: "dashboard", rules }] }));
            const r = promtool(["check", "rules", file]);
            assert.equal(r.status, 0, r.output);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the unit tests fail when a stack file moves a threshold", async () => {
        // Same layout in a temp dir, so the tests' ../../out/prod path resolves to the edited rules.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-"));
        try {
            fs.mkdirSync(path.join(dir, "test", "alerts"), { recursive: true });
            // app.yaml holds the HighErrorRate tests (and AL-02 … AL-06, AL-14, which must still pass).
            const appTests = path.join("test", "alerts", "app.yaml");
            fs.copyFileSync(path.join(REPO_ROOT, appTests), path.join(dir, appTests));
            const plan = await planStack("prod", (c) => {
                c.monitoring.alerts.highErrorRate.critical.threshold = 0.003;
            });
            writeRulesFile(path.join(dir, "out", "prod"), plan);
            const r = promtool(["test", "rules", appTests], dir);
            assert.notEqual(r.status, 0, "the tests should have caught the moved threshold");
            // 0.2 % errors no longer page: the HighErrorRate firing test is what fails.
            assert.match(r.output, /alertname: HighErrorRate/);
            assert.doesNotMatch(r.output, /alertname: (?!HighErrorRate)\w+/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

// Each example's own alerts (release:monitoring.extraAlerts) against its own rules: a firing and a
// silent case for every one, in test/alerts/examples/<system>*.yaml. The tests load only the
// stack's extra group, so a week of samples (Architect's QPS baseline) evaluates in about a second;
// the whole file still goes through `promtool check rules`.
describe("promtool unit tests of the examples' own alerts (test/alerts/examples)", function () {
    this.timeout(120_000);
    const EXAMPLE_TESTS = path.join(TESTS_DIR, "examples");
    const systemOf = (stack: string) => stack.split(/[\\/]/)[1];
    const outDir = (system: string) => path.join(REPO_ROOT, "out", "examples", system);
    const filesOf = (system: string) =>
        fs
            .readdirSync(EXAMPLE_TESTS)
            .filter(
                (f) =>
                    f === `${system}.yaml` || (f.startsWith(`${system}.`) && f.endsWith(".yaml")),
            )
            .map((f) => path.join("test", "alerts", "examples", f));

    for (const stack of EXAMPLE_STACKS) {
        const system = systemOf(stack);
        it(`${stack}: declares its runbook's own alerts, each with a firing and a silent test`, () => {
            const extras = ((loadStackInput(stack).config["release:monitoring"] as any)
                ?.extraAlerts ?? []) as { name: string }[];
            assert.ok(extras.length > 0, `${stack} declares no extra alerts`);
            const firing = new Set<string>();
            const silent = new Set<string>();
            const files = filesOf(system);
            assert.ok(files.length > 0, `no test/alerts/examples/${system}.yaml`);
            for (const file of files) {
                const doc = parse(fs.readFileSync(path.join(REPO_ROOT, file), "utf8"));
                assert.deepEqual(
                    doc.rule_files,
                    [`../../../out/examples/${system}/${EXTRA_RULES_FILE}`],
                    file,
                );
                for (const t of doc.tests) {
                    for (const a of (t.alert_rule_test ?? []) as AlertTest[]) {
                        ((a.exp_alerts ?? []).length > 0 ? firing : silent).add(a.alertname);
                    }
                }
            }
            for (const { name } of extras) {
                assert.ok(firing.has(name), `${name} has no test where it fires`);
                assert.ok(silent.has(name), `${name} has no test where it stays silent`);
            }
        });
    }

    describe("under promtool", function () {
        before(async function () {
            if (promtool(["--version"]).error) {
                if (process.env.CI === "true") {
                    throw new Error(`promtool must be installed in CI (${INSTALL})`);
                }
                console.warn(`\n  !!!!! SKIPPED: promtool is not installed (${INSTALL})\n`);
                this.skip();
            }
        });

        // A system may have several stacks (Architect's two regions): each stack's rules are
        // written where its system's tests read them, then tested, one stack after the other.
        const unitRuns = new Map<string, ReturnType<typeof promtool>>();
        for (const stack of EXAMPLE_STACKS) {
            it(`${stack}: promtool checks its rules and passes its system's unit tests`, async () => {
                const system = systemOf(stack);
                const plan = await planStack(stack);
                const dir = outDir(system);
                const full = writeRulesFile(dir, plan)!;
                writeRulesFile(dir, plan, EXTRA_RULES_FILE, (g) => g.endsWith(".extra"));
                const check = promtool(["check", "rules", full]);
                assert.equal(check.status, 0, check.output);
                const files = filesOf(system);
                // Architect's regions render the same extra rules (bar the header comment naming
                // the stack): its tests run once for both.
                const rules = fs.readFileSync(path.join(dir, EXTRA_RULES_FILE), "utf8");
                const key = JSON.stringify([files, rules.replace(/^#.*\n/gm, "")]);
                let r = unitRuns.get(key);
                if (!r) unitRuns.set(key, (r = promtool(["test", "rules", ...files])));
                assert.equal(r.status, 0, r.output);
                assert.equal(r.output.match(/SUCCESS/g)?.length, files.length, r.output);
            });
        }
    });
});
