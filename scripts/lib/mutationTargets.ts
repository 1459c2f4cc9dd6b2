// What `npm run mutate` mutates, and which tests it runs against each file. Only fast, pure tests
// are listed (no planned stacks, no child processes): StrykerJS runs them once per mutant, and a
// decision is pinned by the tests of that decision, not by whatever a whole plan happens to check.
import * as fs from "fs";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "..", "..");

/** Folders whose every .ts file is mutated. */
export const MUTATED_DIRS = ["decisions", "config", "policies"] as const;
export type MutatedDir = (typeof MUTATED_DIRS)[number];

/**
 * What `npm run mutate` runs with no file named: the decision modules and the policy pack, the set
 * held to the floor. config/ is measured on request (`--set config`, or `--set all`).
 */
export const DEFAULT_SET: readonly MutatedDir[] = ["decisions", "policies"];

/** Files left out, with the reason. */
export const NOT_MUTATED: Record<string, string> = {
    // Constructing the PolicyPack starts the engine's gRPC server; the rules live elsewhere.
    "policies/index.ts": "constructs the PolicyPack (no rules of its own)",
    "config/types.ts": "type declarations only",
};

/** Folders whose files must reach the mutation-score floor (config/ is measured, not held). */
export const FLOOR_DIRS = ["decisions", "policies"] as const;
export const SCORE_FLOOR = 90;

export interface MutationTarget {
    files: RegExp;
    tests: readonly string[];
    /**
     * Mocha's grep over full test titles, for a test file that mixes pure tests with planned
     * stacks: every static mutant runs the whole list in a fresh process, so the slow tests are
     * left out here rather than paid for once per static mutant.
     */
    grep?: string;
}

