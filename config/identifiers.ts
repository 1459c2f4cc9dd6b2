// What AWS accepts as an RDS identifier, snapshot reference or restore time, for the schema to check
// at plan time, and the names a restore creates (the config rules compare against them).
import { createHash } from "crypto";

/**
 * RDS instance identifiers: 1–63 lowercase letters, digits and single hyphens, starting with a
 * letter. RDS stores identifiers in lower case, and the provider refuses upper case.
 */
export const RDS_INSTANCE_ID_MAX = 63;
/** RDS snapshot identifiers: same alphabet, up to 255 characters. */
export const RDS_SNAPSHOT_ID_MAX = 255;

const RDS_ID = /^[a-z]([a-z0-9]|-(?!-))*[a-z0-9]$|^[a-z]$/;

/** Lowercase letters, digits and single hyphens; anything else becomes a hyphen. */
export function slug(text: string): string {
    return text
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "");
}

/** Why `id` is not a valid RDS identifier, or undefined when it is. */
export function rdsIdProblem(id: string, max: number): string | undefined {
    if (id.length < 1 || id.length > max || !RDS_ID.test(id)) {
        return `must be 1–${max} lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen`;
    }
    return undefined;
}

/**
 * What `database.restoreFromSnapshot` may name: a manual snapshot id, an automated one
 * (`rds:<instance>-<yyyy-mm-dd-hh-mm>`), or a snapshot ARN.
 */
export function snapshotRefProblem(ref: string): string | undefined {
    const arn = /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:snapshot:(.+)$/.exec(ref);
    const id = arn ? arn[1] : ref;
    const bare = id.startsWith("rds:") ? id.slice(4) : id;
    if (bare.length > 0 && bare.length <= RDS_SNAPSHOT_ID_MAX && RDS_ID.test(bare)) {
        return undefined;
    }
    return (
        "must be an RDS snapshot identifier (lowercase letters, digits and single hyphens, starting with a " +
        "letter, e.g. nova-prod-pre-v1-2-4), an automated one (rds:…), or a snapshot ARN"
    );
}

/** ISO-8601 UTC timestamps, the only form `database.restoreToTime` accepts. */
export const UTC_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?Z$/;

/** Why a UTC_TIMESTAMP-shaped text is not a real instant (month 13, 30 February, 24:00), if so. */
export function timestampProblem(text: string, now = Date.now()): string | undefined {
    const m = UTC_TIMESTAMP.exec(text);
    if (!m) return "must be a UTC timestamp such as 2026-11-22T03:15:00Z";
    const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0));
    const t = Date.UTC(y, mo - 1, d, h, mi, s);
    const back = new Date(t);
    const real =
        back.getUTCFullYear() === y &&
        back.getUTCMonth() === mo - 1 &&
        back.getUTCDate() === d &&
        back.getUTCHours() === h &&
        back.getUTCMinutes() === mi &&
        back.getUTCSeconds() === s;
    if (!real) {
        return "must be a real date and time (month 01–12, a day that month has, 00:00–23:59:59)";
    }
    if (t > now)
        return "must not be in the future (a point-in-time restore needs backups up to it)";
    return undefined;
}

/** Six hex characters of sha256: keeps two long values apart once they are cut to fit. */
export function shortHash(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 6);
}

/**
 * Joins a fixed prefix and a free-form part, cutting the free part (and adding a short hash of it
 * so two long values never collide) when the result would exceed `max`.
 */
export function bounded(prefix: string, free: string, max: number): string {
    const full = `${prefix}${free}`;
    if (full.length <= max) return full;
    const hash = shortHash(free);
    const head = full.slice(0, max - hash.length - 1).replace(/-+$/, "");
    return `${head}-${hash}`;
}

/** The id of a snapshot reference without the ARN prefix or the automated `rds:` marker. */
function snapshotIdOf(ref: string): string {
    const id = ref.includes(":snapshot:") ? ref.slice(ref.lastIndexOf(":snapshot:") + 10) : ref;
    return id.startsWith("rds:") ? id.slice(4) : id;
}

/**
 * The new instance a snapshot restore creates: `<db>-restored-<snapshot minus the db prefix>`, so
 * restoring nova-prod-pre-v1-2-4 into nova-prod gives nova-prod-restored-pre-v1-2-4.
 */
export function restoredInstanceId(dbIdentifier: string, snapshotRef: string): string {
    let id = slug(snapshotIdOf(snapshotRef));
    if (id.startsWith(`${dbIdentifier}-`)) id = id.slice(dbIdentifier.length + 1);
    return bounded(`${dbIdentifier}-restored-`, id, RDS_INSTANCE_ID_MAX);
}

/** The new instance a point-in-time restore creates: `<db>-pitr-<yyyymmdd>-<hhmm>`. */
export function pitrInstanceId(dbIdentifier: string, restoreTime: string): string {
    const m = UTC_TIMESTAMP.exec(restoreTime);
    const seconds = m?.[6] && m[6] !== "00" ? m[6] : "";
    const stamp = m ? `${m[1]}${m[2]}${m[3]}-${m[4]}${m[5]}${seconds}` : shortHash(restoreTime);
    return bounded(`${dbIdentifier}-pitr-`, stamp, RDS_INSTANCE_ID_MAX);
}
