// Config sections for the data tier (network, database, cache). Filled in by the data-tier work;
// until then every section is optional so app-only stacks still parse.
import { z } from "zod";
import type { CrossFieldRule } from "./types";

export const dataSections = {
    network: z.unknown().optional(),
    database: z.unknown().optional(),
    cache: z.unknown().optional(),
};

export const dataRules: CrossFieldRule[] = [];
