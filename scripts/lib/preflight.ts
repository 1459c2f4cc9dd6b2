// Runs the capacity preflight against Prometheus (decisions/preflight.ts holds the checks).
import type { StackConfig } from "../../config";
import { judgePreflight, preflightChecks, type PreflightResult } from "../../decisions/preflight";
import type { PrometheusClient } from "./prometheus";

export interface PreflightReport {
    outcome: "pass" | "fail" | "no data";
    results: PreflightResult[];
    /** One line per check. */
    lines: string[];
    /** The messages of the checks that did not pass. */
    failed: string[];
}

/** Asks Prometheus for every check's values at `at` and judges them. */
export async function runPreflight(
    client: PrometheusClient,
    cfg: StackConfig,
    at?: Date,
): Promise<PreflightReport> {
    const checks = preflightChecks(cfg);
    const results = await Promise.all(
        checks.map(async (c) => {
            const values: Record<string, number | undefined> = {};
            for (const [role, q] of Object.entries(c.queries)) {
                const samples = (await client.query(q, at)).filter((s) => !Number.isNaN(s.value));
                values[role] = samples[0]?.value;
            }
            return judgePreflight(c, values);
        }),
    );
    const outcome = results.some((r) => r.verdict === "fail")
        ? "fail"
        : results.some((r) => r.verdict === "no data")
          ? "no data"
          : "pass";
    return {
        outcome,
        results,
        lines: results.map((r) => r.message),
        failed: results.filter((r) => r.verdict !== "pass").map((r) => r.message),
    };
}
