// The stack config's rules on the stack files' values, parsed directly as the program parses them:
// no Pulumi runtime and no planned stack, so each case costs milliseconds (mutation testing runs
// this list once per mutant of config/; config.test.ts and dataConfig.test.ts plan the same cases).
import * as assert from "assert";
import { ConfigError } from "../config";
import { parsedConfig } from "../scripts/lib/analysis";
import { loadStackInput } from "../scripts/lib/stackFile";
import { editedStackConfig, type ConfigEdit } from "../scripts/lib/stackEdit";
import { DATA_CONFIG_CASES, STACK_CONFIG_CASES } from "./configCases";

/** The problems parsing the edited stack reports; fails when it parses. */
function parseProblems(stack: "staging" | "prod", edit: ConfigEdit): string[] {
    const { input, config } = editedStackConfig(stack, edit);
    try {
        parsedConfig({ ...input, config });
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
    throw new Error("expected the config to be rejected, but it parsed");
}

function expectProblem(stack: "staging" | "prod", edit: ConfigEdit, message: string) {
    const problems = parseProblems(stack, edit);
    assert.ok(
        problems.includes(message),
        `expected:\n  ${message}\ngot:\n  ${problems.join("\n  ")}`,
    );
}

describe("stack config, parsed without a plan", () => {
    it("parses both stack files", () => {
        for (const stack of ["staging", "prod"] as const) {
            const cfg = parsedConfig(loadStackInput(stack));
            assert.equal(cfg.stage, stack);
        }
    });

    describe("rejects bad values with the key, the value and the rule", () => {
        for (const [name, edit, message] of STACK_CONFIG_CASES) {
            it(name, () => expectProblem("prod", edit, message));
        }
    });

    describe("rejects bad data-tier values", () => {
        for (const [name, stack, edit, message] of DATA_CONFIG_CASES) {
            it(name, () => expectProblem(stack, edit, message));
        }
    });
});
