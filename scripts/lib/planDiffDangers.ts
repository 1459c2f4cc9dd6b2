// The danger checks of the plan diff: what in a change endangers data or forces a replacement,
// judged from the field tables in planDiffFields.ts. Pure: two plans and their diff in, markers out.
import type { GraphDiff } from "./graphDiff";
import { routedDeployments } from "../../policies/util";
import { resourceKey, type Plan, type PlannedResource } from "./plan";
import { policyResources } from "./policyGraph";
import { isDataType, renameFields, replacementFields, STORE_TYPE } from "./planDiffFields";

export type DangerKind =
    | "replace"
    | "delete"
    | "live-image"
    | "restore"
    | "unprotect"
    | "rename"
    | "update"
    | "retain"
    | "create";
const DANGER_ORDER: DangerKind[] = [
    "replace",
    "delete",
    "live-image",
    "restore",
    "unprotect",
    "rename",
    "update",
    "retain",
    "create",
];

export interface Danger {
    kind: DangerKind;
    /** "type::name"; for a delete + create pair, the deleted key. */
    key: string;
    type: string;
    /** The fields behind the marker (replacement-forcing, renaming or changed fields). */
    fields: string[];
    reason: string;
}

type AddDanger = (kind: DangerKind, r: PlannedResource, fields: string[], reason: string) => void;

function replaceReason(r: PlannedResource, cause: string): string {
    if (STORE_TYPE.test(r.type)) return `${cause}: the new data store starts empty`;
    if (r.options.retainOnDelete) return `${cause}; the old one stays in AWS (retainOnDelete)`;
    return isDataType(r.type) ? `${cause}: the old one is deleted` : cause;
}

/** Markers for one resource updated in place (or replaced because a forcing field changed). */
function changeDangers(
    prev: PlannedResource,
    next: PlannedResource,
    changed: readonly string[],
    add: AddDanger,
): void {
    const forcing = replacementFields(next.type, [...changed]);
    if (forcing.length > 0) {
        add(
            "replace",
            next,
            forcing,
            replaceReason(prev, `${forcing.join(", ")} forces replacement`),
        );
    }
    for (const opt of ["protect", "retainOnDelete"] as const) {
        if (prev.options[opt] && !next.options[opt]) {
            add(
                "unprotect",
                next,
                [`options.${opt}`],
                `loses ${opt}: a later change could delete it`,
            );
        }
    }
    if (!isDataType(next.type) || forcing.length > 0) return;
    const renames = renameFields(next.type, [...changed]);
    if (renames.length > 0) {
        add(
            "rename",
            next,
            renames,
            `${renames.join(", ")} renames the data store in place: its endpoint changes and it restarts`,
        );
    }
    const rest = changed.filter((f) => !renames.includes(f));
    if (rest.length > 0) add("update", next, rest, "updates a data resource in place");
}

/**
 * Markers for deleted resources. A data resource deleted while another of the same type is
 * created is a replacement (a renamed resource): for a store, the new one starts empty.
 * Returns the created keys paired with a delete.
 */
function deleteDangers(
    deleted: readonly PlannedResource[],
    createdData: readonly PlannedResource[],
    add: AddDanger,
): Set<string> {
    const paired = new Set<string>();
    for (const gone of deleted) {
        if (isDataType(gone.type) && gone.options.retainOnDelete) {
            add("retain", gone, [], "leaves the stack but stays in AWS (retainOnDelete)");
        } else if (isDataType(gone.type)) {
            const twin = createdData.find(
                (r) => !paired.has(resourceKey(r)) && r.type === gone.type,
            );
            if (twin) {
                const twinKey = resourceKey(twin);
                paired.add(twinKey);
                add(
                    "replace",
                    gone,
                    [],
                    replaceReason(gone, `replaced by ${twinKey} (delete + create)`),
                );
            } else {
                const what = STORE_TYPE.test(gone.type)
                    ? "deletes a data store and its data"
                    : "deletes a data resource";
                add("delete", gone, [], what);
            }
        } else if (gone.options.protect) {
            const why = "deletes a protected resource (pulumi up refuses until it is unprotected)";
            add("delete", gone, [], why);
        }
    }
    return paired;
}

