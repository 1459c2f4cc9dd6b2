import type { z } from "zod";
import type { ParsedConfig } from "./index";

export type { ParsedConfig } from "./index";

/** One config problem: the key path under `release:`, the value found and the rule it breaks. */
export interface ConfigIssue {
    readonly path: (string | number)[];
    readonly input: unknown;
    /** "must …", completed by formatIssues into "release:<path> must … (got …)". */
    readonly message: string;
}

/** A rule across config sections, over the parsed config (every section's defaults applied). */
export type CrossFieldRule = (cfg: ParsedConfig, ctx: z.RefinementCtx) => void;

/** The one way a rule reports: each problem becomes a zod issue that formatIssues renders. */
export function reportIssues(ctx: z.RefinementCtx, issues: readonly ConfigIssue[]): void {
    for (const p of issues) {
        ctx.addIssue({ code: "custom", path: p.path, input: p.input, message: p.message });
    }
}
