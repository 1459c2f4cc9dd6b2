// Edges of the data tier's naming and window maths: exact length limits, the cut-and-hash path,
// reference forms, and windows that touch or wrap the week.
import { strict as assert } from "assert";
import { createHash } from "crypto";
import {
    datastoreSecretName,
    migrationJobName,
    pitrInstanceId,
    RDS_PASSWORD_FORBIDDEN,
    RDS_PASSWORD_SPECIALS,
    rdsIdProblem,
    REDIS_TOKEN_SPECIALS,
    releaseSnapshotId,
    replicaInstanceId,
    restoredInstanceId,
    snapshotRefProblem,
    slug,
} from "../decisions/dataNaming";
import {
    CHANGE_WINDOW,
    CHANGE_WINDOW_TEXT,
    dailyLength,
    dailyRanges,
    overlaps,
    weeklyLength,
    weeklyRanges,
    within,
} from "../config/windows";

const sha6 = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 6);
const WEEK = 7 * 24 * 60;
const DAY = 24 * 60;

describe("data tier naming: edges", () => {
    it("rdsIdProblem: 1 to max letters, digits and single hyphens, from a letter, not ending in a hyphen", () => {
        const problem =
            "must be 1–63 lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen";
        for (const ok of ["a", "db", "db-1", "a1b2", "d".repeat(63)]) {
            assert.equal(rdsIdProblem(ok, 63), undefined, ok);
        }
        for (const bad of ["", "1", "1db", "db-", "db--x", "db_x", "-db", "Db", "d".repeat(64)]) {
            assert.equal(rdsIdProblem(bad, 63), problem, bad);
        }
        assert.equal(rdsIdProblem("abcd", 3), problem.replace("63", "3"));
    });

    it("slug: lower case, runs of anything else become one hyphen, none at the ends", () => {
        assert.equal(slug("--V1.2__RC 3!!"), "v1-2-rc-3");
        assert.equal(slug("!!!"), "");
    });

    it("keeps a name of exactly the limit as it is, and cuts one past it with a hash", () => {
        const app = "a".repeat(63 - "-migrate-v1".length);
        assert.equal(migrationJobName(app, "v1"), `${app}-migrate-v1`);
        assert.equal(migrationJobName(app, "v1").length, 63);
        const long = "v".repeat(80);
        const job = migrationJobName("shop", long);
        assert.equal(
            job,
            `shop-migrate-${"v".repeat(63 - 7 - "shop-migrate-".length)}-${sha6(long)}`,
        );
        assert.equal(job.length, 63);
    });

    it("does not leave a hyphen before the hash when the cut lands on one", () => {
        // The cut keeps 56 characters: exactly "<47 chars>-migrate-", whose last hyphen goes.
        const app = "b".repeat(47);
        assert.equal(
            migrationJobName(app, "v2.0-RC.12345"),
            `${app}-migrate-${sha6("v2-0-rc-12345")}`,
        );
        const snap = releaseSnapshotId("db", "x".repeat(300));
        assert.equal(
            snap,
            `db-pre-${"x".repeat(255 - 7 - "db-pre-".length)}-${sha6("x".repeat(300))}`,
        );
    });

    it("names snapshots of punctuation-only versions by a hash", () => {
        assert.equal(releaseSnapshotId("db", "+++"), `db-pre-v${sha6("+++")}`);
        assert.equal(migrationJobName("shop", "+++"), `shop-migrate-${sha6("+++")}`);
    });

    it("snapshotRefProblem: ids up to 255 characters, rds: automated ids, ARNs of any partition", () => {
        const problem =
            "must be an RDS snapshot identifier (lowercase letters, digits and single hyphens, starting with a letter, e.g. nova-prod-pre-v1-2-4), an automated one (rds:…), or a snapshot ARN";
        for (const ok of [
            "s".repeat(255),
            "rds:nova-prod-2024-01-02-03-04",
            "arn:aws:rds:eu-west-1:123456789012:snapshot:nova-prod-pre-v1",
            "arn:aws-cn:rds:cn-north-1:123456789012:snapshot:rds:nova-2024-01-02",
            "arn:aws-us-gov:rds:us-gov-west-1:123456789012:snapshot:x1",
        ]) {
            assert.equal(snapshotRefProblem(ok), undefined, ok);
        }
        for (const bad of [
            "s".repeat(256),
            "rds:",
            "",
            "snap_1",
            "xarn:aws:rds:eu-west-1:123456789012:snapshot:ok",
            "arn:aws:rds:eu-west-1:123456789012:snapshot:ok:more",
            "arn:aws:rds:eu-west-1:1234:snapshot:ok",
            "arn:aws:rds:eu-west-1:123456789012:snapshot:",
        ]) {
            assert.equal(snapshotRefProblem(bad), problem, bad);
        }
    });

    it("restoredInstanceId: drops the database prefix only when the snapshot has it", () => {
        assert.equal(restoredInstanceId("nova", "nova-pre-v1"), "nova-restored-pre-v1");
        assert.equal(restoredInstanceId("nova", "manual-2024"), "nova-restored-manual-2024");
        assert.equal(restoredInstanceId("nova", "novel-copy"), "nova-restored-novel-copy");
        assert.equal(
            restoredInstanceId(
                "nova",
                "arn:aws:rds:eu-west-1:123456789012:snapshot:rds:nova-2024-01-02",
            ),
            "nova-restored-2024-01-02",
        );
    });

    it("replicaInstanceId: exactly 63 characters kept; longer cut, hashed and without a hanging hyphen", () => {
        const exact = "p".repeat(63 - "-replica-2".length);
        assert.equal(replicaInstanceId(exact, 2), `${exact}-replica-2`);
        const long = `${"q".repeat(10)}-${"r".repeat(60)}`;
        assert.equal(
            replicaInstanceId(long, 1),
            `${long.slice(0, 63 - "-replica-1".length - 7)}-${sha6(long)}-replica-1`,
        );
        // The cut lands right after a hyphen: it is dropped.
        const hyphen = `${"s".repeat(45)}-${"t".repeat(30)}`;
        assert.equal(replicaInstanceId(hyphen, 1), `${"s".repeat(45)}-${sha6(hyphen)}-replica-1`);
    });

    it("pitrInstanceId: a UTC timestamp, seconds only when not zero; anything else by hash", () => {
        assert.equal(pitrInstanceId("db", "2024-01-02T03:04Z"), "db-pitr-20240102-0304");
        assert.equal(pitrInstanceId("db", "2024-01-02T03:04:00Z"), "db-pitr-20240102-0304");
        assert.equal(pitrInstanceId("db", "2024-01-02T03:04:05Z"), "db-pitr-20240102-030405");
        for (const bad of [
            "x2024-01-02T03:04Z",
            "2024-01-02T03:04Zx",
            "2024-01-02T03:04:5Z",
            "soon",
        ]) {
            assert.equal(pitrInstanceId("db", bad), `db-pitr-${sha6(bad)}`, bad);
        }
    });

    it("names the datastore Secret by a hash of its parts, separated so they cannot run together", () => {
        assert.equal(datastoreSecretName("shop", ["db", 2]), `shop-datastores-${sha6("db|2")}`);
        assert.notEqual(
            datastoreSecretName("shop", ["ab", "c"]),
            datastoreSecretName("shop", ["a", "bc"]),
        );
    });

    it("knows which password characters RDS and ElastiCache accept", () => {
        assert.deepEqual(RDS_PASSWORD_FORBIDDEN, ["/", "@", '"', " "]);
        assert.equal(RDS_PASSWORD_SPECIALS, "!#$%&*()-_=+[]{}<>:?");
        for (const c of RDS_PASSWORD_FORBIDDEN) assert.ok(!RDS_PASSWORD_SPECIALS.includes(c), c);
        assert.equal(REDIS_TOKEN_SPECIALS, "!&#$^<>-");
    });
});

