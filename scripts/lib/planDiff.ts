// The reviewer's view of a change: what a `pulumi up` from the base plan to the new one would do,
// read off the two planned graphs. Traffic first, then resources, then what endangers data, then
// policy violations. Pure: plans in, a review object out, rendered as text or PR-comment markdown.
import { changedPaths, diffPlans, type GraphDiff } from "./graphDiff";
import { resourceKey, type Plan, type PlannedResource } from "./plan";

/** A plan as saved by `npm run plan -- <stack> --json`; `violations` comes from the policy step. */
export interface DiffablePlan extends Plan {
    violations?: unknown[];
}

/** Data stores: any change to these is flagged, whatever the field. */
export const DATA_TYPE = /^aws:(rds|elasticache)\//;

/**
 * Inputs whose change makes the provider delete and recreate the resource (ForceNew in the
 * schema of the Terraform AWS provider that @pulumi/aws 7.x bridges: internal/service/rds/
 * instance.go, snapshot.go, elasticache/replication_group.go). For a data store that means an
 * empty database or cache. test/diffDanger.test.ts lists the expected fields independently.
 */
export const REPLACEMENT_FIELDS: Record<string, readonly string[]> = {
    "aws:rds/instance:Instance": [
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
    ],
    "aws:elasticache/replicationGroup:ReplicationGroup": [
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
    ],
    // A release snapshot is replaced when the instance or its id changes; the old one is only
    // kept because release snapshots are retainOnDelete.
    "aws:rds/snapshot:Snapshot": ["dbInstanceIdentifier", "dbSnapshotIdentifier"],
    "aws:rds/parameterGroup:ParameterGroup": ["name", "namePrefix", "family"],
    "aws:rds/subnetGroup:SubnetGroup": ["name", "namePrefix"],
    "aws:elasticache/parameterGroup:ParameterGroup": ["name", "family"],
    "aws:elasticache/subnetGroup:SubnetGroup": ["name"],
    "aws:ec2/securityGroup:SecurityGroup": ["name", "namePrefix", "vpcId"],
    // Immutable Kubernetes fields: the provider replaces the object (a Deployment replacement
    // drops the colour's pods; a Service replacement changes its cluster IP).
    "kubernetes:apps/v1:Deployment": ["spec.selector"],
    "kubernetes:core/v1:Service": ["spec.clusterIP", "spec.clusterIPs"],
};

/** Every Kubernetes object is replaced when its name or namespace changes. */
const KUBERNETES_REPLACEMENT_FIELDS = ["metadata.name", "metadata.namespace"];

/**
 * Inputs that change a data store in place but change how clients reach it. Since provider v5 an
 * RDS identifier change is a rename (ModifyDBInstance), not a replacement: the endpoint changes
 * and the instance reboots.
 */
export const RENAME_FIELDS: Record<string, readonly string[]> = {
    "aws:rds/instance:Instance": ["identifier", "identifierPrefix"],
};

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

const fieldMatches = (field: string, prefix: string) =>
    field === prefix || field.startsWith(`${prefix}.`) || field.startsWith(`${prefix}[`);

/** Replacement-forcing fields among `fields` for a resource of `type`. */
export function replacementFields(type: string, fields: string[]): string[] {
    const table = [
        ...(REPLACEMENT_FIELDS[type] ?? []),
        ...(type.startsWith("kubernetes:") ? KUBERNETES_REPLACEMENT_FIELDS : []),
    ];
    return fields.filter((f) => table.some((p) => fieldMatches(f, p)));
}

function renameFields(type: string, fields: string[]): string[] {
    return fields.filter((f) => (RENAME_FIELDS[type] ?? []).some((p) => fieldMatches(f, p)));
}

export const isDataType = (type: string) => DATA_TYPE.test(type);

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
    for (const path of changedPaths(prev.options, next.options, "options")) {
        out.push({ path, before: valueAtPath(prev, path), after: valueAtPath(next, path) });
    }
    if (prev.parent !== next.parent)
        out.push({ path: "parent", before: prev.parent, after: next.parent });
    return out;
}

/** Data stores proper: replacing one of these loses its data. */
export const STORE_TYPE =
    /^aws:(rds\/instance:Instance|rds\/cluster:Cluster|elasticache\/replicationGroup:ReplicationGroup|elasticache\/cluster:Cluster)$/;

function replaceReason(r: PlannedResource, cause: string): string {
    if (STORE_TYPE.test(r.type)) return `${cause}: the new data store starts empty`;
    if (r.options.retainOnDelete) return `${cause}; the old one stays in AWS (retainOnDelete)`;
    return isDataType(r.type) ? `${cause}: the old one is deleted` : cause;
}

