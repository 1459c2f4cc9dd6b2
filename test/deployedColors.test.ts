// A colour's version is read from the config in one place (config/app.ts deployedColors).
import { strict as assert } from "assert";
import { colorsSchema, deployedColors } from "../config/app";

describe("deployed colours", () => {
    it("lists deployed colours in blue, green order with their versions", () => {
        const colors = colorsSchema.parse({ green: { version: "v2" }, blue: { version: "v1" } });
        assert.deepEqual(deployedColors(colors), [
            { color: "blue", version: "v1" },
            { color: "green", version: "v2" },
        ]);
    });

    it("leaves out a colour without a version: it is not deployed", () => {
        assert.deepEqual(deployedColors(colorsSchema.parse({ green: { version: "v2" } })), [
            { color: "green", version: "v2" },
        ]);
        assert.deepEqual(deployedColors(colorsSchema.parse({})), []);
    });
});
