// Plan-time check of rendered Prometheus rules with the real parser: `promtool check rules` on a
// temporary rules file. Used for the stack's extra alerts, whose PromQL comes straight from config.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** How to install promtool, for messages. */
export const PROMTOOL_INSTALL =
    "apt-get install prometheus (Debian/Ubuntu) or a Prometheus release";

/** A rule group as Prometheus reads it (only the fields promtool needs). */
export interface RulesFileGroup {
    readonly name: string;
    readonly rules: readonly object[];
}

/** One rule promtool rejected: its group, 1-based position in the group and promtool's words. */
export interface RuleRejection {
    readonly group: string;
    readonly rule: number;
    readonly name: string;
    readonly message: string;
}

export type PromtoolResult =
    | { readonly checked: true; readonly rejections: RuleRejection[]; readonly output: string }
    | { readonly checked: false; readonly reason: string };

/**
 * Verdicts by rules file text and PATH: promtool's answer depends on nothing else, and a process
 * that plans many stacks (the tests, the release loop) renders the same rules again and again.
 */
const verdicts = new Map<string, PromtoolResult>();

/**
 * Runs `promtool check rules` on the groups. `checked: false` when promtool is not installed
 * (the caller decides how loudly to say so); never throws for a bad rule.
 */
export function promtoolCheckRules(groups: readonly RulesFileGroup[]): PromtoolResult {
    // JSON is YAML: promtool reads it as a rules file.
    const text = JSON.stringify({ groups }, null, 1);
    // StrykerJS switches mutants in one process: a remembered verdict would outlive its mutant.
    const remember = !("__stryker__" in globalThis);
    const key = `${process.env.PATH}\0${text}`;
    const known = remember ? verdicts.get(key) : undefined;
    if (known) return structuredClone(known);
    const result = runPromtool(text);
    // A missing promtool is not remembered: installing it mid-run takes effect.
    if (remember && result.checked) verdicts.set(key, structuredClone(result));
    return result;
}

function runPromtool(text: string): PromtoolResult {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rules-check-"));
    try {
        const file = path.join(dir, "rules.yaml");
        fs.writeFileSync(file, text);
        const r = spawnSync("promtool", ["check", "rules", file], { encoding: "utf8" });
        if (r.error) {
            return { checked: false, reason: `promtool could not run (${r.error.message})` };
        }
        const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
        const rejections: RuleRejection[] = [];
        for (const m of output.matchAll(/group "([^"]*)", rule (\d+), "([^"]*)": (.*)$/gm)) {
            rejections.push({ group: m[1], rule: Number(m[2]), name: m[3], message: m[4].trim() });
        }
        if (r.status !== 0 && rejections.length === 0) {
            // Not a per-rule problem (e.g. the file itself): report it whole rather than pass.
            rejections.push({ group: "", rule: 0, name: "", message: output.trim() });
        }
        return { checked: true, rejections, output };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The config key an extra alert's rejection points at: its expr, or the annotation at fault. */
function keyOf(message: string): string {
    const annotation = /^annotation "(summary|description)"/.exec(message);
    if (annotation) return annotation[1];
    if (/^label "/.test(message)) return "name";
    return "expr";
}

/**
 * Checks the rendered rule groups that carry `extraAlerts` (in the group named `extraGroup`) with
 * promtool. Returns config problems that name each rejected alert, or a warning when promtool is
 * missing and nothing was checked.
 */
export function extraAlertProblems(
    groups: readonly RulesFileGroup[],
    extraAlerts: readonly { readonly name: string; readonly expr: string }[],
    extraGroup: string,
): { problems: string[]; warning?: string } {
    if (extraAlerts.length === 0) return { problems: [] };
    const result = promtoolCheckRules(groups);
    if (!result.checked) {
        return {
            problems: [],
            warning:
                `${result.reason}: the PromQL of release:monitoring.extraAlerts ` +
                `(${extraAlerts.map((a) => a.name).join(", ")}) was NOT checked. ` +
                `Install promtool (${PROMTOOL_INSTALL}) to check it before Prometheus does.`,
        };
    }
    const problems = result.rejections.map((r) => {
        const i = r.group === extraGroup ? r.rule - 1 : -1;
        const alert = extraAlerts[i];
        if (!alert) {
            return `release:monitoring renders ${r.name ? `rule ${r.name}` : "a rules file"} that promtool rejects: ${r.message}`;
        }
        const key = keyOf(r.message);
        const got = key === "expr" ? ` (got ${JSON.stringify(alert.expr)})` : "";
        return `release:monitoring.extraAlerts[${i}].${key} of alert ${alert.name} must be accepted by promtool check rules, which says: ${r.message}${got}`;
    });
    return { problems };
}
