// The release loop's and the analysis' flag parsers: values, defaults and the usage errors a
// mistyped command line gets (exit 2 before anything is asked of Prometheus or the stack).
import * as assert from "assert";
import { parseAnalyzeArgs } from "../scripts/analyze";
import { eachArg, UsageError } from "../scripts/lib/analysis";
import { parseReleaseArgs } from "../scripts/release";

const usageError = (fn: () => unknown, first: string) =>
    assert.throws(fn, (e: unknown) => {
        assert.ok(e instanceof UsageError, `not a UsageError: ${String(e)}`);
        assert.strictEqual(e.message.split("\n")[0], first);
        return true;
    });

describe("command-line flags", () => {
    it("eachArg hands a flag the argument after it and skips that argument", () => {
        const seen: string[] = [];
        eachArg(["a", "--x", "1", "b"], "usage", (arg, value) => {
            seen.push(arg === "--x" ? `x=${value()}` : arg);
        });
        assert.deepStrictEqual(seen, ["a", "x=1", "b"]);
    });

    it("eachArg refuses a flag with no value, or another flag where its value should be", () => {
        const take = (argv: string[]) => () => eachArg(argv, "usage: u", (_a, value) => value());
        usageError(take(["--x"]), "--x needs a value");
        usageError(take(["--x", "--y"]), "--x needs a value");
        assert.throws(take(["--x"]), /\nusage: u$/);
    });

    it("release: parses every flag, with the defaults for the rest", () => {
        const args = parseReleaseArgs([
            "prod",
            "--prometheus",
            "http://prom:9090",
            "--interval",
            "30s",
            "--window",
            "5m",
            "--no-preflight",
            "--offline",
        ]);
        assert.deepStrictEqual(args, {
            stack: "prod",
            prometheus: "http://prom:9090",
            dryRun: false,
            offline: true,
            preflight: false,
            intervalSeconds: 30,
            window: "5m",
        });
        assert.strictEqual(parseReleaseArgs(["prod", "--dry-run"]).intervalSeconds, 60);
    });

    it("release: names a missing value, an unknown flag and a bad duration", () => {
        usageError(() => parseReleaseArgs(["prod", "--prometheus"]), "--prometheus needs a value");
        usageError(
            () => parseReleaseArgs(["prod", "--interval", "--dry-run"]),
            "--interval needs a value",
        );
        usageError(() => parseReleaseArgs(["prod", "--fast"]), "unknown argument --fast");
        usageError(
            () => parseReleaseArgs(["prod", "--dry-run", "--interval", "soon"]),
            '--interval must be a Prometheus duration such as "1m" (got "soon")',
        );
    });

    it("analyze: parses its flags and names a missing value or an unknown flag", () => {
        assert.deepStrictEqual(
            parseAnalyzeArgs(["prod", "--prometheus", "http://p:9090", "--window", "2m", "--json"]),
            {
                stack: "prod",
                prometheus: "http://p:9090",
                window: "2m",
                json: true,
                preflight: false,
            },
        );
        usageError(() => parseAnalyzeArgs(["prod", "--window"]), "--window needs a value");
        usageError(() => parseAnalyzeArgs(["prod", "--verbose"]), "unknown argument --verbose");
    });
});
