// The RDS builders (decisions/database.ts) without Pulumi mocks: what the Database component
// creates, decided from `release:database` alone.
import { strict as assert } from "assert";
import { databaseSchema, type DatabaseConfig } from "../config/data";
import {
    RDS_CA,
    instanceBaseArgs,
    masterPasswordArgs,
    originalPrimaryArgs,
    parameterGroupArgs,
    postgresMajor,
    primaryInstanceArgs,
    replicaInstanceArgs,
    restoredPrimaryArgs,
} from "../decisions/database";
import { RDS_PASSWORD_SPECIALS } from "../decisions/dataNaming";

const config = (extra: Record<string, unknown> = {}): DatabaseConfig =>
    databaseSchema.parse({
        identifier: "shop-db",
        engineVersion: "15.4",
        migration: { command: ["./migrate"] },
        ...extra,
    });

describe("database builders", () => {
    it("names the parameter group after the major version and forces TLS", () => {
        assert.equal(postgresMajor("15.4"), "15");
        assert.equal(postgresMajor("16"), "16");
        const g = parameterGroupArgs(config());
        assert.equal(g.name, "shop-db-postgres15");
        assert.equal(g.family, "postgres15");
        assert.doesNotMatch(g.description, /runbook|\b0\d\d\b/i);
        assert.deepEqual(
            g.parameters.find((p) => p.name === "rds.force_ssl"),
            { name: "rds.force_ssl", value: "1" },
        );
        // A major upgrade gets a new group alongside the old one.
        assert.equal(
            parameterGroupArgs(config({ engineVersion: "16.2" })).name,
            "shop-db-postgres16",
        );
    });

    it("generates the master password with every class, RDS's specials and the rotation keeper", () => {
        const p = masterPasswordArgs(config({ passwordRotation: 3 }));
        assert.equal(p.length, 40);
        assert.equal(p.overrideSpecial, RDS_PASSWORD_SPECIALS);
        assert.ok(p.minLower >= 1 && p.minUpper >= 1 && p.minNumeric >= 1 && p.minSpecial >= 1);
        assert.deepEqual(p.keepers, { rotation: "3" });
    });

    it("keeps every instance private, encrypted, minor-upgraded only, on the current CA", () => {
        const b = instanceBaseArgs(config({ deletionProtection: true }), false);
        assert.equal(b.engine, "postgres");
        assert.equal(b.engineVersion, "15.4");
        assert.equal(b.publiclyAccessible, false);
        assert.equal(b.storageEncrypted, true);
        assert.equal(b.allowMajorVersionUpgrade, false);
        assert.equal(b.autoMinorVersionUpgrade, true);
        assert.equal(b.applyImmediately, false);
        assert.equal(b.deletionProtection, true);
        assert.equal(b.copyTagsToSnapshot, true);
        assert.equal(b.caCertIdentifier, RDS_CA);
        assert.equal(instanceBaseArgs(config(), true).applyImmediately, true);
    });

    it("turns storage autoscaling on only with a ceiling above 0", () => {
        assert.equal(instanceBaseArgs(config(), false).maxAllocatedStorage, undefined);
        assert.equal(
            instanceBaseArgs(config({ allocatedStorageGb: 50, maxAllocatedStorageGb: 200 }), false)
                .maxAllocatedStorage,
            200,
        );
    });

    it("gives a primary backups, a final snapshot under its own name and kept automated backups", () => {
        const db = config({ backupRetentionDays: 14, multiAz: true });
        const p = primaryInstanceArgs(db, "shop-db");
        assert.equal(p.identifier, "shop-db");
        assert.equal(p.skipFinalSnapshot, false);
        assert.equal(p.finalSnapshotIdentifier, "shop-db-final");
        assert.equal(p.deleteAutomatedBackups, false);
        assert.equal(p.backupRetentionPeriod, 14);
        assert.equal(p.multiAz, true);
        const o = originalPrimaryArgs(db);
        assert.equal(o.identifier, "shop-db");
        assert.equal(o.dbName, db.dbName);
        assert.equal(o.username, db.username);
    });

    it("names replicas after their primary, with no backups or final snapshot of their own", () => {
        const r = replicaInstanceArgs(config({ replicaInstanceClass: "db.r6g.large" }), "x", 2);
        assert.equal(r.identifier, "x-replica-2");
        assert.equal(r.instanceClass, "db.r6g.large");
        assert.equal(r.skipFinalSnapshot, true);
        assert.equal(r.backupRetentionPeriod, 0);
        // Without its own class a replica matches the primary.
        const db = config({ instanceClass: "db.m6g.large" });
        assert.equal(replicaInstanceArgs(db, "x", 1).instanceClass, "db.m6g.large");
    });

    it("restores under a new name, from a snapshot or a point in time, never as the original", () => {
        assert.equal(restoredPrimaryArgs(config()), undefined);
        const fromSnapshot = restoredPrimaryArgs(
            config({ restoreFromSnapshot: "shop-db-pre-v1-2-3" }),
        )!;
        assert.notEqual(fromSnapshot.identifier, "shop-db");
        assert.equal(fromSnapshot.snapshotIdentifier, "shop-db-pre-v1-2-3");
        assert.equal(fromSnapshot.finalSnapshotIdentifier, `${fromSnapshot.identifier}-final`);
        assert.ok(!("restoreToPointInTime" in fromSnapshot));
        const pitr = restoredPrimaryArgs(config({ restoreToTime: "2026-11-30T02:00:00Z" }))!;
        assert.notEqual(pitr.identifier, "shop-db");
        assert.notEqual(pitr.identifier, fromSnapshot.identifier);
        assert.deepEqual(pitr.restoreToPointInTime, {
            sourceDbInstanceIdentifier: "shop-db",
            restoreTime: "2026-11-30T02:00:00Z",
        });
        assert.ok(!("snapshotIdentifier" in pitr));
        // A restore inherits the database name and user from its source.
        assert.ok(!("dbName" in pitr) && !("username" in pitr));
    });
});