/** First match wins: a file's tests. */
export const TESTS_FOR: readonly MutationTarget[] = [
    {
        // Module-level data only (every mutant is static): the test that holds it equal to the
        // program's catalogue, and the one that requires its alerts of a stack.
        files: /^policies\/alertCatalogue\.ts$/,
        tests: ["test/alertCatalogue.test.ts", "test/requiredAlerts.test.ts"],
    },
    {
        files: /^policies\//,
        tests: [
            "test/policies.test.ts",
            "test/policies.branches.test.ts",
            "test/policyUtil.test.ts",
            "test/policies.storage.test.ts",
            "test/policies.storage.edges.test.ts",
            "test/policies.identity.edges.test.ts",
            "test/routes.previews.test.ts",
        ],
    },
    { files: /^decisions\/routing\.ts$/, tests: ["test/routing.fields.test.ts"] },
    { files: /^decisions\/capacity\.ts$/, tests: ["test/capacity.test.ts"] },
    {
        files: /^decisions\/database\.ts$/,
        tests: ["test/databaseBuilders.test.ts", "test/dataSafety.test.ts"],
    },
    {
        files: /^decisions\/(cache|dataNetwork)\.ts$/,
        tests: ["test/cacheBuilders.test.ts"],
    },
    { files: /^decisions\/dataTier\.ts$/, tests: ["test/dataTier.decisions.test.ts"] },
    {
        files: /^decisions\/dataNaming\.ts$/,
        tests: ["test/dataNaming.test.ts", "test/dataNaming.edges.test.ts"],
    },
    { files: /^decisions\/podSecurity\.ts$/, tests: ["test/podSecurity.test.ts"] },
    {
        files: /^decisions\/ordering\.ts$/,
        tests: ["test/ordering.test.ts", "test/ordering.edges.test.ts"],
    },
    {
        files: /^decisions\/storage\.ts$/,
        tests: ["test/storage.test.ts", "test/storage.decisions.test.ts"],
    },
    {
        files: /^decisions\/metricsCatalogue\.ts$/,
        tests: ["test/metricsCatalogue.test.ts", "test/metricsCatalogue.entries.test.ts"],
    },
    {
        files: /^decisions\/cloudwatchExporter\.ts$/,
        tests: ["test/metricsCatalogue.test.ts", "test/cloudwatchExporter.decisions.test.ts"],
    },
    { files: /^decisions\/dashboard\.ts$/, tests: ["test/dashboard.decisions.test.ts"] },
    {
        files: /^decisions\/metricsExporters\.ts$/,
        tests: ["test/metricsExporters.decisions.test.ts"],
    },
    { files: /^decisions\/monitors\.ts$/, tests: ["test/monitors.decisions.test.ts"] },
    {
        files: /^decisions\/changeWindow\.ts$/,
        tests: ["test/changeWindow.test.ts", "test/changeWindow.edges.test.ts"],
    },
    { files: /^decisions\/smokeTest\.ts$/, tests: ["test/smokeTest.decisions.test.ts"] },
    { files: /^decisions\/writes\.ts$/, tests: ["test/writes.decisions.test.ts"] },
    {
        files: /^decisions\/(podTemplate|workloadObjects)\.ts$/,
        tests: ["test/podTemplate.test.ts", "test/workloadObjects.decisions.test.ts"],
    },
    {
        files: /^decisions\/(analysis|httpQueries)\.ts$/,
        tests: ["test/analysis.decisions.test.ts"],
    },
    {
        files: /^decisions\/preflight\.ts$/,
        tests: ["test/preflight.test.ts", "test/preflight.decisions.test.ts"],
    },
    { files: /^decisions\/backups\.ts$/, tests: ["test/backups.decisions.test.ts"] },
    { files: /^decisions\/dns\.ts$/, tests: ["test/dns.decisions.test.ts"] },
    {
        files: /^decisions\/podIdentity\.ts$/,
        tests: ["test/podIdentity.test.ts", "test/podIdentity.edges.test.ts"],
        // Not the PodIdentity component or release:cluster tests: they plan stacks.
        grep: "/^(?!PodIdentity component|release:cluster)/",
    },
    { files: /^decisions\/alertRules\.ts$/, tests: ["test/alertRules.decisions.test.ts"] },
    // config/ is zod schema built at module load: nearly every mutant is static and runs its whole
    // list in a fresh process, so each list is pure: the stack files' values parsed directly
    // (config.parse.test.ts), plus the pure tests that import the file itself.
    {
        files: /^config\/credentials\.ts$/,
        tests: ["test/config.parse.test.ts", "test/credentials.test.ts"],
    },
    {
        files: /^config\/(identifiers|windows)\.ts$/,
        tests: [
            "test/config.parse.test.ts",
            "test/dataNaming.test.ts",
            "test/dataNaming.edges.test.ts",
        ],
    },
    {
        files: /^config\/progression\.ts$/,
        tests: ["test/config.parse.test.ts", "test/trafficSteps.test.ts"],
    },
    {
        files: /^config\/rules\.ts$/,
        tests: ["test/config.parse.test.ts", "test/imageReference.test.ts"],
    },
    {
        files: /^config\/app\.ts$/,
        tests: ["test/config.parse.test.ts", "test/deployedColors.test.ts"],
    },
    {
        files: /^config\/index\.ts$/,
        tests: ["test/config.parse.test.ts", "test/configDecode.test.ts"],
    },
    { files: /^config\//, tests: ["test/config.parse.test.ts"] },
];

/** Every file `npm run mutate` covers (in the given folders), relative to the repository root. */
export function mutatedFiles(dirs: readonly MutatedDir[] = MUTATED_DIRS): string[] {
    const out: string[] = [];
    for (const dir of dirs) {
        for (const f of fs.readdirSync(path.join(ROOT, dir)).sort()) {
            const rel = `${dir}/${f}`;
            if (f.endsWith(".ts") && !f.endsWith(".d.ts") && !(rel in NOT_MUTATED)) out.push(rel);
        }
    }
    return out;
}

function targetFor(file: string): MutationTarget {
    const hit = TESTS_FOR.find((t) => t.files.test(file.replace(/:[\d:-]+$/, "")));
    if (!hit) {
        throw new Error(
            `${file} has no tests for mutation testing: add it to TESTS_FOR in scripts/lib/mutationTargets.ts`,
        );
    }
    return hit;
}

export function testsFor(file: string): readonly string[] {
    return targetFor(file).tests;
}

export interface TestGroup {
    files: string[];
    tests: string[];
    grep?: string;
}

/** Files that share a test list run in one StrykerJS run (one initial test run for all). */
export function groupByTests(files: readonly string[]): TestGroup[] {
    const groups = new Map<string, TestGroup>();
    for (const f of files) {
        const { tests, grep } = targetFor(f);
        const key = `${tests.join(",")}|${grep ?? ""}`;
        const g = groups.get(key) ?? { files: [], tests: [...tests], ...(grep ? { grep } : {}) };
        g.files.push(f);
        groups.set(key, g);
    }
    return [...groups.values()];
}

export const mustReachFloor = (file: string) => FLOOR_DIRS.some((d) => file.startsWith(`${d}/`));

/** Stryker's mutation score: detected over all valid mutants (ignored and errors left out). */
export interface FileScore {
    file: string;
    killed: number;
    timeout: number;
    survived: number;
    noCoverage: number;
    ignored: number;
    errors: number;
    score: number;
}

export interface ReportMutant {
    status: string;
}

export function fileScore(file: string, mutants: readonly ReportMutant[]): FileScore {
    const n = (s: string) => mutants.filter((m) => m.status === s).length;
    const s: Omit<FileScore, "score"> = {
        file,
        killed: n("Killed"),
        timeout: n("Timeout"),
        survived: n("Survived"),
        noCoverage: n("NoCoverage"),
        ignored: n("Ignored"),
        errors: n("CompileError") + n("RuntimeError"),
    };
    const valid = s.killed + s.timeout + s.survived + s.noCoverage;
    return { ...s, score: valid === 0 ? 100 : (100 * (s.killed + s.timeout)) / valid };
}
