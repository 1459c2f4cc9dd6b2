// The danger checks of the plan diff: what in a change endangers data or forces a replacement,
// judged from the field tables in planDiffFields.ts. Pure: two plans and their diff in, markers out.
import type { GraphDiff } from "./graphDiff";
import { resourceKey, type Plan, type PlannedResource } from "./plan";
import { isDataType, renameFields, replacementFields, STORE_TYPE } from "./planDiffFields";

export type DangerKind =
    "replace" | "delete" | "unprotect" | "rename" | "update" | "retain" | "create";
const DANGER_ORDER: DangerKind[] = [
    "replace",
    "delete",
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
