// The policy pack is self-contained: `pulumi preview --policy-pack policies` from a fresh checkout
// installs and loads it from policies/ alone, never from the program's node_modules.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const PACK = path.resolve(__dirname, "..", "policies");
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8"));

/** Bare package names a source file imports (`@scope/name` or `name`), node built-ins aside. */
function packagesImported(source: string): string[] {
    const names = [
        ...source.matchAll(
            /(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*)["']([^."'][^"']*)["']/g,
        ),
    ]
        .map((m) => m[1])
        .filter((s) => !s.startsWith("node:"))
        .map((s) => (s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0]));
    return [...new Set(names)];
}

describe("policy pack: self-contained in policies/", () => {
    it("declares every package its sources import, with a lock file that pins them", () => {
        const manifest = readJson(path.join(PACK, "package.json"));
        const declared = new Set(Object.keys(manifest.dependencies ?? {}));
        const builtins = new Set(require("module").builtinModules as string[]);
        const missing: string[] = [];
        for (const file of fs.readdirSync(PACK).filter((f) => f.endsWith(".ts"))) {
            const src = fs.readFileSync(path.join(PACK, file), "utf8");
            for (const pkg of packagesImported(src)) {
                if (!declared.has(pkg) && !builtins.has(pkg)) missing.push(`${file}: ${pkg}`);
            }
        }
        assert.deepStrictEqual(missing, [], "policies/package.json must declare these");
        const lock = readJson(path.join(PACK, "package-lock.json"));
        for (const [name, version] of Object.entries(manifest.dependencies ?? {})) {
            assert.strictEqual(lock.packages?.[`node_modules/${name}`]?.version, version, name);
        }
    });

    it("installs with npm ci in a copy of policies/ alone and loads as the engine does", function () {
        if (!process.env.RELEASE_PACK_INSTALL) {
            // One to two minutes of npm ci on a busy 2-core machine, more than the suite's budget.
            console.log(
                "      (skipped: set RELEASE_PACK_INSTALL=1 to install the pack from scratch)",
            );
            this.skip();
        }
        this.timeout(600000);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-pack-"));
        try {
            for (const f of fs.readdirSync(PACK)) {
                if (!["node_modules", "bin"].includes(f)) {
                    fs.cpSync(path.join(PACK, f), path.join(dir, f), { recursive: true });
                }
            }
            execFileSync(
                "npm",
                ["ci", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"],
                { cwd: dir, stdio: "ignore" },
            );
            // The engine's run-policy-pack registers ts-node through @pulumi/pulumi's tsutils from
            // the pack's own node_modules; policies.ts is everything index.ts hands to PolicyPack.
            const loader = `
                const path = require("path");
                const dir = process.cwd();
                const where = (m) => require.resolve(m, { paths: [dir] });
                const { tsnodeRequire, typescriptRequire } =
                    require(where("@pulumi/pulumi/tsutils")).typeScriptRequireStrings();
                require(tsnodeRequire).register({
                    transpileOnly: true,
                    compiler: typescriptRequire,
                    project: path.join(dir, "tsconfig.json"),
                });
                const pack = require(path.join(dir, "policies.ts"));
                console.log(JSON.stringify({
                    name: pack.PACK_NAME,
                    names: pack.policies().map((p) => p.name),
                    resolved: ["@pulumi/policy", "@pulumi/aws", "@pulumi/kubernetes", "@pulumi/random"].map(where),
                }));`;
            const out = JSON.parse(
                execFileSync(process.execPath, ["-e", loader], { cwd: dir, encoding: "utf8" }),
            );
            const { PACK_NAME, policies } = require("../policies/policies");
            assert.strictEqual(out.name, PACK_NAME);
            assert.deepStrictEqual(
                out.names,
                policies().map((p: { name: string }) => p.name),
            );
            for (const file of out.resolved) {
                assert.ok(file.startsWith(fs.realpathSync(dir)), `${file} must come from the copy`);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
