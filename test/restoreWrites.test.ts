// A restore must not lose writes: it runs only while writes are stopped (every workload colour at
// zero pods), waits for that inside the update, and writes resume only from the instance the stack
// file names. Pure decisions first, then real plans of the program under mocks.
import * as assert from "assert";
import { writesProblems, type DatabaseConfig, type DataConfig } from "../config/data";
import { STOPPED_STEP, cronRuns, stopWrites } from "../decisions/writes";
import type { ReleaseOrder } from "../decisions/ordering";
import { diffPlans } from "../scripts/lib/graphDiff";
import { reviewPlans, renderText } from "../scripts/lib/planDiff";
import { resourceKey } from "../scripts/lib/plan";
import { describeWrites } from "../scripts/lib/summary";
import { runPolicies, hasMandatory } from "../scripts/lib/policyRunner";
import { RELEASE_EXIT, runRelease, type StepExecutor } from "../scripts/lib/release";
import { editedStackConfig } from "../scripts/lib/stackEdit";
import { parseStackConfig } from "../config";
import { byType, configProblems, inputs, one, planStack, type ConfigEdit } from "./helpers";

const INSTANCE = "aws:rds/instance:Instance";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const RESTORED = "nova-prod-restored-pre-v1-2-3";

const db = (extra: Partial<DatabaseConfig> = {}) =>
    ({ identifier: "nova-prod", ...extra }) as DatabaseConfig;
const serving: DataConfig = { writes: "serving" };
const stopped: DataConfig = { writes: "stopped" };

describe("restore stops writes first: the rule", () => {
    const cases: [string, DatabaseConfig | undefined, DataConfig, string[]][] = [
        ["no restore, writes served from the original", db(), serving, []],
        ["writes stopped, no restore", db(), stopped, []],
        [
            "a restore with writes stopped",
            db({ restoreFromSnapshot: "nova-prod-pre-v1-2-3" }),
            stopped,
            [],
        ],
        [
            "a restore confirmed: writes served from the restored instance",
            db({ restoreFromSnapshot: "nova-prod-pre-v1-2-3" }),
            { writes: "serving", servingFrom: RESTORED },
            [],
        ],
        [
            "a snapshot restore while writes are served",
            db({ restoreFromSnapshot: "nova-prod-pre-v1-2-3" }),
            serving,
            [
                `data.writes: must be stopped while release:database.restoreFromSnapshot moves the app to ${RESTORED}: stop writes in their own pulumi up first (pulumi config set --path data.writes stopped), so no pod writes to nova-prod during the restore; once the restored data is checked, set data.servingFrom to ${RESTORED} and data.writes to serving`,
            ],
        ],
        [
            "a second restore while writes are served from the first",
            db({ restoreToTime: "2026-11-22T03:15:00Z" }),
            { writes: "serving", servingFrom: RESTORED },
            [
                "data.writes: must be stopped while release:database.restoreToTime moves the app to nova-prod-pitr-20261122-0315: stop writes in their own pulumi up first (pulumi config set --path data.writes stopped), so no pod writes to nova-prod-restored-pre-v1-2-3 during the restore; once the restored data is checked, set data.servingFrom to nova-prod-pitr-20261122-0315 and data.writes to serving",
            ],
        ],
        [
            "undoing a restore (back to the original) while writes are served",
            db(),
            { writes: "serving", servingFrom: RESTORED },
            [
                "data.servingFrom: must name nova-prod, the instance the app uses (release:database.identifier, no restore set), while release:data.writes is serving: to leave a restored instance, stop writes first",
            ],
        ],
        [
            "servingFrom without a database",
            undefined,
            { writes: "serving", servingFrom: "nova-prod" },
            [
                "data.servingFrom: must not be set without release:database (it names the RDS instance the app writes to)",
            ],
        ],
    ];
    for (const [name, database, data, expected] of cases) {
        it(name, () => {
            const got = writesProblems(database, data).map(
                (p) => `${p.path.join(".")}: ${p.message}`,
            );
            assert.deepStrictEqual(got, expected);
        });
    }
});

