import * as assert from "assert";
import { decodeConfigValue } from "../config";

// The program (loadStackConfig) and the release loop's Automation API reader both decode the
// engine's config values with this: they must read a stack the same way.
describe("decodeConfigValue", () => {
    it("parses objects and lists, which Pulumi hands over as JSON text", () => {
        assert.deepStrictEqual(decodeConfigValue('{"canaryWeight":25}'), { canaryWeight: 25 });
        assert.deepStrictEqual(decodeConfigValue(' ["tue","wed"] '), ["tue", "wed"]);
    });

    it("reads null as null, so a null section is reported as null", () => {
        assert.strictEqual(decodeConfigValue("null"), null);
    });

    it("keeps scalars and text that only looks like JSON as the string given", () => {
        assert.strictEqual(decodeConfigValue("prod"), "prod");
        assert.strictEqual(decodeConfigValue("25"), "25");
        assert.strictEqual(decodeConfigValue("{not json"), "{not json");
    });
});