/** Deployments that take traffic in `plan`, by key, with their total weight. */
function liveDeployments(plan: Plan): Map<string, number> {
    const nodes = policyResources(plan);
    const keyOf = new Map(nodes.map((n) => [n.resource, n.key] as const));
    const live = new Map<string, number>();
    for (const { deployment, weight } of routedDeployments(nodes.map((n) => n.resource))) {
        const key = keyOf.get(deployment);
        if (key && weight > 0) live.set(key, weight);
    }
    return live;
}

/** Pod-template fields that change which code runs: container images and the version label. */
const CODE_FIELD =
    /^spec\.template\.(spec\.(initContainers|containers)\[\d+\]\.image|metadata\.labels\.version)$/;

/**
 * Blue/green never changes the live colour in place: new code goes to the idle colour, and traffic
 * moves after the release snapshot and the migration. A Deployment that takes traffic in the base
 * and changes its image or version here rolls new code out to live users at once.
 */
function liveImageDangers(before: Plan, diff: GraphDiff, after: Plan, add: AddDanger): void {
    const live = liveDeployments(before);
    const b = new Map(after.resources.map((r) => [resourceKey(r), r] as const));
    for (const change of diff.changed) {
        const weight = live.get(change.key);
        const fields = change.fields.filter((f) => CODE_FIELD.test(f));
        if (weight === undefined || fields.length === 0) continue;
        add(
            "live-image",
            b.get(change.key) as PlannedResource,
            fields,
            `changes the code of a colour that takes ${weight} % of traffic in the base: live users get it at once, beside the release snapshot and migration instead of after them (deploy to the idle colour, then shift)`,
        );
    }
}

type Writes = { mode?: string; database?: string | null; restoredFrom?: string | null };

/**
 * A restore moves the app to another database instance. Safe only when the base already runs no
 * pods (writes stopped in an earlier update): otherwise pods write to the old instance until this
 * update has stopped them, and those writes are not in the restored one.
 */
function restoreDangers(before: Plan, after: Plan, add: AddDanger): void {
    const was = (before.outputs.writes ?? {}) as Writes;
    const now = (after.outputs.writes ?? {}) as Writes;
    if (!was.database || !now.database || was.database === now.database) return;
    const target = after.resources.find(
        (r) => r.type === "aws:rds/instance:Instance" && r.inputs.identifier === now.database,
    );
    if (!target) return;
    const reason =
        was.mode === "stopped"
            ? `moves the app from ${was.database} to ${now.database}; writes were stopped in the base, so no pod writes to ${was.database} meanwhile (it stays, protected)`
            : `moves the app from ${was.database} to ${now.database} while the base still serves writes: writes made to ${was.database} until this update stops them are not in ${now.database} (stop writes in their own pulumi up first)`;
    add("restore", target, [], reason);
}

/** Markers for what endangers data or forces a replacement, most severe first. */
export function findDangers(before: Plan, after: Plan, diff: GraphDiff): Danger[] {
    const a = new Map(before.resources.map((r) => [resourceKey(r), r] as const));
    const b = new Map(after.resources.map((r) => [resourceKey(r), r] as const));
    const dangers: Danger[] = [];
    const add: AddDanger = (kind, r, fields, reason) =>
        dangers.push({ kind, key: resourceKey(r), type: r.type, fields, reason });
    for (const change of diff.changed) {
        const prev = a.get(change.key) as PlannedResource;
        const next = b.get(change.key) as PlannedResource;
        changeDangers(prev, next, change.fields, add);
    }
    liveImageDangers(before, diff, after, add);
    restoreDangers(before, after, add);
    const createdData = diff.created
        .map((k) => b.get(k) as PlannedResource)
        .filter((r) => isDataType(r.type));
    const deleted = diff.deleted.map((k) => a.get(k) as PlannedResource);
    const paired = deleteDangers(deleted, createdData, add);
    for (const r of createdData.filter((r) => !paired.has(resourceKey(r)))) {
        const what = r.options.retainOnDelete
            ? "creates a data resource (kept on delete)"
            : "creates a data resource";
        add("create", r, [], what);
    }
    return dangers.sort(
        (x, y) =>
            DANGER_ORDER.indexOf(x.kind) - DANGER_ORDER.indexOf(y.kind) ||
            x.key.localeCompare(y.key),
    );
}
