// The CLIs as users start them: `node -r ./scripts/register.js scripts/<cli>.ts`, which is what
// `npm run <cli>` runs. The other tests call each CLI's function in-process; these check the
// wiring at the bottom of each file (arguments, streams, exit code). `npm run plan` has its own in
// test/planCli.test.ts. The processes run side by side: each is mostly node loading modules.
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "..");

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

function cli(name: string, args: string[]): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(
            process.execPath,
            ["-r", "./scripts/register.js", `scripts/${name}.ts`, ...args],
            { cwd: ROOT },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += String(d)));
        child.stderr.on("data", (d) => (stderr += String(d)));
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
}

describe("CLI entries in their own process", function () {
    this.timeout(120_000);
    let dir: string;
    let file: string;
    const runs: Record<string, Run> = {};

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "cli-entries-"));
        file = path.join(dir, "Pulumi.staging.yaml");
        fs.copyFileSync(path.join(ROOT, "Pulumi.staging.yaml"), file);
        const [shift, analyze, release, window] = await Promise.all([
            cli("shift", [file, "rollback"]),
            cli("analyze", []),
            cli("release", []),
            cli("window", []),
        ]);
        Object.assign(runs, { shift, analyze, release, window });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("npm run shift edits the file, prints the step on stdout and exits 0", () => {
        const r = runs.shift;
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stdout, /traffic\.canaryWeight 50 → 0/);
        assert.match(r.stdout, /^Next: {4}pulumi up --stack staging/m);
        assert.strictEqual(
            parse(fs.readFileSync(file, "utf8")).config["release:traffic"].canaryWeight,
            0,
        );
    });

    it("npm run analyze without a stack: usage on stderr, exit 2", () => {
        const r = runs.analyze;
        assert.strictEqual(r.status, 2, r.stdout + r.stderr);
        assert.match(r.stderr, /^usage: npm run analyze -- <stack\|file> --prometheus <url>/);
        assert.strictEqual(r.stdout, "");
    });

    it("npm run release without a stack: usage, exit 2", () => {
        const r = runs.release;
        assert.strictEqual(r.status, 2, r.stdout + r.stderr);
        assert.match(r.stdout, /^usage: npm run release -- <stack>/);
    });

    it("npm run window without a stack: usage, exit 2", () => {
        const r = runs.window;
        assert.strictEqual(r.status, 2, r.stdout + r.stderr);
        assert.match(r.stdout, /^usage: npm run window -- <stack\|file>/);
    });
});
