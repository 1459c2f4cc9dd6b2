// Compares two planned graphs resource by resource: what a `pulumi up` from one to the other would
// create, delete or update, and which input fields change.
import { resourceKey, type Plan, type PlannedResource } from "./plan";

export interface ResourceChange {
    key: string;
    type: string;
    /** Dotted paths of changed inputs (e.g. spec.replicas), plus "options.*" for option changes. */
    fields: string[];
}

export interface GraphDiff {
    created: string[];
    deleted: string[];
    changed: ResourceChange[];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Dotted paths where `a` and `b` differ; arrays of objects are compared per index. */
export function changedPaths(a: unknown, b: unknown, prefix = ""): string[] {
    if (isPlainObject(a) && isPlainObject(b)) {
        const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
        return [...keys]
            .sort()
            .flatMap((k) => changedPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
    }
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
        return a.flatMap((v, i) => changedPaths(v, b[i], `${prefix}[${i}]`));
    }
    return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix || "(root)"];
}

/**
 * The options whose change is an update. New dependencies alone are not: the engine records them
 * and calls no provider (they change on every traffic step, with the order of the update).
 */
export function updatingOptions(r: PlannedResource): Partial<PlannedResource["options"]> {
    return { protect: r.options.protect, retainOnDelete: r.options.retainOnDelete };
}

export function diffPlans(before: Plan, after: Plan): GraphDiff {
    const index = (p: Plan) => new Map(p.resources.map((r) => [resourceKey(r), r] as const));
    const a = index(before);
    const b = index(after);
    const created = [...b.keys()].filter((k) => !a.has(k)).sort();
    const deleted = [...a.keys()].filter((k) => !b.has(k)).sort();
    const changed: ResourceChange[] = [];
    for (const [key, next] of b) {
        const prev = a.get(key);
        if (!prev) continue;
        const fields = [
            ...changedPaths(prev.inputs, next.inputs),
            ...changedPaths(updatingOptions(prev), updatingOptions(next), "options"),
            ...(prev.parent !== next.parent ? ["parent"] : []),
        ];
        if (fields.length > 0) changed.push({ key, type: next.type, fields });
    }
    changed.sort((x, y) => x.key.localeCompare(y.key));
    return { created, deleted, changed };
}

export function find(plan: Plan, pred: (r: PlannedResource) => boolean): PlannedResource[] {
    return plan.resources.filter(pred);
}
