// A typed happy path for the cross-field rules: the checked-in stack's config, parsed as `pulumi up`
// would (every default applied). A case spreads it and changes one property.
import type { ParsedConfig } from "../config/types";
import { parsedConfig } from "../scripts/lib/analysis";
import { loadStackInput } from "../scripts/lib/stackFile";

const parsed = new Map<string, ParsedConfig>();

/** The parsed config of Pulumi.<stage>.yaml; each call gets its own copy to change. */
export function happyConfig(stage: "staging" | "prod"): ParsedConfig {
    let cfg = parsed.get(stage);
    if (!cfg) {
        cfg = parsedConfig(loadStackInput(stage));
        parsed.set(stage, cfg);
    }
    return structuredClone(cfg);
}
