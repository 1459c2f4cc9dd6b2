// Lists source functions longer than a limit (about 80 lines: decisions stay small and
// constructors only wire). `npm run long-functions` prints them; test/functionLength.test.ts keeps
// the list from growing.
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { REPO_ROOT } from "./plan";

export interface LongFunction {
    /** "path:line" relative to the repository root. */
    where: string;
    /** The function's name, "constructor" or "<anonymous>". */
    name: string;
    lines: number;
}

/** Folders whose functions are checked: the program, the pack and the CLIs (not tests). */
export const SOURCE_DIRS = ["config", "decisions", "components", "policies", "scripts"];
const SKIP = new Set(["node_modules", "out", "bin", ".stryker-tmp", "reports"]);

function nameOf(node: ts.FunctionLikeDeclaration): string {
    if (ts.isConstructorDeclaration(node)) return "constructor";
    if (node.name) return node.name.getText();
    const parent = node.parent;
    if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) {
        return parent.name.getText();
    }
    return "<anonymous>";
}

/** Functions (declarations, methods, arrows, constructors) over `limit` lines in one source text. */
export function longFunctionsIn(file: string, source: string, limit = 80): LongFunction[] {
    const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true);
    const out: LongFunction[] = [];
    const visit = (node: ts.Node) => {
        if (ts.isFunctionLike(node) && "body" in node && node.body) {
            const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
            const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
            const lines = last - first + 1;
            if (lines > limit) {
                out.push({
                    where: `${file}:${first + 1}`,
                    name: nameOf(node as ts.FunctionLikeDeclaration),
                    lines,
                });
            }
        }
        ts.forEachChild(node, visit);
    };
    visit(sf);
    return out;
}

function sourceFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        if (SKIP.has(e.name) || e.name.startsWith(".")) return [];
        const full = path.join(dir, e.name);
        if (e.isDirectory()) return sourceFiles(full);
        return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [full] : [];
    });
}

/** Every long function of the repository's sources, longest first. */
export function longFunctions(root = REPO_ROOT, limit = 80): LongFunction[] {
    const files = [
        path.join(root, "index.ts"),
        ...SOURCE_DIRS.flatMap((d) => sourceFiles(path.join(root, d))),
    ];
    return files
        .flatMap((f) => longFunctionsIn(path.relative(root, f), fs.readFileSync(f, "utf8"), limit))
        .sort((a, b) => b.lines - a.lines || a.where.localeCompare(b.where));
}

if (require.main === module) {
    const found = longFunctions();
    for (const f of found) console.log(`${String(f.lines).padStart(4)}  ${f.where}  ${f.name}`);
    console.log(`${found.length} functions over 80 lines`);
}
