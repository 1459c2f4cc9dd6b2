// The rendering of a plan review: plain text for the terminal, markdown for the PR comment.
// Pure: a PlanReview in (planDiff.ts builds it), text out.
import type { PlanReview } from "./planDiff";

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

/** The resources table and, in a collapsed block, every changed field. */
function markdownResources(review: PlanReview): string[] {
    const { diff } = review;
    const flagged = dangerKeys(review);
    const out: string[] = ["### Resources", ""];
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
            out.push("", `#### ${code(c.key)}`, "", "| Field | Before | After |", "|---|---|---|");
            for (const f of review.fieldChanges[c.key] ?? []) {
                out.push(
                    `| ${code(f.path)} | ${code(showValue(f.before))} | ${code(showValue(f.after))} |`,
                );
            }
        }
        out.push("");
        out.push("</details>");
    }
    return out;
}

function markdownDangers(review: PlanReview): string[] {
    const out: string[] = ["### Danger", ""];
    if (review.dangers.length === 0) {
        out.push("None: no data store touched, no replacement-forcing field changed.");
        return out;
    }
    out.push("> [!CAUTION]");
    out.push(`> **${review.dangers.length} change(s) put data or uptime at risk.**`);
    out.push(">");
    for (const d of review.dangers) {
        const fields = d.fields.length > 0 ? ` (${d.fields.map(code).join(", ")})` : "";
        out.push(`> - **${d.kind.toUpperCase()}** ${code(d.key)}${fields}: ${cell(d.reason)}`);
    }
    return out;
}

function markdownPolicy(review: PlanReview): string[] {
    const out: string[] = ["### Policy violations", ""];
    if (!review.policy) {
        out.push("Not evaluated: neither plan carries policy results.");
    } else if (review.policy.appeared.length + review.policy.disappeared.length === 0) {
        out.push("No change.");
    } else {
        for (const v of review.policy.appeared) out.push(`- new: ${cell(v)}`);
        for (const v of review.policy.disappeared) out.push(`- resolved: ${cell(v)}`);
    }
    return out;
}

export function renderMarkdown(review: PlanReview): string {
    const out: string[] = [
        commentMarker(review.stack),
        `## Plan diff: \`${review.stack}\``,
        "",
        `Against ${cell(review.base)}. Offline plan: no cloud credentials used.`,
        "",
        `**${review.traffic}**`,
        "",
        ...markdownResources(review),
        "",
        ...markdownDangers(review),
        "",
        ...markdownPolicy(review),
    ];
    return out.join("\n") + "\n";
}
