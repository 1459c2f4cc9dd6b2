// Loads .ts files in node the way ts-node's transpile-only mode does (no type check: that is
// `npm run typecheck`), but keeps each compiled file on disk, keyed by its source, so a run whose
// sources have not changed never loads the TypeScript compiler. The CLIs and mocha use it:
// `node -r ./scripts/register.js scripts/plan.ts`. The cache lives in node_modules/.cache (never
// committed); RELEASE_TS_CACHE moves it. Compiled files carry inline source maps: run with
// NODE_OPTIONS=--enable-source-maps to see TypeScript lines in stack traces.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const CACHE =
    process.env.RELEASE_TS_CACHE ||
    path.join(__dirname, "..", "node_modules", ".cache", "release-ts");

let ts;
let version;

/** Compiler options as in tsconfig.json, for single-file transpiling. */
function compilerOptions() {
    return {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        resolveJsonModule: true,
        inlineSourceMap: true,
        inlineSources: false,
    };
}

/** The TypeScript version from its package.json, without loading the compiler itself. */
function compilerVersion() {
    if (version === undefined) {
        const pkg = path.join(path.dirname(require.resolve("typescript")), "..", "package.json");
        version = JSON.parse(fs.readFileSync(pkg, "utf8")).version;
    }
    return version;
}

function compile(source, filename) {
    // The output depends on the file's base name (its source map names it), not on its folder:
    // a git worktree of the same sources (`npm run plan -- --diff REF`) reuses this checkout's.
    const key = crypto
        .createHash("sha256")
        .update(`${compilerVersion()}\0${path.basename(filename)}\0${source}`)
        .digest("hex");
    const cached = path.join(CACHE, `${key}.js`);
    try {
        return fs.readFileSync(cached, "utf8");
    } catch {
        // Not compiled yet: compile below.
    }
    ts = ts || require("typescript");
    const out = ts.transpileModule(source, {
        fileName: filename,
        compilerOptions: compilerOptions(),
        reportDiagnostics: false,
    }).outputText;
    try {
        fs.mkdirSync(CACHE, { recursive: true });
        // Write then rename, so parallel runs never read a half-written file.
        const tmp = `${cached}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, out);
        fs.renameSync(tmp, cached);
    } catch {
        // A read-only cache only costs speed.
    }
    return out;
}

require.extensions[".ts"] = function loadTypeScript(module, filename) {
    module._compile(compile(fs.readFileSync(filename, "utf8"), filename), filename);
};
