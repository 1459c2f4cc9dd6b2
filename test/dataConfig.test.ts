// Data-tier config rules (issue 3): a bad `release:network` / `database` / `cache` value stops the
// plan with a message naming the key, the value and the rule, before any resource registers.
import * as assert from "assert";
import { PROD_MIN_BACKUP_RETENTION_DAYS, dataProblems } from "../config/data";
import { DATA_CONFIG_CASES } from "./configCases";
import { configProblems, planStack } from "./helpers";
import { happyConfig } from "./parsedStacks";

const cases = DATA_CONFIG_CASES;

describe("data tier config", () => {
    for (const [name, stack, edit, message] of cases) {
        it(`rejects ${name}`, async () => {
            const problems = await configProblems(stack, edit);
            assert.ok(
                problems.includes(message),
                `expected:\n  ${message}\ngot:\n  ${problems.join("\n  ")}`,
            );
        });
    }

    it("accepts the prod minimum retention and automated snapshot / ARN restore sources", async () => {
        const sources: [string, string][] = [
            ["rds:nova-prod-2026-11-20-00-31", "nova-prod-restored-2026-11-20-00-31"],
            [
                "arn:aws:rds:eu-west-1:123456789012:snapshot:nova-prod-pre-v1-2-4",
                "nova-prod-restored-pre-v1-2-4",
            ],
        ];
        for (const [ref, restored] of sources) {
            const plan = await planStack("prod", (c) => {
                c.database.backupRetentionDays = PROD_MIN_BACKUP_RETENTION_DAYS;
                c.database.restoreFromSnapshot = ref;
                c.data = { writes: "stopped" };
            });
            const db = plan.outputs.database as { identifier: string };
            assert.strictEqual(db.identifier, restored);
        }
    });

    it("names the migration workload by a key the stack declares, not an inherited name", () => {
        const cfg = happyConfig("prod");
        const db = cfg.database!;
        const migrator = (workload: string) =>
            dataProblems({ ...cfg, database: { ...db, migration: { ...db.migration, workload } } });
        assert.deepStrictEqual(migrator("api"), []);
        for (const workload of ["web", "constructor"]) {
            assert.deepStrictEqual(migrator(workload), [
                {
                    path: ["database", "migration", "workload"],
                    input: workload,
                    message: "must name a key of release:workloads (api)",
                },
            ]);
        }
    });

    it("keeps app-only stacks valid: the data sections are optional together", () => {
        const appOnly = {
            ...happyConfig("prod"),
            network: undefined,
            database: undefined,
            cache: undefined,
        };
        assert.deepStrictEqual(dataProblems(appOnly), []);
        // The same stack with its data tier is checked (the rules above do run on it).
        assert.notDeepStrictEqual(dataProblems({ ...happyConfig("prod"), network: undefined }), []);
    });
});
