// The tree shows the data flow, and imports follow it one way: config ← decisions ← components ←
// index.ts; policies/ stands alone; scripts/ never reaches into test/. Reads every source file's
// relative imports (static, re-exports, require and dynamic import) and checks each edge.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const SKIP = new Set(["node_modules", "out", "bin", ".git", ".stryker-tmp", "reports"]);

/** Where each area may import from (relative imports only; packages are checked elsewhere). */
const ALLOWED: Record<string, readonly string[]> = {
    config: ["config"],
    decisions: ["config", "decisions"],
    components: ["config", "decisions", "components"],
    "index.ts": ["config", "decisions", "components"],
    policies: ["policies"],
};

/** The top-level area of a repository path: its first folder, or the file name at the root. */
export function areaOf(rel: string): string {
    return rel.split(/[\\/]/)[0];
}

/** Why an import from `from` to `to` (both relative to the root) goes against the flow, if it does. */
export function layoutViolation(from: string, to: string): string | undefined {
    const a = areaOf(from);
    const b = areaOf(to);
    const allowed = ALLOWED[a];
    if (allowed && !allowed.includes(b)) {
        return `${from} imports ${to}: ${a} may import only from ${allowed.join(", ")}`;
    }
    if (a === "scripts" && b === "test")
        return `${from} imports ${to}: scripts/ must not import test/`;
    return undefined;
}

function sourceFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        if (SKIP.has(e.name) || e.name.startsWith(".")) return [];
        const full = path.join(dir, e.name);
        if (e.isDirectory()) return sourceFiles(full);
        return /\.(ts|js|mjs|cjs)$/.test(e.name) && !e.name.endsWith(".d.ts") ? [full] : [];
    });
}

const SPECIFIER =
    /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']*)["']/gm;

/** Relative module specifiers of one file's source. */
export function relativeImports(source: string): string[] {
    return [...source.matchAll(SPECIFIER)].map((m) => m[1]);
}

describe("layout: imports follow config → decisions → components → index.ts", () => {
    it("flags edges against the flow (the checker itself)", () => {
        assert.ok(layoutViolation("config/data.ts", "decisions/dataNaming.ts"));
        assert.ok(layoutViolation("decisions/capacity.ts", "components/app/x.ts"));
        assert.ok(layoutViolation("components/data/dataTier.ts", "index.ts"));
        assert.ok(layoutViolation("policies/monitoring.ts", "decisions/alertRules.ts"));
        assert.ok(layoutViolation("scripts/lib/plan.ts", "test/helpers.ts"));
        assert.strictEqual(layoutViolation("decisions/routing.ts", "config/index.ts"), undefined);
        assert.strictEqual(
            layoutViolation("scripts/lib/summary.ts", "policies/util.ts"),
            undefined,
        );
        assert.strictEqual(layoutViolation("test/x.test.ts", "scripts/lib/plan.ts"), undefined);
    });

    it("reads static, re-export, require and dynamic imports", () => {
        const src = [
            'import { a } from "../config";',
            'export * from "./b";',
            'import "./side-effect";',
            'const c = require("../c");',
            'const d = await import("../d/e");',
            'import * as z from "zod";',
        ].join("\n");
        assert.deepStrictEqual(relativeImports(src), [
            "../config",
            "./b",
            "./side-effect",
            "../c",
            "../d/e",
        ]);
    });

    it("no source file imports against the flow", () => {
        const problems: string[] = [];
        for (const file of sourceFiles(ROOT)) {
            const from = path.relative(ROOT, file);
            for (const spec of relativeImports(fs.readFileSync(file, "utf8"))) {
                const to = path.relative(ROOT, path.resolve(path.dirname(file), spec));
                const problem = layoutViolation(from, to);
                if (problem) problems.push(problem);
            }
        }
        assert.deepStrictEqual(problems, []);
    });
});
