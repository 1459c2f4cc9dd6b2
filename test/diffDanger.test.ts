// Danger markers of the plan diff, over plan documents built here so every data-store case is
// covered whatever the program renders today: replacement-forcing fields (one test each), renames,
// deletes, retained snapshots, lost protection, new releases, and policy violations.
import * as assert from "assert";
import type { PlannedResource } from "../scripts/lib/plan";
import {
    describeViolation,
    renderMarkdown,
    renderText,
    reviewPlans,
    trafficLine,
    type DiffablePlan,
} from "../scripts/lib/planDiff";

const RDS = "aws:rds/instance:Instance";
const REDIS = "aws:elasticache/replicationGroup:ReplicationGroup";
const SNAPSHOT = "aws:rds/snapshot:Snapshot";
const JOB = "kubernetes:batch/v1:Job";

function res(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    options: Partial<PlannedResource["options"]> = {},
): PlannedResource {
    return {
        type,
        name,
        parent: "pulumi:pulumi:Stack::release-prod",
        custom: true,
        inputs,
        options: { protect: false, retainOnDelete: false, dependsOn: [], ...options },
    };
}

function plan(resources: PlannedResource[], outputs: Record<string, unknown> = {}): DiffablePlan {
    return { stack: "prod", resources, outputs };
}

const DB_INPUTS = {
    identifier: "nova-prod",
    engine: "postgres",
    engineVersion: "16.4",
    instanceClass: "db.r6g.large",
    allocatedStorage: 100,
    availabilityZone: "eu-west-1a",
    characterSetName: "UTF8",
    customIamInstanceProfile: "AWSRDSCustomProfile",
    dbName: "nova",
    username: "nova",
    kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/1",
    ncharCharacterSetName: "AL16UTF16",
    storageEncrypted: true,
    snapshotIdentifier: "nova-prod-pre-v1-2-3",
    timezone: "UTC",
    restoreToPointInTime: { restoreTime: "2026-11-01T00:00:00Z" },
    s3Import: { bucketName: "imports" },
    multiAz: true,
};
const CACHE_INPUTS = {
    replicationGroupId: "nova-prod",
    description: "sessions",
    nodeType: "cache.r7g.large",
    numCacheClusters: 2,
    atRestEncryptionEnabled: true,
    dataTieringEnabled: false,
    globalReplicationGroupId: "global-1",
    kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/2",
    networkType: "ipv4",
    port: 6379,
    securityGroupNames: ["a"],
    snapshotArns: ["arn:aws:s3:::b/c.rdb"],
    snapshotName: "nova-prod-cache-1",
    subnetGroupName: "nova-prod-cache",
};

/** Changed values per field: a string gets a suffix, a number +1, a boolean flipped, etc. */
function changed(v: unknown): unknown {
    if (typeof v === "string") return `${v}-changed`;
    if (typeof v === "number") return v + 1;
    if (typeof v === "boolean") return !v;
    if (Array.isArray(v)) return [...v, "x"];
    return { ...(v as object), changed: true };
}

function reviewEdit(type: string, inputs: Record<string, unknown>, field: string) {
    const opts = { protect: true };
    const before = plan([res(type, "store", inputs, opts)]);
    const after = plan([res(type, "store", { ...inputs, [field]: changed(inputs[field]) }, opts)]);
    return reviewPlans(before, after, "test");
}

// Independent of the table in planDiff.ts: the ForceNew arguments of aws_db_instance and
// aws_elasticache_replication_group in the Terraform AWS provider that @pulumi/aws 7.x bridges.
const RDS_FORCE_NEW = [
    "availabilityZone",
    "characterSetName",
    "customIamInstanceProfile",
    "dbName",
    "engine",
    "kmsKeyId",
    "ncharCharacterSetName",
    "restoreToPointInTime",
    "s3Import",
    "snapshotIdentifier",
    "storageEncrypted",
    "timezone",
    "username",
];
const REDIS_FORCE_NEW = [
    "atRestEncryptionEnabled",
    "dataTieringEnabled",
    "globalReplicationGroupId",
    "kmsKeyId",
    "networkType",
    "port",
    "replicationGroupId",
    "securityGroupNames",
    "snapshotArns",
    "snapshotName",
    "subnetGroupName",
];

