import type { z } from "zod";

/** A rule across config sections. Report problems with `ctx.addIssue({ code: "custom", path, message, input })`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CrossFieldRule = (cfg: any, ctx: z.RefinementCtx) => void;
