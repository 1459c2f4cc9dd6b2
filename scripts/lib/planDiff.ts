// The reviewer's view of a change: what a `pulumi up` from the base plan to the new one would do,
// read off the two planned graphs. Traffic first, then resources, then what endangers data, then
// policy violations. Pure: plans in, a review object out, rendered as text or PR-comment markdown.
import { changedPaths, diffPlans, updatingOptions, type GraphDiff } from "./graphDiff";
import { resourceKey, type Plan, type PlannedResource } from "./plan";
import { findDangers, type Danger } from "./planDiffDangers";

// The parts live in planDiffFields (tables), planDiffDangers (checks), planDiffRender (text).
export * from "./planDiffDangers";
export * from "./planDiffFields";
export * from "./planDiffRender";

/** A plan as saved by `npm run plan -- <stack> --json`; `violations` comes from the policy step. */
export interface DiffablePlan extends Plan {
    violations?: unknown[];
}

export interface FieldChange {
    path: string;
    before: unknown;
    after: unknown;
}

export interface TrafficState {
    stable?: string;
    weights: Record<string, number>;
    versions: Record<string, string>;
}

export interface PlanReview {
    stack: string;
    /** How the base was obtained, e.g. "git HEAD~1 (3f2a1bc)" or "plan file out/prod.json". */
    base: string;
    traffic: string;
    diff: GraphDiff;
    /** Per changed resource key, every changed field with its values before and after. */
    fieldChanges: Record<string, FieldChange[]>;
    dangers: Danger[];
    /** null when neither plan carries policy results. */
    policy: { appeared: string[]; disappeared: string[] } | null;
}

type Obj = Record<string, unknown>;

/** Reads "spec.rules[2].backendRefs[0].weight" out of an object. */
export function valueAtPath(root: unknown, path: string): unknown {
    const parts = path.match(/[^.[\]]+/g) ?? [];
    let v = root;
    for (const p of parts) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Obj)[p];
    }
    return v;
}

function trafficOf(plan: Plan): TrafficState | undefined {
    const weights = plan.outputs?.trafficWeights as Record<string, number> | undefined;
    if (!weights || typeof weights !== "object") return undefined;
    const colors = (plan.outputs.colorsDeployed ?? {}) as Record<string, { version?: string }>;
    const versions = Object.fromEntries(
        Object.entries(colors)
            .filter(([, c]) => c && typeof c.version === "string")
            .map(([color, c]) => [color, c.version as string]),
    );
    return { stable: plan.outputs.stableColor as string | undefined, weights, versions };
}

const pct = (w: number | undefined) => (w === undefined ? "none" : `${w} %`);

/** One line: per colour from → to, the stable colour, and colours whose version changes. */
export function trafficLine(before: Plan, after: Plan): string {
    const a = trafficOf(before);
    const b = trafficOf(after);
    if (!b) return "Traffic: unknown (the new plan has no trafficWeights output)";
    if (!a) {
        const now = Object.entries(b.weights).map(([c, w]) => `${c} ${pct(w)}`);
        return `Traffic: new (${[...now, `stable ${b.stable ?? "?"}`].join(" · ")})`;
    }
    const colors = [...new Set([...Object.keys(a.weights), ...Object.keys(b.weights)])].sort();
    const parts: string[] = [];
    let changed = false;
    for (const c of colors) {
        const [from, to] = [a.weights[c], b.weights[c]];
        if (from === to) {
            parts.push(`${c} ${pct(to)}`);
        } else {
            changed = true;
            parts.push(`${c} ${pct(from)} → ${pct(to)}`);
        }
    }
    if (a.stable === b.stable) {
        parts.push(`stable ${b.stable ?? "?"}`);
    } else {
        changed = true;
        parts.push(`stable ${a.stable ?? "?"} → ${b.stable ?? "?"}`);
    }
    for (const c of [...new Set([...Object.keys(a.versions), ...Object.keys(b.versions)])].sort()) {
        if (a.versions[c] !== b.versions[c]) {
            changed = true;
            parts.push(`${c} ${a.versions[c] ?? "none"} → ${b.versions[c] ?? "none"}`);
        }
    }
    return changed ? `Traffic: ${parts.join(" · ")}` : `Traffic: unchanged (${parts.join(" · ")})`;
}

function fieldChangesOf(prev: PlannedResource, next: PlannedResource): FieldChange[] {
    const out: FieldChange[] = [];
    for (const path of changedPaths(prev.inputs, next.inputs)) {
        out.push({
            path,
            before: valueAtPath(prev.inputs, path),
            after: valueAtPath(next.inputs, path),
        });
    }
    for (const path of changedPaths(updatingOptions(prev), updatingOptions(next), "options")) {
        out.push({ path, before: valueAtPath(prev, path), after: valueAtPath(next, path) });
    }
    if (prev.parent !== next.parent)
        out.push({ path: "parent", before: prev.parent, after: next.parent });
    return out;
}

/** A stable one-line description of a policy violation, whatever shape the policy step gives. */
export function describeViolation(v: unknown): string {
    if (typeof v === "string") return v;
    if (!v || typeof v !== "object") return JSON.stringify(v);
    const o = v as Obj;
    const pick = (...keys: string[]) =>
        keys.map((k) => o[k]).find((x) => x !== undefined && x !== "");
    const policy = pick("policyName", "policy", "rule", "id") ?? "policy";
    let resource = pick("resource", "urn", "resourceKey", "resourceName", "name");
    if (resource && typeof resource === "object") {
        const r = resource as Obj;
        resource = r.type && r.name ? `${r.type}::${r.name}` : JSON.stringify(r);
    }
    const level = pick("enforcementLevel", "level");
    const message = pick("message", "description");
    return [
        level ? `[${level}] ` : "",
        String(policy),
        resource ? ` on ${String(resource)}` : "",
        message ? `: ${String(message)}` : "",
    ].join("");
}

function policyChanges(before: DiffablePlan, after: DiffablePlan): PlanReview["policy"] {
    if (!Array.isArray(before.violations) && !Array.isArray(after.violations)) return null;
    const a = new Set((before.violations ?? []).map(describeViolation));
    const b = new Set((after.violations ?? []).map(describeViolation));
    return {
        appeared: [...b].filter((v) => !a.has(v)).sort(),
        disappeared: [...a].filter((v) => !b.has(v)).sort(),
    };
}

export function reviewPlans(before: DiffablePlan, after: DiffablePlan, base: string): PlanReview {
    const diff = diffPlans(before, after);
    const a = new Map(before.resources.map((r) => [resourceKey(r), r] as const));
    const b = new Map(after.resources.map((r) => [resourceKey(r), r] as const));
    const fieldChanges: Record<string, FieldChange[]> = {};
    for (const c of diff.changed) {
        fieldChanges[c.key] = fieldChangesOf(
            a.get(c.key) as PlannedResource,
            b.get(c.key) as PlannedResource,
        );
    }
    return {
        stack: after.stack,
        base,
        traffic: trafficLine(before, after),
        diff,
        fieldChanges,
        dangers: findDangers(before, after, diff),
        policy: policyChanges(before, after),
    };
}
