// The policy pack carries its own alert catalogue (it installs from policies/ alone); the program
// builds its rules from decisions/alertRules. Both must name the same alerts, and the rules built
// for each checked-in stack must be exactly the catalogue.
import * as assert from "assert";
import { parseStackConfig } from "../config";
import { ALERT_CATALOGUE, alertingRules, buildRuleGroups } from "../decisions/alertRules";
import { ALERT_CATALOGUE as PACK_CATALOGUE } from "../policies/alertCatalogue";
import {
    DEFAULT_APP_ALERTS,
    DEFAULT_CACHE_ALERTS,
    DEFAULT_DATABASE_ALERTS,
    DEFAULT_REQUIRED_ALERTS,
} from "../policies/monitoring";
import { editedStackConfig, type StackName } from "../scripts/lib/stackEdit";

function parsedStack(stack: StackName) {
    const { input, config } = editedStackConfig(stack);
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config)) {
        if (k.startsWith(`${input.project}:`)) raw[k.slice(input.project.length + 1)] = v;
    }
    return parseStackConfig(raw);
}

describe("alert catalogue: the pack's copy and the program's agree", () => {
    it("has the same IDs and alert names on both sides", () => {
        assert.deepStrictEqual(PACK_CATALOGUE, ALERT_CATALOGUE);
    });

    for (const stack of ["staging", "prod"] as StackName[]) {
        it(`requires by default exactly the alerts the rules of ${stack} define`, () => {
            const cfg = parsedStack(stack);
            const groups = buildRuleGroups({
                appName: cfg.app.name,
                namespace: cfg.app.namespace,
                monitoring: cfg.monitoring!,
            });
            const built = [...new Set(alertingRules(groups).map((r) => r.alert))];
            // The stack's own alerts come on top of the catalogue and never replace one of it.
            const extras = cfg.monitoring!.extraAlerts.map((x) => x.name);
            assert.deepStrictEqual(
                extras.filter((n) => DEFAULT_REQUIRED_ALERTS.includes(n)),
                [],
            );
            assert.deepStrictEqual(
                built.filter((n) => !extras.includes(n)).sort(),
                [...DEFAULT_REQUIRED_ALERTS].sort(),
            );
            assert.deepStrictEqual(
                built.filter((n) => extras.includes(n)).sort(),
                [...extras].sort(),
            );
        });
    }

    // The program builds a store's alerts only when the stack has it; the pack requires them on
    // the same condition. Each combination must agree, or a stack fails its own policy.
    for (const database of [false, true]) {
        for (const cache of [false, true]) {
            it(`builds what the pack requires with database=${database}, cache=${cache}`, () => {
                const cfg = parsedStack("prod");
                const groups = buildRuleGroups({
                    appName: cfg.app.name,
                    namespace: cfg.app.namespace,
                    monitoring: { ...cfg.monitoring!, extraAlerts: [] },
                    stores: { database, cache },
                });
                const built = [...new Set(alertingRules(groups).map((r) => r.alert))].sort();
                const required = [
                    ...DEFAULT_APP_ALERTS,
                    ...(database ? DEFAULT_DATABASE_ALERTS : []),
                    ...(cache ? DEFAULT_CACHE_ALERTS : []),
                ].sort();
                assert.deepStrictEqual(built, required);
            });
        }
    }
});