/** Markers for what endangers data or forces a replacement, most severe first. */
export function findDangers(before: Plan, after: Plan, diff: GraphDiff): Danger[] {
    const a = new Map(before.resources.map((r) => [resourceKey(r), r] as const));
    const b = new Map(after.resources.map((r) => [resourceKey(r), r] as const));
    const dangers: Danger[] = [];
    const add = (kind: DangerKind, r: PlannedResource, fields: string[], reason: string) =>
        dangers.push({ kind, key: resourceKey(r), type: r.type, fields, reason });
    for (const change of diff.changed) {
        const prev = a.get(change.key) as PlannedResource;
        const next = b.get(change.key) as PlannedResource;
        const forcing = replacementFields(change.type, change.fields);
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
        if (!isDataType(change.type) || forcing.length > 0) continue;
        const renames = renameFields(change.type, change.fields);
        if (renames.length > 0) {
            add(
                "rename",
                next,
                renames,
                `${renames.join(", ")} renames the data store in place: its endpoint changes and it restarts`,
            );
        }
        const rest = change.fields.filter((f) => !renames.includes(f));
        if (rest.length > 0) add("update", next, rest, "updates a data resource in place");
    }
    // A data resource deleted while another of the same type is created is a replacement (a
    // renamed resource): for a store, the new one starts empty.
    const createdData = diff.created.filter((k) => isDataType((b.get(k) as PlannedResource).type));
    const paired = new Set<string>();
    for (const key of diff.deleted) {
        const gone = a.get(key) as PlannedResource;
        if (isDataType(gone.type) && gone.options.retainOnDelete) {
            add("retain", gone, [], "leaves the stack but stays in AWS (retainOnDelete)");
        } else if (isDataType(gone.type)) {
            const twin = createdData.find((k) => !paired.has(k) && b.get(k)?.type === gone.type);
            if (twin) {
                paired.add(twin);
                add(
                    "replace",
                    gone,
                    [],
                    replaceReason(gone, `replaced by ${twin} (delete + create)`),
                );
            } else {
                add(
                    "delete",
                    gone,
                    [],
                    STORE_TYPE.test(gone.type)
                        ? "deletes a data store and its data"
                        : "deletes a data resource",
                );
            }
        } else if (gone.options.protect) {
            add(
                "delete",
                gone,
                [],
                "deletes a protected resource (pulumi up refuses until it is unprotected)",
            );
        }
    }
    for (const key of createdData.filter((k) => !paired.has(k))) {
        const r = b.get(key) as PlannedResource;
        add(
            "create",
            r,
            [],
            r.options.retainOnDelete
                ? "creates a data resource (kept on delete)"
                : "creates a data resource",
        );
    }
    return dangers.sort(
        (x, y) =>
            DANGER_ORDER.indexOf(x.kind) - DANGER_ORDER.indexOf(y.kind) ||
            x.key.localeCompare(y.key),
    );
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

// ---- rendering ----

const MAX_VALUE = 120;

/** A value as short JSON; "(unset)" for absent values. */
export function showValue(v: unknown): string {
    if (v === undefined) return "(unset)";
    const text = JSON.stringify(v);
    return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

const splitKey = (key: string) => {
    const i = key.lastIndexOf("::");
    return { type: key.slice(0, i), name: key.slice(i + 2) };
};

function dangerKeys(review: PlanReview): Set<string> {
    return new Set(review.dangers.map((d) => d.key));
}

export function renderText(review: PlanReview): string {
    const out: string[] = [];
    const { diff } = review;
    out.push(review.traffic);
    out.push("");
    out.push(`Plan diff for ${review.stack} against ${review.base}`);
    out.push(
        `Resources: ${diff.created.length} to create, ${diff.deleted.length} to delete, ${diff.changed.length} to update`,
    );
    const flagged = dangerKeys(review);
    const mark = (key: string) => (flagged.has(key) ? "  !! DANGER" : "");
    for (const key of diff.created) out.push(`  + ${key}${mark(key)}`);
    for (const key of diff.deleted) out.push(`  - ${key}${mark(key)}`);
    for (const c of diff.changed) {
        out.push(`  ~ ${c.key}${mark(c.key)}`);
        for (const f of review.fieldChanges[c.key] ?? []) {
            out.push(`      ${f.path}: ${showValue(f.before)} → ${showValue(f.after)}`);
        }
    }
    out.push("");
    if (review.dangers.length === 0) {
        out.push("Danger: none (no data store touched, no replacement-forcing field changed)");
    } else {
        out.push(`DANGER: ${review.dangers.length} change(s) put data or uptime at risk`);
        for (const d of review.dangers) {
            const fields = d.fields.length > 0 ? ` (${d.fields.join(", ")})` : "";
            out.push(`  !! ${d.kind.toUpperCase()} ${d.key}${fields}: ${d.reason}`);
        }
    }
    out.push("");
    if (!review.policy) {
        out.push("Policy violations: not evaluated (neither plan carries policy results)");
    } else if (review.policy.appeared.length + review.policy.disappeared.length === 0) {
        out.push("Policy violations: no change");
    } else {
        out.push("Policy violations:");
        for (const v of review.policy.appeared) out.push(`  + ${v}`);
        for (const v of review.policy.disappeared) out.push(`  - ${v} (resolved)`);
    }
    return out.join("\n");
}

/** Escapes text for a markdown table cell. */
function cell(text: string): string {
    return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** Inline code that survives backticks inside the value. */
function code(text: string): string {
    const t = cell(text);
    return t.includes("`") ? `\`\` ${t} \`\`` : `\`${t}\``;
}

/** The marker the workflow uses to find and edit its own comment for a stack. */
export const commentMarker = (stack: string) => `<!-- release-plan-diff:${stack} -->`;

export function renderMarkdown(review: PlanReview): string {
    const { diff } = review;
    const out: string[] = [];
    const flagged = dangerKeys(review);
    out.push(commentMarker(review.stack));
    out.push(`## Plan diff: \`${review.stack}\``);
    out.push("");
    out.push(`Against ${cell(review.base)}. Offline plan: no cloud credentials used.`);
    out.push("");
    out.push(`**${review.traffic}**`);
    out.push("");
    out.push("### Resources");
    out.push("");
    out.push(
        `${diff.created.length} to create, ${diff.deleted.length} to delete, ${diff.changed.length} to update.`,
    );
    if (diff.created.length + diff.deleted.length + diff.changed.length > 0) {
        out.push("");
        out.push("| | Type | Name | Changed fields |");
        out.push("|---|---|---|---|");
        const row = (op: string, key: string, fields: string) => {
            const { type, name } = splitKey(key);
            const danger = flagged.has(key) ? " **DANGER**" : "";
            out.push(`| ${op}${danger} | ${code(type)} | ${code(name)} | ${fields} |`);
        };
        for (const key of diff.created) row("create", key, "");
        for (const key of diff.deleted) row("delete", key, "");
        for (const c of diff.changed) row("update", c.key, c.fields.map(code).join(", "));
    }
    if (diff.changed.length > 0) {
        const n = Object.values(review.fieldChanges).reduce((s, f) => s + f.length, 0);
        out.push("");
        out.push(`<details><summary>Full field diff (${n} fields)</summary>`);
        for (const c of diff.changed) {
            out.push("");
            out.push(`#### ${code(c.key)}`);
            out.push("");
            out.push("| Field | Before | After |");
            out.push("|---|---|---|");
            for (const f of review.fieldChanges[c.key] ?? []) {
                out.push(
                    `| ${code(f.path)} | ${code(showValue(f.before))} | ${code(showValue(f.after))} |`,
                );
            }
        }
        out.push("");
        out.push("</details>");
    }
    out.push("");
    out.push("### Danger");
    out.push("");
    if (review.dangers.length === 0) {
        out.push("None: no data store touched, no replacement-forcing field changed.");
    } else {
        out.push("> [!CAUTION]");
        out.push(`> **${review.dangers.length} change(s) put data or uptime at risk.**`);
        out.push(">");
        for (const d of review.dangers) {
            const fields = d.fields.length > 0 ? ` (${d.fields.map(code).join(", ")})` : "";
            out.push(`> - **${d.kind.toUpperCase()}** ${code(d.key)}${fields}: ${cell(d.reason)}`);
        }
    }
    out.push("");
    out.push("### Policy violations");
    out.push("");
    if (!review.policy) {
        out.push("Not evaluated: neither plan carries policy results.");
    } else if (review.policy.appeared.length + review.policy.disappeared.length === 0) {
        out.push("No change.");
    } else {
        for (const v of review.policy.appeared) out.push(`- new: ${cell(v)}`);
        for (const v of review.policy.disappeared) out.push(`- resolved: ${cell(v)}`);
    }
    return out.join("\n") + "\n";
}