describe("restore stops writes first: the decisions", () => {
    const order: ReleaseOrder<"api-blue" | "api-green"> = {
        steps: {
            "api-blue": {
                change: "shrink",
                phase: "after",
                replicas: 4,
                hpa: { minReplicas: 3, maxReplicas: 9 },
            },
            "api-green": {
                change: "grow",
                phase: "before",
                replicas: 3,
                hpa: { minReplicas: 3, maxReplicas: 9 },
            },
        },
        before: ["api-green"],
        after: ["api-blue"],
    };

    it("stopWrites puts every unit at zero pods with no HPA, none waiting for routing", () => {
        const s = stopWrites(order);
        assert.deepStrictEqual(s.steps, { "api-blue": STOPPED_STEP, "api-green": STOPPED_STEP });
        assert.deepStrictEqual(STOPPED_STEP, { change: "shrink", phase: "before", replicas: 0 });
        assert.deepStrictEqual(s.before.sort(), ["api-blue", "api-green"]);
        assert.deepStrictEqual(s.after, []);
    });

    it("runs a CronJob only on the stable colour and only while writes run", () => {
        assert.strictEqual(cronRuns("blue", "blue", false), true);
        assert.strictEqual(cronRuns("green", "blue", false), false);
        assert.strictEqual(cronRuns("blue", "blue", true), false);
    });

    it("the plan summary says writes are stopped and what the restore does", () => {
        assert.deepStrictEqual(
            describeWrites({ writes: { mode: "serving", database: "x", restoredFrom: null } }),
            [],
        );
        const lines = describeWrites({
            writes: { mode: "stopped", database: RESTORED, restoredFrom: "nova-prod-pre-v1-2-3" },
        });
        assert.match(
            lines[2],
            /^ {2}NOTICE writes stopped \(release:data\.writes\): every workload colour runs 0 pods/,
        );
        assert.match(
            lines[3],
            new RegExp(
                `^  DANGER restore: the app's database is ${RESTORED}, restored from nova-prod-pre-v1-2-3; .*starts only after every workload is at 0 pods`,
            ),
        );
    });
});

