// The data tier's five invariants (issue 3), proved on planned graphs under mocks: traffic changes
// never touch a data store, a release adds exactly one snapshot and one migration, prod stores are
// protected, no credential is ever plain text, and a restore adds an instance and keeps the old one.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { diffPlans, type GraphDiff } from "../scripts/lib/graphDiff";
import { MOCK_SECRET_PREFIX } from "../scripts/lib/mockOutputs";
import { resourceKey, type Plan, type PlannedResource } from "../scripts/lib/plan";
import {
    byType,
    inputs,
    one,
    planStack,
    runPlanCli,
    type ConfigEdit,
    type StackName,
} from "./helpers";

const DATA_TYPE = /^aws:(rds|elasticache)\//;
const INSTANCE = "aws:rds/instance:Instance";
const SNAPSHOT = "aws:rds/snapshot:Snapshot";
const REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup";
const JOB = "kubernetes:batch/v1:Job";
const ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";

/** Data-store resources a plan change creates, deletes or modifies. */
function dataTouched(diff: GraphDiff): string[] {
    const typeOf = (key: string) => key.split("::")[0];
    return [
        ...diff.created.filter((k) => DATA_TYPE.test(typeOf(k))).map((k) => `created ${k}`),
        ...diff.deleted.filter((k) => DATA_TYPE.test(typeOf(k))).map((k) => `deleted ${k}`),
        ...diff.changed
            .filter((c) => DATA_TYPE.test(c.type))
            .map((c) => `changed ${c.key}: ${c.fields.join(", ")}`),
    ];
}

/** A restore as the docs give it: writes stopped in the same stack file. */
const restoreSnapshot: ConfigEdit = (c) => {
    c.database.restoreFromSnapshot = "nova-prod-pre-v1-2-3";
    c.data = { writes: "stopped" };
};

const ofType = (keys: string[], type: string) => keys.filter((k) => k.startsWith(`${type}::`));

/** Unedited stack plans, planned once for the whole file. */
const basePlans = new Map<StackName, Promise<Plan>>();
function basePlan(stack: StackName): Promise<Plan> {
    if (!basePlans.has(stack)) basePlans.set(stack, planStack(stack));
    return basePlans.get(stack)!;
}

