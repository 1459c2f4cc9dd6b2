// The backup staleness alert under the real tool: `promtool test rules test/backup-alerts/*.yaml`
// against the backups group of NoteVault's rendered PrometheusRule (only that group, so promtool
// evaluates one rule, not the catalogue). Without promtool: CI fails, a local run skips loudly.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../scripts/lib/plan";
import { writeRulesFile } from "../scripts/lib/rulesFile";
import type { Plan } from "../scripts/lib/plan";
import { planStack } from "./helpers";

const INSTALL = "apt-get update && apt-get install -y --no-install-recommends prometheus";
const STACK = "examples/notevault/Pulumi.prod.yaml";
/** Where the tests' rule_files look for the group. */
const OUT = path.join("out", "backup-alerts", "notevault");
const writeBackupRules = (dir: string, plan: Plan) =>
    writeRulesFile(path.join(dir, OUT), plan, "backup-rules.yaml", (g) => g.endsWith(".backups"));
const TESTS = path.join("test", "backup-alerts", "notevault.yaml");

function promtool(args: string[], cwd = REPO_ROOT) {
    const r = spawnSync("promtool", args, { cwd, encoding: "utf8" });
    return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}`, error: r.error };
}

describe("backup staleness alert under promtool", function () {
    this.timeout(120_000);

    before(function () {
        if (promtool(["--version"]).error) {
            if (process.env.CI === "true") {
                throw new Error(`promtool must be installed in CI (${INSTALL})`);
            }
            console.warn(
                `\n  !!!!! SKIPPED: promtool is not installed, so the backup alert was NOT checked.\n` +
                    `  !!!!! Install it with: ${INSTALL}\n`,
            );
            this.skip();
        }
    });

    it("fires 26 h after the last success and for a backup that never succeeded; silent otherwise", async () => {
        assert.ok(writeBackupRules(REPO_ROOT, await planStack(STACK)), "no backups group");
        const r = promtool(["test", "rules", TESTS]);
        assert.equal(r.status, 0, r.output);
    });

    it("the tests fail when the stack file moves the limit", async () => {
        // Same layout in a temp dir, so the tests' ../../out/ci path resolves to the edited rules.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "promtool-backup-"));
        try {
            fs.mkdirSync(path.join(dir, "test", "backup-alerts"), { recursive: true });
            fs.copyFileSync(path.join(REPO_ROOT, TESTS), path.join(dir, TESTS));
            const plan = await planStack(STACK, (c) => (c.database.backup.maxAgeHours = 30));
            writeBackupRules(dir, plan);
            const r = promtool(["test", "rules", TESTS], dir);
            assert.notEqual(r.status, 0, "the tests should have caught the moved limit");
            assert.match(r.output, /fires 26 h after the last success/);
            assert.doesNotMatch(r.output, /stays silent/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
