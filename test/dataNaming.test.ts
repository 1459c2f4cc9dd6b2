// Pure data-tier naming and window rules: valid AWS identifiers, lossless URLs, window maths.
import * as assert from "assert";
import {
    RDS_INSTANCE_ID_MAX,
    RDS_PASSWORD_FORBIDDEN,
    RDS_PASSWORD_SPECIALS,
    RDS_SNAPSHOT_ID_MAX,
    REDIS_TOKEN_SPECIALS,
    migrationJobName,
    pitrInstanceId,
    postgresUrl,
    rdsIdProblem,
    redisUrl,
    releaseSnapshotId,
    replicaInstanceId,
    releaseVersions,
    restoredInstanceId,
    snapshotRefProblem,
} from "../decisions/dataNaming";
import { CHANGE_WINDOW, dailyRanges, overlaps, weeklyRanges, within } from "../config/windows";

describe("data tier naming", () => {
    it("names release snapshots like runbook 002, in the characters RDS accepts", () => {
        assert.strictEqual(releaseSnapshotId("nova-prod", "v1.2.4"), "nova-prod-pre-v1-2-4");
        assert.strictEqual(releaseSnapshotId("nova-prod", "V2_0--RC.1"), "nova-prod-pre-v2-0-rc-1");
        const long = releaseSnapshotId("a".repeat(63), `v${"9.".repeat(200)}`);
        assert.strictEqual(rdsIdProblem(long, RDS_SNAPSHOT_ID_MAX), undefined, long);
        // Two long versions that differ only at the end still get different ids.
        const x = releaseSnapshotId("a".repeat(63), `v${"1".repeat(300)}a`);
        const y = releaseSnapshotId("a".repeat(63), `v${"1".repeat(300)}b`);
        assert.notStrictEqual(x, y);
        assert.strictEqual(
            rdsIdProblem(releaseSnapshotId("db", "..."), RDS_SNAPSHOT_ID_MAX),
            undefined,
        );
    });

    it("names restored instances deterministically within 63 characters", () => {
        assert.strictEqual(
            restoredInstanceId("nova-prod", "nova-prod-pre-v1-2-4"),
            "nova-prod-restored-pre-v1-2-4",
        );
        assert.strictEqual(
            restoredInstanceId(
                "nova-prod",
                "arn:aws:rds:eu-west-1:123456789012:snapshot:rds:nova-prod-2026-11-20-00-31",
            ),
            "nova-prod-restored-2026-11-20-00-31",
        );
        const long = restoredInstanceId("n".repeat(50), `other-${"x".repeat(100)}`);
        assert.ok(long.length <= RDS_INSTANCE_ID_MAX, long);
        assert.strictEqual(rdsIdProblem(long, RDS_INSTANCE_ID_MAX), undefined);
        assert.strictEqual(replicaInstanceId("nova-prod", 1), "nova-prod-replica-1");
        const replica = replicaInstanceId(long, 2);
        assert.ok(replica.length <= RDS_INSTANCE_ID_MAX, replica);
        assert.strictEqual(rdsIdProblem(replica, RDS_INSTANCE_ID_MAX), undefined);
        assert.notStrictEqual(replica, replicaInstanceId(`${long.slice(0, -1)}z`, 2));
        assert.strictEqual(
            pitrInstanceId("nova-prod", "2026-11-22T03:15:00Z"),
            "nova-prod-pitr-20261122-0315",
        );
        assert.strictEqual(
            pitrInstanceId("nova-prod", "2026-11-22T03:15:42Z"),
            "nova-prod-pitr-20261122-031542",
        );
    });

    it("accepts manual, automated and ARN snapshot references and rejects the rest", () => {
        for (const ok of [
            "nova-prod-pre-v1-2-4",
            "rds:nova-prod-2026-11-20-00-31",
            "arn:aws:rds:eu-west-1:123456789012:snapshot:nova-prod-pre-v1-2-4",
        ]) {
            assert.strictEqual(snapshotRefProblem(ok), undefined, ok);
        }
        for (const bad of [
            "",
            "1abc",
            "nova-prod-",
            "nova--prod",
            "nova.prod",
            "nova prod",
            "x".repeat(256),
        ]) {
            assert.ok(snapshotRefProblem(bad), bad);
        }
    });

    it("keeps migration Job names within the 63-character label limit", () => {
        assert.strictEqual(migrationJobName("nova-api", "v1.2.4"), "nova-api-migrate-v1-2-4");
        const name = migrationJobName("a".repeat(40), `release-${"z".repeat(60)}`);
        assert.ok(name.length <= 63, name);
        assert.match(name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    });

    it("keys releases by version: one entry per version, in colour order", () => {
        const a = { version: "v1.2.3", image: "r/app:v1.2.3" };
        const b = { version: "v1.2.4", image: "r/app:v1.2.4" };
        assert.deepStrictEqual(releaseVersions([a, b]), [a, b]);
        assert.deepStrictEqual(releaseVersions([b, b]), [b]);
        assert.deepStrictEqual(releaseVersions([undefined, b]), [b]);
    });

    it("builds URLs that round-trip every password character RDS and ElastiCache allow", () => {
        const password = `Ab1${RDS_PASSWORD_SPECIALS}`;
        const url = new URL(
            postgresUrl({
                username: "nova_admin",
                password,
                host: "db.example",
                port: 5432,
                dbName: "nova",
            }),
        );
        assert.strictEqual(url.protocol, "postgresql:");
        assert.strictEqual(decodeURIComponent(url.password), password);
        assert.strictEqual(url.hostname, "db.example");
        assert.strictEqual(url.pathname, "/nova");
        assert.strictEqual(url.searchParams.get("sslmode"), "require");
        const token = `Zz9${REDIS_TOKEN_SPECIALS}`;
        const r = new URL(redisUrl({ token, host: "master.c.example", port: 6379 }));
        assert.strictEqual(r.protocol, "rediss:");
        assert.strictEqual(decodeURIComponent(r.password), token);
        assert.strictEqual(r.port, "6379");
    });

    it("never generates a character RDS forbids in a master password", () => {
        for (const ch of RDS_PASSWORD_FORBIDDEN) assert.ok(!RDS_PASSWORD_SPECIALS.includes(ch), ch);
        for (const ch of [" ", '"', "@", "/"]) assert.ok(!REDIS_TOKEN_SPECIALS.includes(ch), ch);
    });
});

describe("data tier windows", () => {
    it("knows the change window: Tue–Thu 02:00–04:00 UTC", () => {
        assert.ok(within(weeklyRanges("tue:02:00-tue:03:00"), CHANGE_WINDOW));
        assert.ok(within(weeklyRanges("thu:03:00-thu:04:00"), CHANGE_WINDOW));
        assert.ok(!within(weeklyRanges("thu:03:30-thu:04:30"), CHANGE_WINDOW));
        assert.ok(!within(weeklyRanges("mon:02:00-mon:03:00"), CHANGE_WINDOW));
        // Spanning two days of the window is not inside it: the night between is not.
        assert.ok(!within(weeklyRanges("tue:03:00-wed:03:00"), CHANGE_WINDOW));
    });

    it("finds overlaps across midnight and the end of the week", () => {
        assert.ok(overlaps(dailyRanges("23:30-00:30"), weeklyRanges("sun:00:00-sun:01:00")));
        assert.ok(overlaps(dailyRanges("01:00-02:00"), weeklyRanges("sat:23:00-sun:01:30")));
        assert.ok(!overlaps(dailyRanges("00:30-01:30"), weeklyRanges("wed:02:00-wed:03:00")));
        // Touching ends do not overlap.
        assert.ok(!overlaps(dailyRanges("01:00-02:00"), weeklyRanges("wed:02:00-wed:03:00")));
    });
});