describe("plan diff danger markers", () => {
    describe("RDS instance: replacement-forcing fields", () => {
        for (const field of RDS_FORCE_NEW) {
            it(`${field} is flagged as a replacement of a data store`, () => {
                const review = reviewEdit(RDS, DB_INPUTS, field);
                const d = review.dangers.find((x) => x.kind === "replace");
                assert.ok(d, JSON.stringify(review.dangers));
                // Object-valued fields (restoreToPointInTime) report the nested path that changed.
                assert.deepStrictEqual(
                    d.fields.map((f) => f.split(".")[0]),
                    [field],
                );
                assert.strictEqual(d.key, `${RDS}::store`);
                assert.match(d.reason, /starts empty/);
                assert.match(
                    renderText(review),
                    new RegExp(`!! REPLACE ${RDS}::store \\(${field}[.)]`),
                );
            });
        }
    });

    describe("ElastiCache replication group: replacement-forcing fields", () => {
        for (const field of REDIS_FORCE_NEW) {
            it(`${field} is flagged as a replacement of a data store`, () => {
                const review = reviewEdit(REDIS, CACHE_INPUTS, field);
                const d = review.dangers.find((x) => x.kind === "replace");
                assert.ok(d, JSON.stringify(review.dangers));
                assert.deepStrictEqual(d.fields, [field]);
                assert.match(d.reason, /starts empty/);
            });
        }
    });

    it("an in-place field of a data store is flagged as an update, not a replacement", () => {
        for (const [type, inputs, field] of [
            [RDS, DB_INPUTS, "instanceClass"],
            [RDS, DB_INPUTS, "allocatedStorage"],
            [RDS, DB_INPUTS, "engineVersion"],
            [REDIS, CACHE_INPUTS, "nodeType"],
            [REDIS, CACHE_INPUTS, "numCacheClusters"],
        ] as const) {
            const review = reviewEdit(type, inputs, field);
            assert.deepStrictEqual(
                review.dangers.map((d) => [d.kind, d.fields]),
                [["update", [field]]],
                `${type} ${field}`,
            );
        }
    });

    it("an RDS identifier change is a rename (endpoint changes), not a replacement", () => {
        const review = reviewEdit(RDS, DB_INPUTS, "identifier");
        assert.deepStrictEqual(
            review.dangers.map((d) => [d.kind, d.fields]),
            [["rename", ["identifier"]]],
        );
        assert.match(review.dangers[0].reason, /endpoint changes/);
    });

    it("a DB identifier change replaces the release snapshots taken of it", () => {
        const snap = (db: string) =>
            res(
                SNAPSHOT,
                "pre-v1-2-4",
                { dbInstanceIdentifier: db, dbSnapshotIdentifier: `${db}-pre-v1-2-4` },
                { retainOnDelete: true },
            );
        const before = plan([res(RDS, "db", DB_INPUTS), snap("nova-prod")]);
        const after = plan([
            res(RDS, "db", { ...DB_INPUTS, identifier: "nova-main" }),
            snap("nova-main"),
        ]);
        const review = reviewPlans(before, after, "test");
        const replace = review.dangers.filter((d) => d.kind === "replace");
        assert.deepStrictEqual(
            replace.map((d) => [d.key, d.fields]),
            [[`${SNAPSHOT}::pre-v1-2-4`, ["dbInstanceIdentifier", "dbSnapshotIdentifier"]]],
        );
        assert.match(replace[0].reason, /stays in AWS/);
        assert.ok(review.dangers.some((d) => d.kind === "rename" && d.key === `${RDS}::db`));
    });

    it("a data store deleted while one of its type is created is a replacement", () => {
        const before = plan([res(RDS, "nova-prod-primary", DB_INPUTS, { protect: true })]);
        const after = plan([
            res(RDS, "nova-main-primary", { ...DB_INPUTS, identifier: "nova-main" }),
        ]);
        const review = reviewPlans(before, after, "test");
        assert.deepStrictEqual(
            review.dangers.map((d) => [d.kind, d.key]),
            [["replace", `${RDS}::nova-prod-primary`]],
        );
        assert.match(review.dangers[0].reason, /replaced by .*nova-main-primary.*starts empty/);
    });

    it("a deleted data store is flagged; a deleted retained snapshot is only noted", () => {
        const snap = res(
            SNAPSHOT,
            "pre-v1-2-3",
            { dbInstanceIdentifier: "nova-prod" },
            { retainOnDelete: true },
        );
        const cache = res(REDIS, "cache", CACHE_INPUTS);
        const review = reviewPlans(plan([snap, cache]), plan([]), "test");
        assert.deepStrictEqual(
            review.dangers.map((d) => [d.kind, d.key]),
            [
                ["delete", `${REDIS}::cache`],
                ["retain", `${SNAPSHOT}::pre-v1-2-3`],
            ],
        );
    });

    it("losing protect or retainOnDelete is flagged on any resource", () => {
        const before = plan([
            res("kubernetes:core/v1:Namespace", "ns", { kind: "Namespace" }, { protect: true }),
        ]);
        const after = plan([res("kubernetes:core/v1:Namespace", "ns", { kind: "Namespace" })]);
        const review = reviewPlans(before, after, "test");
        assert.deepStrictEqual(
            review.dangers.map((d) => [d.kind, d.fields]),
            [["unprotect", ["options.protect"]]],
        );
    });

    it("a Kubernetes name or selector change forces replacement; a replica change does not", () => {
        const dep = (name: string, color: string, replicas: number) =>
            res("kubernetes:apps/v1:Deployment", "green", {
                kind: "Deployment",
                metadata: { name },
                spec: { replicas, selector: { matchLabels: { color } } },
            });
        const kinds = (a: PlannedResource, b: PlannedResource) =>
            reviewPlans(plan([a]), plan([b]), "t").dangers.map((d) => [d.kind, d.fields]);
        assert.deepStrictEqual(kinds(dep("g", "green", 3), dep("g", "green", 5)), []);
        assert.deepStrictEqual(kinds(dep("g", "green", 3), dep("g2", "green", 3)), [
            ["replace", ["metadata.name"]],
        ]);
        assert.deepStrictEqual(kinds(dep("g", "green", 3), dep("g", "blue", 3)), [
            ["replace", ["spec.selector.matchLabels.color"]],
        ]);
    });

    it("a new release creates its snapshot and migration Job without touching the database", () => {
        const db = res(RDS, "db", DB_INPUTS, { protect: true });
        const snapshot = (v: string) =>
            res(
                SNAPSHOT,
                `pre-${v}`,
                { dbSnapshotIdentifier: `nova-prod-pre-${v}` },
                { retainOnDelete: true },
            );
        const job = (v: string) =>
            res(JOB, `migrate-${v}`, { kind: "Job", metadata: { name: `migrate-${v}` } });
        const before = plan([db, snapshot("v1-2-4"), job("v1-2-4")]);
        const after = plan([
            db,
            snapshot("v1-2-4"),
            job("v1-2-4"),
            snapshot("v1-2-5"),
            job("v1-2-5"),
        ]);
        const review = reviewPlans(before, after, "test");
        assert.deepStrictEqual(review.diff.created, [
            `${SNAPSHOT}::pre-v1-2-5`,
            `${JOB}::migrate-v1-2-5`,
        ]);
        assert.deepStrictEqual(review.diff.changed, []);
        assert.deepStrictEqual(
            review.dangers.map((d) => [d.kind, d.key]),
            [["create", `${SNAPSHOT}::pre-v1-2-5`]],
        );
        assert.match(review.dangers[0].reason, /kept on delete/);
    });

    describe("policy violations", () => {
        const r = res("kubernetes:core/v1:Namespace", "ns", {});
        it("are not evaluated when neither plan carries them", () => {
            const review = reviewPlans(plan([r]), plan([r]), "t");
            assert.strictEqual(review.policy, null);
            assert.match(renderText(review), /Policy violations: not evaluated/);
            assert.match(renderMarkdown(review), /Not evaluated/);
        });

        it("list what appears and what disappears, whatever the violation shape", () => {
            const before = {
                ...plan([r]),
                violations: [
                    {
                        policyName: "db-deletion-protection",
                        resource: "nova-prod",
                        message: "must be on",
                    },
                    "plain text violation",
                ],
            };
            const after = {
                ...plan([r]),
                violations: [
                    "plain text violation",
                    {
                        policy: "pdb-required",
                        resource: { type: "kubernetes:apps/v1:Deployment", name: "green" },
                        enforcementLevel: "mandatory",
                        message: "must have a PodDisruptionBudget",
                    },
                ],
            };
            const review = reviewPlans(before, after, "t");
            assert.deepStrictEqual(review.policy, {
                appeared: [
                    "[mandatory] pdb-required on kubernetes:apps/v1:Deployment::green: must have a PodDisruptionBudget",
                ],
                disappeared: ["db-deletion-protection on nova-prod: must be on"],
            });
            const md = renderMarkdown(review);
            assert.match(md, /- new: \[mandatory\] pdb-required/);
            assert.match(md, /- resolved: db-deletion-protection/);
        });

        it("treat a plan without violations as having none when the other has some", () => {
            const review = reviewPlans(plan([r]), { ...plan([r]), violations: ["x"] }, "t");
            assert.deepStrictEqual(review.policy, { appeared: ["x"], disappeared: [] });
            assert.strictEqual(describeViolation({ id: "p" }), "p");
        });
    });

    describe("traffic line", () => {
        const out = (blue: number, green: number, stable: string, gv = "v1.2.4") => ({
            trafficWeights: { blue, green },
            stableColor: stable,
            colorsDeployed: { blue: { version: "v1.2.3" }, green: { version: gv } },
        });
        it("shows each colour from → to and the stable colour", () => {
            assert.strictEqual(
                trafficLine(plan([], out(75, 25, "blue")), plan([], out(50, 50, "blue"))),
                "Traffic: blue 75 % → 50 % · green 25 % → 50 % · stable blue",
            );
        });
        it("shows a promotion and a new version", () => {
            assert.strictEqual(
                trafficLine(
                    plan([], out(0, 100, "blue")),
                    plan([], out(0, 100, "green", "v1.2.5")),
                ),
                "Traffic: blue 0 % · green 100 % · stable blue → green · green v1.2.4 → v1.2.5",
            );
        });
        it("says unchanged when nothing moves", () => {
            assert.match(
                trafficLine(plan([], out(75, 25, "blue")), plan([], out(75, 25, "blue"))),
                /^Traffic: unchanged \(blue 75 % · green 25 % · stable blue\)$/,
            );
        });
        it("copes with a base that has no traffic (a new stack)", () => {
            assert.match(trafficLine(plan([]), plan([], out(100, 0, "blue"))), /^Traffic: new \(/);
        });
    });
});