describe("data tier safety", function () {
    describe("1. traffic and scale changes leave every data store untouched", () => {
        const steps: Record<string, { stack: StackName; from?: ConfigEdit; to: ConfigEdit }> = {
            "shift 25 → 50 (prod)": { stack: "prod", to: (c) => (c.traffic.canaryWeight = 50) },
            "shift 50 → 100 (staging)": {
                stack: "staging",
                to: (c) => (c.traffic.canaryWeight = 100),
            },
            "promotion: green (at 25 %) becomes stable (prod)": {
                stack: "prod",
                to: (c) => {
                    c.traffic.stable = "green";
                    c.traffic.canaryWeight = 0;
                },
            },
            "rollback: canary weight to 0 (prod)": {
                stack: "prod",
                to: (c) => (c.traffic.canaryWeight = 0),
            },
            "scale change: HPA bounds and baseline (prod)": {
                stack: "prod",
                to: (c) => {
                    c.autoscaling.maxReplicas = 14;
                    c.autoscaling.baselineReplicas = 8;
                    c.traffic.idleReplicas = 2;
                },
            },
        };
        for (const [name, step] of Object.entries(steps)) {
            it(name, async () => {
                const before = step.from
                    ? await planStack(step.stack, step.from)
                    : await basePlan(step.stack);
                const after = await planStack(step.stack, (c) => {
                    step.from?.(c);
                    step.to(c);
                });
                const diff = diffPlans(before, after);
                // Guard against a vacuous pass: the stores are in the plan and the step did something.
                assert.ok(
                    byType(before, INSTANCE).length > 0 &&
                        byType(before, REPLICATION_GROUP).length > 0,
                );
                assert.ok(diff.changed.length > 0, "the step must change something");
                assert.deepStrictEqual(dataTouched(diff), []);
                // Snapshots are keyed by version, so neither they nor the migrations move either.
                const moved = [...diff.created, ...diff.deleted, ...diff.changed.map((c) => c.key)];
                assert.deepStrictEqual(ofType(moved, JOB), [], "migration Jobs must not change");
                assert.deepStrictEqual(
                    moved.filter((k) => k.startsWith("random:")),
                    [],
                    "generated credentials must not change",
                );
            });
        }
    });

    describe("2. a new release version", () => {
        let prev: Plan;
        let next: Plan;
        let diff: GraphDiff;
        before(async () => {
            // Green (v1.2.4) was promoted; blue (v1.2.3) idles. The next release lands on blue.
            const promoted: ConfigEdit = (c) => {
                c.traffic.stable = "green";
                c.traffic.canaryWeight = 0;
            };
            prev = await planStack("prod", promoted);
            next = await planStack("prod", (c) => {
                promoted(c);
                c.colors.blue.version = "v1.2.5";
            });
            diff = diffPlans(prev, next);
        });

        it("adds exactly one snapshot, named <db>-pre-<version>, and one migration Job", () => {
            const snapshots = ofType(diff.created, SNAPSHOT);
            // The new version also gets its own smoke-test Job (one per colour it runs on).
            const jobs = ofType(diff.created, JOB).filter((k) => !k.includes("-smoke-"));
            assert.strictEqual(snapshots.length, 1, `snapshots created: ${snapshots}`);
            assert.strictEqual(jobs.length, 1, `jobs created: ${jobs}`);
            const snap = next.resources.find((r) => resourceKey(r) === snapshots[0])!;
            assert.strictEqual(inputs(snap).dbSnapshotIdentifier, "nova-prod-pre-v1-2-5");
            assert.strictEqual(inputs(snap).dbInstanceIdentifier, "nova-prod");
            const job = next.resources.find((r) => resourceKey(r) === jobs[0])!;
            const container = inputs(job).spec.template.spec.containers[0];
            assert.strictEqual(container.image, "registry.example.com/nova/user-service:v1.2.5");
            assert.strictEqual(inputs(job).metadata.name, "nova-api-migrate-v1-2-5");
            // Migrate after the snapshot; route after the migration.
            assert.ok(job.options.dependsOn.includes(snapshots[0]));
            const route = one(next, ROUTE, "nova-api-router-route");
            assert.ok(route.options.dependsOn.includes(jobs[0]), "route must wait for the Job");
            assert.ok(
                route.options.dependsOn.includes(snapshots[0]),
                "route must wait for the snapshot",
            );
        });

        it("changes no existing data resource; the version leaving keeps its snapshot in AWS", () => {
            const touched = dataTouched(diff).filter((t) => !t.startsWith(`created ${SNAPSHOT}`));
            const leaving = ofType(diff.deleted, SNAPSHOT);
            assert.deepStrictEqual(leaving, [`${SNAPSHOT}::nova-api-data-pre-v1-2-3-snapshot`]);
            for (const key of leaving) {
                const r = prev.resources.find((x) => resourceKey(x) === key)!;
                assert.ok(r.options.retainOnDelete, `${key} must be retained when it leaves`);
            }
            assert.deepStrictEqual(
                touched.filter((t) => !t.startsWith(`deleted ${SNAPSHOT}`)),
                [],
            );
        });

        it("keeps the still-deployed version's snapshot and Job exactly as they were", () => {
            const stays = [
                `${SNAPSHOT}::nova-api-data-pre-v1-2-4-snapshot`,
                `${JOB}::nova-api-data-migrate-v1-2-4-job`,
            ];
            for (const key of stays) {
                assert.ok(
                    next.resources.some((r) => resourceKey(r) === key),
                    `${key} kept`,
                );
                assert.ok(!diff.changed.some((c) => c.key === key), `${key} unchanged`);
            }
        });

        it("gives both colours on one version a single snapshot and Job", async () => {
            const plan = await planStack("prod", (c) => {
                c.colors.blue.version = c.colors.green.version;
            });
            assert.strictEqual(byType(plan, SNAPSHOT).length, 1);
            const migrations = byType(plan, JOB).filter(
                (j) => inputs(j).metadata.labels["app.kubernetes.io/component"] === "migration",
            );
            assert.strictEqual(migrations.length, 1);
        });
    });

    describe("3. prod data stores cannot be lost", () => {
        let prod: Plan;
        let staging: Plan;
        before(async () => {
            prod = await basePlan("prod");
            staging = await basePlan("staging");
        });

        it("protects every prod DB instance and the cache, with deletion protection and final snapshots", () => {
            const instances = byType(prod, INSTANCE);
            assert.ok(instances.length >= 2, "prod has a primary and a replica");
            for (const r of instances) {
                assert.ok(r.options.protect, `${r.name} must be protected`);
                assert.strictEqual(
                    inputs(r).deletionProtection,
                    true,
                    `${r.name} deletionProtection`,
                );
            }
            const primaries = instances.filter((r) => !inputs(r).replicateSourceDb);
            assert.strictEqual(primaries.length, 1);
            for (const r of primaries) {
                assert.strictEqual(inputs(r).skipFinalSnapshot, false);
                assert.strictEqual(
                    inputs(r).finalSnapshotIdentifier,
                    `${inputs(r).identifier}-final`,
                );
                assert.ok(inputs(r).backupRetentionPeriod >= 14);
                assert.strictEqual(inputs(r).multiAz, true);
            }
            for (const r of byType(prod, REPLICATION_GROUP)) {
                assert.ok(r.options.protect, `${r.name} must be protected`);
                assert.ok(inputs(r).finalSnapshotIdentifier);
                assert.strictEqual(inputs(r).automaticFailoverEnabled, true);
                assert.strictEqual(inputs(r).multiAzEnabled, true);
                assert.ok(inputs(r).numCacheClusters >= 2);
            }
        });

        it("retains release snapshots on delete and never protects them (they must be able to leave)", () => {
            for (const plan of [prod, staging]) {
                const snaps = byType(plan, SNAPSHOT);
                assert.ok(snaps.length > 0);
                for (const r of snaps) {
                    assert.ok(r.options.retainOnDelete, `${r.name} retainOnDelete`);
                    assert.ok(!r.options.protect, `${r.name} must not be protected`);
                }
            }
        });

        it("leaves staging stores unprotected, so staging can be torn down", () => {
            for (const r of [...byType(staging, INSTANCE), ...byType(staging, REPLICATION_GROUP)]) {
                assert.ok(!r.options.protect, r.name);
            }
        });

        it("encrypts, hides and fences every store (CL-03, CL-19, CL-21)", () => {
            for (const plan of [prod, staging]) {
                for (const r of byType(plan, INSTANCE)) {
                    assert.strictEqual(inputs(r).storageEncrypted, true);
                    assert.strictEqual(inputs(r).publiclyAccessible, false);
                    assert.match(inputs(r).engineVersion, /^16/);
                }
                for (const r of byType(plan, REPLICATION_GROUP)) {
                    assert.strictEqual(inputs(r).transitEncryptionEnabled, true);
                    assert.strictEqual(inputs(r).atRestEncryptionEnabled, true);
                    assert.strictEqual(inputs(r).authToken, "[secret]");
                }
                const params = byType(plan, "aws:rds/parameterGroup:ParameterGroup");
                assert.strictEqual(params.length, 1);
                assert.deepStrictEqual(
                    Object.fromEntries(
                        inputs(params[0]).parameters.map((p: any) => [p.name, p.value]),
                    ),
                    { "rds.force_ssl": "1", log_min_duration_statement: "1000" },
                );
                const rules = byType(
                    plan,
                    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                );
                assert.deepStrictEqual(rules.map((r) => inputs(r).fromPort).sort(), [5432, 6379]);
                const appSg =
                    plan.stack === "prod" ? "sg-0a1b2c3d4e5f60aa1" : "sg-0f1e2d3c4b5a60bb1";
                for (const r of rules) {
                    assert.strictEqual(inputs(r).referencedSecurityGroupId, appSg);
                    assert.strictEqual(inputs(r).cidrIpv4, undefined);
                    assert.strictEqual(inputs(r).cidrIpv6, undefined);
                    assert.strictEqual(inputs(r).toPort, inputs(r).fromPort);
                }
                for (const sg of byType(plan, "aws:ec2/securityGroup:SecurityGroup")) {
                    assert.strictEqual(inputs(sg).ingress, undefined, "no inline open ingress");
                }
            }
        });
    });

    describe("4. no password or token in plain text", () => {
        let dir: string;
        before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "data-secrets-"))));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        for (const stack of ["staging", "prod"] as const) {
            it(`${stack}: plan JSON, outputs and rendered YAML`, async () => {
                const plan = await basePlan(stack);
                const json = JSON.stringify(plan);
                assert.ok(!json.includes(MOCK_SECRET_PREFIX), "plan JSON leaks a generated secret");
                assert.ok(!JSON.stringify(plan.outputs).includes(MOCK_SECRET_PREFIX));
                assert.doesNotMatch(JSON.stringify(plan.outputs), /postgresql:\/\/|rediss:\/\//);
                // The credentials are in the plan, as secrets: not silently dropped.
                for (const r of byType(plan, INSTANCE).filter(
                    (x) => !inputs(x).replicateSourceDb,
                )) {
                    assert.strictEqual(inputs(r).password, "[secret]");
                }
                const secret = byType(plan, "kubernetes:core/v1:Secret").find(
                    (s) => inputs(s).metadata.name === plan.outputs.dataStoreSecret,
                );
                assert.ok(secret, "the datastore Secret exists");
                assert.strictEqual(inputs(secret).stringData, "[secret]");

                const out = path.join(dir, stack);
                const res = await runPlanCli([stack, "--out", out]);
                assert.ok(res.status === 0, res.stderr);
                const files = fs.readdirSync(path.join(out, "manifests"));
                assert.ok(
                    files.some((f) => f.startsWith("job-")),
                    "the Jobs are rendered",
                );
                for (const f of [...files.map((x) => path.join("manifests", x)), "plan.json"]) {
                    const text = fs.readFileSync(path.join(out, f), "utf8");
                    assert.ok(!text.includes(MOCK_SECRET_PREFIX), `${f} leaks a generated secret`);
                    assert.doesNotMatch(
                        text,
                        /postgresql:\/\/[^"\s]*:[^"\s]*@/,
                        `${f} has a DB URL`,
                    );
                }
            });
        }

        it("hands credentials to pods only by Secret reference", async () => {
            const plan = await basePlan("prod");
            const deployments = byType(plan, "kubernetes:apps/v1:Deployment");
            for (const color of ["blue", "green"]) {
                const d = deployments.find((x) => inputs(x).metadata.name === `nova-api-${color}`)!;
                const env = inputs(d).spec.template.spec.containers[0].env as any[];
                const fromData = env.filter(
                    (e) => e.valueFrom?.secretKeyRef?.name === plan.outputs.dataStoreSecret,
                );
                assert.deepStrictEqual(
                    fromData.map((e) => e.name),
                    ["DATABASE_URL", "DATABASE_REPLICA_1_URL", "REDIS_URL"],
                    `${color} reads the datastore Secret`,
                );
                for (const e of env) {
                    if (/URL|PASSWORD/.test(e.name)) assert.ok(e.valueFrom, `${color} ${e.name}`);
                }
            }
            const exporterName = (x: PlannedResource) =>
                inputs(x).metadata.labels["app.kubernetes.io/name"] as string;
            const exporters = deployments.filter((x) =>
                /^(postgres|redis)-exporter$/.test(exporterName(x)),
            );
            assert.strictEqual(exporters.length, 3, "primary, replica and redis exporters");
            // The CloudWatch exporter holds no credential at all: its pod identity hands out
            // short-lived ones.
            const cloudwatch = deployments.find((x) => exporterName(x) === "cloudwatch-exporter")!;
            assert.strictEqual(inputs(cloudwatch).spec.template.spec.containers[0].env, undefined);
            for (const d of exporters) {
                for (const e of inputs(d).spec.template.spec.containers[0].env) {
                    assert.strictEqual(e.value, undefined, `${d.name} ${e.name} is a literal`);
                    assert.strictEqual(e.valueFrom.secretKeyRef.name, plan.outputs.dataStoreSecret);
                }
            }
        });
    });

    describe("credentials and exporters", () => {
        it("generates credentials RDS and ElastiCache accept", async () => {
            const plan = await basePlan("prod");
            const passwords = byType(plan, "random:index/randomPassword:RandomPassword");
            const db = passwords.find((p) => p.name.endsWith("-db-password"))!;
            const token = passwords.find((p) => p.name.endsWith("-cache-auth-token"))!;
            assert.ok(inputs(db).length >= 32, "DB password ≥ 32 characters (CL-02)");
            for (const ch of ["/", "@", '"', " "]) {
                assert.ok(
                    !inputs(db).overrideSpecial.includes(ch),
                    `DB password may contain ${ch}`,
                );
            }
            assert.ok(inputs(token).length >= 16 && inputs(token).length <= 128);
            assert.match(inputs(token).overrideSpecial, /^[!&#$^<>-]+$/);
        });

        it("exposes exporter Services the alerting ServiceMonitors select", async () => {
            const plan = await basePlan("prod");
            const services = byType(plan, "kubernetes:core/v1:Service");
            for (const [name, port] of [
                ["postgres-exporter", 9187],
                ["redis-exporter", 9121],
            ] as const) {
                const svc = services.find((x) => inputs(x).metadata.name === name);
                assert.ok(svc, `${name} Service`);
                assert.strictEqual(inputs(svc).metadata.labels["app.kubernetes.io/name"], name);
                assert.deepStrictEqual(inputs(svc).spec.ports, [
                    { name: "metrics", port, targetPort: "metrics" },
                ]);
                const pods = byType(plan, "kubernetes:apps/v1:Deployment").filter(
                    (d) =>
                        inputs(d).spec.template.metadata.labels["app.kubernetes.io/name"] === name,
                );
                assert.ok(pods.length > 0, `${name} selects no pods`);
                for (const d of pods) {
                    const c = inputs(d).spec.template.spec.containers[0];
                    assert.match(c.image, /:v\d+\.\d+\.\d+$/, "pinned exporter image");
                    assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
                    assert.strictEqual(
                        inputs(d).spec.template.spec.securityContext.runAsNonRoot,
                        true,
                    );
                }
            }
            // One postgres exporter per DB instance: pg_up and replication lag for each.
            const pg = byType(plan, "kubernetes:apps/v1:Deployment").filter(
                (d) => inputs(d).metadata.labels["app.kubernetes.io/name"] === "postgres-exporter",
            );
            assert.deepStrictEqual(
                pg.map((d) => inputs(d).metadata.labels["app.kubernetes.io/instance"]).sort(),
                ["nova-prod", "nova-prod-replica-1"],
            );
        });
    });

    describe("5. restore", () => {
        it("from a release snapshot creates a new instance and keeps the old one untouched", async () => {
            const before = await basePlan("prod");
            const after = await planStack("prod", restoreSnapshot);
            const diff = diffPlans(before, after);
            const createdInstances = ofType(diff.created, INSTANCE).map((k) =>
                inputs(after.resources.find((r) => resourceKey(r) === k)!),
            );
            const restored = createdInstances.filter((i) => !i.replicateSourceDb);
            assert.strictEqual(restored.length, 1);
            assert.strictEqual(restored[0].identifier, "nova-prod-restored-pre-v1-2-3");
            assert.strictEqual(restored[0].snapshotIdentifier, "nova-prod-pre-v1-2-3");
            assert.strictEqual(restored[0].deletionProtection, true);
            // Its replica follows the restored primary; the old primary and replica stay as they were.
            assert.deepStrictEqual(
                createdInstances.filter((i) => i.replicateSourceDb).map((i) => i.replicateSourceDb),
                ["nova-prod-restored-pre-v1-2-3"],
            );
            assert.deepStrictEqual(ofType(diff.deleted, INSTANCE), []);
            assert.deepStrictEqual(
                diff.changed.filter((c) => c.type === INSTANCE || c.type === REPLICATION_GROUP),
                [],
            );
            const old = one(after, INSTANCE, "nova-api-data-db-primary");
            assert.strictEqual(inputs(old).identifier, "nova-prod");
            assert.ok(old.options.protect);
            // The app's endpoint moves to the restored instance.
            const db = after.outputs.database as { identifier: string; endpoint: string };
            assert.strictEqual(db.identifier, "nova-prod-restored-pre-v1-2-3");
            assert.match(db.endpoint, /^nova-prod-restored-pre-v1-2-3\./);
            // Snapshots leaving the program on a restore are retained in AWS.
            for (const key of ofType(diff.deleted, SNAPSHOT)) {
                const r = before.resources.find((x) => resourceKey(x) === key)!;
                assert.ok(r.options.retainOnDelete, key);
            }
        });

        it("resumes both colours on the restored database and re-runs no migration", async () => {
            // Writes stopped, restored, then resumed from the restored instance: against the
            // original base, only the DATABASE_URL the colours read has changed.
            const before = await basePlan("prod");
            const after = await planStack("prod", (c) => {
                c.database.restoreFromSnapshot = "nova-prod-pre-v1-2-3";
                c.data = { servingFrom: "nova-prod-restored-pre-v1-2-3" };
            });
            const diff = diffPlans(before, after);
            assert.notStrictEqual(after.outputs.dataStoreSecret, before.outputs.dataStoreSecret);
            for (const color of ["blue", "green"]) {
                const change = diff.changed.find(
                    (c) => c.key === `kubernetes:apps/v1:Deployment::nova-api-${color}-deployment`,
                );
                assert.ok(change, `${color} must roll to read the new DATABASE_URL`);
                for (const f of change.fields)
                    assert.match(f, /\.env\[\d+\]\.valueFrom\.secretKeyRef\.name$/);
            }
            const jobs = [...diff.created, ...diff.deleted, ...diff.changed.map((c) => c.key)];
            assert.deepStrictEqual(ofType(jobs, JOB), [], "migration Jobs must not change");
        });

        it("rotating the DB password rolls the colours too", async () => {
            const before = await basePlan("staging");
            const after = await planStack("staging", (c) => (c.database.passwordRotation = 2));
            const diff = diffPlans(before, after);
            assert.notStrictEqual(after.outputs.dataStoreSecret, before.outputs.dataStoreSecret);
            assert.ok(
                diff.changed.some(
                    (c) =>
                        c.key ===
                        "random:index/randomPassword:RandomPassword::nova-api-data-db-password",
                ),
                "a new password is generated",
            );
            // The password is an in-place update of the instance (redacted in the plan): no
            // data store is created or deleted.
            assert.deepStrictEqual(
                dataTouched(diff).filter((t) => !t.startsWith("changed ")),
                [],
            );
        });

        it("to a point in time creates a new instance from the original", async () => {
            const before = await basePlan("staging");
            const after = await planStack("staging", (c) => {
                c.database.restoreToTime = "2026-11-22T03:15:00Z";
                c.data = { writes: "stopped" };
            });
            const diff = diffPlans(before, after);
            const created = ofType(diff.created, INSTANCE).map((k) =>
                inputs(after.resources.find((r) => resourceKey(r) === k)!),
            );
            assert.strictEqual(created.length, 1);
            assert.strictEqual(created[0].identifier, "nova-staging-pitr-20261122-0315");
            assert.deepStrictEqual(created[0].restoreToPointInTime, {
                sourceDbInstanceIdentifier: "nova-staging",
                restoreTime: "2026-11-22T03:15:00Z",
            });
            assert.deepStrictEqual(ofType(diff.deleted, INSTANCE), []);
            assert.deepStrictEqual(
                diff.changed.filter((c) => c.type === INSTANCE),
                [],
            );
        });
    });
});
