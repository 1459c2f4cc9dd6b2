// Functions stay about 80 lines (decisions small, constructors only wiring). The ones still over
// are listed here so the list can only shrink: a new long function fails, and so does an entry
// that has been split (remove it). `npm run long-functions` prints the current set.
import { strict as assert } from "assert";
import { longFunctions, longFunctionsIn } from "../scripts/lib/longFunctions";

/** "file name" of each function still over the limit; declarative tables and pending splits. */
const KNOWN = new Set<string>([]);

const body = (n: number) => Array.from({ length: n }, (_, i) => `    const x${i} = ${i};`);

describe("function length", () => {
    it("counts a function's lines from its first to its last", () => {
        // 2 lines of signature and brace plus the body.
        const fn = (n: number) => ["function f() {", ...body(n), "}"].join("\n");
        assert.deepEqual(longFunctionsIn("a.ts", fn(78)), []);
        assert.deepEqual(longFunctionsIn("a.ts", fn(79)), [
            { where: "a.ts:1", name: "f", lines: 81 },
        ]);
        const src = ["class C {", "    constructor() {", ...body(80), "    }", "}"].join("\n");
        assert.deepEqual(
            longFunctionsIn("c.ts", src).map((f) => f.name),
            ["constructor"],
        );
        const arrow = ["export const g = () => {", ...body(85), "};"].join("\n");
        assert.deepEqual(
            longFunctionsIn("g.ts", arrow).map((f) => f.name),
            ["g"],
        );
    });

    it("has no new function over 80 lines, and no listed one that is now short", () => {
        const found = longFunctions().map((f) => `${f.where.replace(/:\d+$/, "")} ${f.name}`);
        assert.deepEqual(
            found.filter((f) => !KNOWN.has(f)),
            [],
            "split these functions (about 80 lines at most)",
        );
        assert.deepEqual(
            [...KNOWN].filter((k) => !found.includes(k)),
            [],
            "these are short now: remove them from KNOWN",
        );
    });
});