describe("data tier windows: edges", () => {
    it("rejects malformed windows without throwing", () => {
        for (const bad of ["", "x00:00-01:00", "00:00-01:00x", "24:00-01:00", "00:00-00:60"]) {
            assert.equal(dailyLength(bad), undefined, bad);
            assert.deepEqual(dailyRanges(bad), [], bad);
        }
        for (const bad of [
            "",
            "xmon:00:00-mon:01:00",
            "mon:00:00-mon:01:00x",
            "mon:24:00-tue:00:00",
        ]) {
            assert.equal(weeklyLength(bad), undefined, bad);
            assert.deepEqual(weeklyRanges(bad), [], bad);
        }
    });

    it("measures windows up to 23:59 and across midnight or the week's end", () => {
        assert.equal(dailyLength("00:00-23:59"), 1439);
        assert.equal(dailyLength("23:30-00:30"), 60);
        assert.equal(weeklyLength("mon:00:00-tue:23:00"), DAY + 23 * 60);
        assert.equal(weeklyLength("sat:23:30-sun:00:30"), 60);
    });

    it("splits a weekly window at the end of the week, and only when it crosses it", () => {
        assert.deepEqual(weeklyRanges("sat:23:00-sun:00:00"), [[WEEK - 60, WEEK]]);
        assert.deepEqual(weeklyRanges("sat:23:30-sun:00:30"), [
            [WEEK - 30, WEEK],
            [0, 30],
        ]);
        assert.deepEqual(dailyRanges("23:30-00:30").slice(5), [
            [5 * DAY + 23 * 60 + 30, 6 * DAY + 30],
            [WEEK - 30, WEEK],
            [0, 30],
        ]);
    });

    it("windows that only touch do not overlap; one minute more does", () => {
        assert.equal(overlaps([[0, 10]], [[10, 20]]), false);
        assert.equal(overlaps([[10, 20]], [[0, 10]]), false);
        assert.equal(overlaps([[0, 11]], [[10, 20]]), true);
    });

    it("within: every range must fit, and the change window is Tue–Thu 02:00–04:00 UTC", () => {
        assert.deepEqual(CHANGE_WINDOW, [
            [2 * DAY + 120, 2 * DAY + 240],
            [3 * DAY + 120, 3 * DAY + 240],
            [4 * DAY + 120, 4 * DAY + 240],
        ]);
        assert.equal(CHANGE_WINDOW_TEXT, "Tue–Thu 02:00–04:00 UTC");
        assert.equal(within(weeklyRanges("tue:02:00-tue:04:00"), CHANGE_WINDOW), true);
        const halfOut = [
            ...weeklyRanges("tue:02:00-tue:03:00"),
            ...weeklyRanges("fri:02:00-fri:03:00"),
        ];
        assert.equal(within(halfOut, CHANGE_WINDOW), false);
    });
});
