// Config sections for observability (alert thresholds, metric names). Filled in by the alerts work.
import { z } from "zod";
import type { CrossFieldRule } from "./types";

export const monitoringSections = {
    monitoring: z.unknown().optional(),
};

export const monitoringRules: CrossFieldRule[] = [];