describe("restore stops writes first: the plan", function () {
    this.timeout(120000);
    const stop: ConfigEdit = (c) => (c.data = { writes: "stopped" });
    const restore: ConfigEdit = (c) => {
        stop(c);
        c.database.restoreFromSnapshot = "nova-prod-pre-v1-2-3";
    };

    it("refuses through the program with nothing registered, in the project's message style", async () => {
        const problems = await configProblems("prod", (c) => {
            c.database.restoreToTime = "2026-11-22T03:15:00Z";
        });
        assert.ok(
            problems.some((p) =>
                /^release:data\.writes must be stopped while release:database\.restoreToTime .* \(got "serving"\)$/.test(
                    p,
                ),
            ),
            problems.join("\n"),
        );
    });

    it("stopping writes scales every colour to zero and touches no data store", async () => {
        const before = await planStack("prod");
        const after = await planStack("prod", stop);
        const colours = byType(after, DEPLOYMENT).filter((d) => inputs(d).metadata.labels.color);
        assert.strictEqual(colours.length, 2);
        for (const d of colours) {
            assert.strictEqual(inputs(d).spec.replicas, 0, d.name);
            assert.strictEqual(inputs(d).metadata.annotations["release/writes"], "stopped");
        }
        assert.deepStrictEqual(byType(after, HPA), []);
        const diff = diffPlans(before, after);
        const touched = [...diff.created, ...diff.deleted, ...diff.changed.map((c) => c.key)];
        assert.deepStrictEqual(
            touched.filter((k) => /^aws:(rds|elasticache)\//.test(k)),
            [],
        );
        assert.strictEqual((after.outputs.writes as { mode: string }).mode, "stopped");
    });

    it("the restore waits for every colour at zero pods; the original stays protected", async () => {
        const plan = await planStack("prod", restore);
        const restored = plan.resources.find(
            (r) => r.type === INSTANCE && inputs(r).identifier === RESTORED,
        )!;
        const colours = byType(plan, DEPLOYMENT)
            .filter((d) => inputs(d).metadata.labels.color)
            .map(resourceKey);
        for (const key of colours) assert.ok(restored.options.dependsOn.includes(key), key);
        // The colours, in turn, do not wait for the datastore Secret (no cycle, no pods anyway).
        for (const d of byType(plan, DEPLOYMENT).filter((x) => inputs(x).metadata.labels.color)) {
            assert.ok(
                !d.options.dependsOn.some((k) => k.startsWith("kubernetes:core/v1:Secret::")),
                d.name,
            );
        }
        const original = one(plan, INSTANCE, "nova-api-data-db-primary");
        assert.strictEqual(inputs(original).identifier, "nova-prod");
        assert.ok(original.options.protect);
        assert.strictEqual(inputs(original).deletionProtection, true);
        const run = await runPolicies(plan);
        assert.ok(!hasMandatory(run), JSON.stringify(run.violations, null, 1));
    });

    it("--diff marks a restore started while the base still serves writes", async () => {
        const review = reviewPlans(
            await planStack("prod"),
            await planStack("prod", restore),
            "base",
        );
        const d = review.dangers.find((x) => x.kind === "restore");
        assert.ok(d, renderText(review));
        assert.strictEqual(d.key, `${INSTANCE}::nova-api-data-db-restored`);
        assert.match(
            d.reason,
            /while the base still serves writes: writes made to nova-prod until this update stops them are not in/,
        );
        assert.match(
            renderText(review),
            /!! RESTORE aws:rds\/instance:Instance::nova-api-data-db-restored/,
        );
    });

    it("--diff says a restore after a separate stop loses no writes", async () => {
        const review = reviewPlans(
            await planStack("prod", stop),
            await planStack("prod", restore),
            "base",
        );
        const d = review.dangers.find((x) => x.kind === "restore");
        assert.ok(d);
        assert.match(
            d.reason,
            /writes were stopped in the base, so no pod writes to nova-prod meanwhile/,
        );
    });

    it("resuming writes and a traffic step after it touch no data store", async () => {
        const resumed: ConfigEdit = (c) => {
            c.database.restoreFromSnapshot = "nova-prod-pre-v1-2-3";
            c.data = { writes: "serving", servingFrom: RESTORED };
        };
        const stepped: ConfigEdit = (c) => {
            resumed(c);
            c.traffic.canaryWeight = 50;
        };
        const plans = [
            await planStack("prod", restore),
            await planStack("prod", resumed),
            await planStack("prod", stepped),
        ];
        for (let i = 1; i < plans.length; i++) {
            const diff = diffPlans(plans[i - 1], plans[i]);
            const touched = [...diff.created, ...diff.deleted, ...diff.changed.map((c) => c.key)];
            assert.deepStrictEqual(
                touched.filter((k) => /^aws:(rds|elasticache)\//.test(k)),
                [],
                `step ${i}`,
            );
        }
    });

    it("resuming writes from the restored instance brings the colours back with their HPAs", async () => {
        const plan = await planStack("prod", (c) => {
            c.database.restoreFromSnapshot = "nova-prod-pre-v1-2-3";
            c.data = { writes: "serving", servingFrom: RESTORED };
        });
        const blue = one(plan, DEPLOYMENT, "nova-api-blue-deployment");
        assert.ok(inputs(blue).spec.replicas > 0);
        assert.strictEqual(inputs(blue).metadata.annotations, undefined);
        assert.strictEqual(byType(plan, HPA).length, 2);
        assert.strictEqual((plan.outputs.database as { identifier: string }).identifier, RESTORED);
    });
});

describe("restore stops writes first: the release loop", () => {
    it("refuses to start while writes are stopped, before it changes anything", async () => {
        const { config } = editedStackConfig("prod", (c) => (c.data = { writes: "stopped" }));
        const short = Object.entries(config)
            .filter(([k]) => k.startsWith("release:"))
            .map(([k, v]) => [k.slice("release:".length), v]);
        const cfg = parseStackConfig(Object.fromEntries(short));
        const applied: unknown[] = [];
        const executor: StepExecutor = {
            description: "test",
            readConfig: async () => cfg,
            apply: async (change) => void applied.push(change),
            webhook: async () => undefined,
        };
        const log: string[] = [];
        const code = await runRelease({ stack: "prod", executor, log: (l) => log.push(l) });
        assert.strictEqual(code, RELEASE_EXIT.usage);
        assert.deepStrictEqual(applied, []);
        assert.match(log.join("\n"), /refused to start: release:data\.writes is stopped/);
    });
});
