// The metric-gated release against a real Prometheus server: analysis, the progression loop with
// the offline executor, the change window and the capacity preflight. One server for every case.
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import { spawnSync } from "child_process";
import { analysisChecks } from "../decisions/analysis";
import { buildRuleGroups, type RecordingRule } from "../decisions/alertRules";
import { runAnalyze } from "../scripts/analyze";
import { parsedConfig, analysisInputFor } from "../scripts/lib/analysis";
import { OfflineExecutor } from "../scripts/lib/executors";
import { freePort, hasPrometheus } from "../scripts/lib/localPrometheus";
import { runReleaseCli } from "../scripts/release";
import { loadStackInput } from "../scripts/lib/stackFile";
import {
    ALERT_AT,
    CAPACITY,
    MIN,
    RELEASE_AT,
    SPIKE_AT,
    startFixture,
    stackCopy,
    virtualClock,
    type Fixture,
    type Scenario,
} from "./releaseFixture";

/** Runs a CLI entry in-process and collects what it printed. */
async function capture(
    run: (io: { out: (l: string) => void; err: (l: string) => void }) => Promise<number>,
) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run({ out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join("\n"), err: err.join("\n") };
}

/** A webhook receiver on 127.0.0.1 that records every JSON body. */
async function webhookServer() {
    const bodies: any[] = [];
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
            try {
                bodies.push(JSON.parse(body));
            } catch {
                bodies.push({ raw: body });
            }
            res.writeHead(204).end();
        });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    return {
        url: `http://127.0.0.1:${port}/hook`,
        bodies,
        close: () => new Promise((r) => server.close(r)),
    };
}

describe("automated release against a real Prometheus", function () {
    let fx: Fixture;
    const copies: string[] = [];
    const copy = (scenario: Scenario, opts?: Parameters<typeof stackCopy>[1]) => {
        const c = stackCopy(scenario, opts);
        copies.push(c.dir);
        return c;
    };

    before(async function () {
        if (!hasPrometheus()) {
            if (process.env.CI)
                throw new Error("prometheus and promtool must be installed in CI (.ci/run)");
            console.log(
                "    SKIPPED: prometheus/promtool are not on PATH (apt-get install prometheus)",
            );
            this.skip();
        }
        fx = await startFixture();
    });
    after(async () => {
        await fx?.prometheus.stop();
        for (const d of copies) fs.rmSync(d, { recursive: true, force: true });
    });

    /** `npm run release` in-process: offline executor, virtual clock, 5-minute analysis interval. */
    async function release(
        file: string,
        at: number,
        extra: string[] = [],
        opts: { replan?: boolean; prometheus?: string } = {},
    ) {
        const lines: string[] = [];
        const log = (l: string) => lines.push(l);
        const clock = virtualClock(fx.at(at));
        const executor = new OfflineExecutor(file, { replan: opts.replan ?? false, log });
        const code = await runReleaseCli(
            [
                file,
                "--prometheus",
                opts.prometheus ?? fx.prometheus.url,
                "--interval",
                "5m",
                ...extra,
            ],
            { log, executor, clock },
        );
        return { code, log: lines.join("\n"), clock };
    }

    describe("npm run analyze", () => {
        const analyze = (scenario: Scenario, at: number, extra: string[] = []) => {
            const c = copy(scenario, { weight: 10 });
            return capture((io) =>
                runAnalyze([c.file, "--prometheus", fx.prometheus.url, ...extra], io, () =>
                    fx.at(at),
                ),
            );
        };

        it("a healthy canary: exit 0 and one table with query, canary, stable, threshold and verdict", async () => {
            const r = await analyze("healthy", 60 * MIN);
            assert.strictEqual(r.code, 0, r.out + r.err);
            assert.match(r.out, /^check +canary +stable +threshold +verdict +query$/m);
            assert.match(
                r.out,
                /^error ratio +0\.02% +0\.02% +≤ 0\.1% +pass +\(sum by \(namespace, job, color\)/m,
            );
            assert.match(r.out, /^p95 latency +97\.3ms +97\.3ms +≤ 300ms +pass/m);
            assert.match(r.out, /^p99 latency +\S+ +\S+ +≤ 1s +pass/m);
            assert.match(r.out, /^traffic +5\/s +20\/s +≥ 0\.2\/s +pass/m);
            assert.match(r.out, /^critical alerts firing +- +- += 0 +pass/m);
            assert.match(r.out, /Outcome: HEALTHY$/);
        });

        it("an error spike: exit 1, the absolute and the relative error checks fail", async () => {
            const r = await analyze("spike", SPIKE_AT + 10 * MIN, ["--json"]);
            assert.strictEqual(r.code, 1, r.out + r.err);
            const doc = JSON.parse(r.out);
            const verdicts = Object.fromEntries(doc.checks.map((c: any) => [c.name, c.verdict]));
            assert.strictEqual(doc.outcome, "unhealthy");
            assert.strictEqual(verdicts["error ratio"], "fail");
            assert.strictEqual(verdicts["error ratio vs stable"], "fail");
            assert.strictEqual(verdicts["p95 latency"], "pass");
            const ratio = doc.checks.find((c: any) => c.name === "error ratio");
            assert.ok(
                Math.abs(ratio.canary - 0.2) < 1e-9 && ratio.stable < 0.001,
                JSON.stringify(ratio),
            );
        });

        it("no canary traffic is inconclusive (exit 3), never healthy", async () => {
            const r = await analyze("silent", 60 * MIN);
            assert.strictEqual(r.code, 3, r.out + r.err);
            assert.match(r.out, /^traffic +- +20\/s +≥ 0\.2\/s +no data/m);
            assert.match(r.out, /^error ratio +- +0\.02% +≤ 0\.1% +skipped/m);
        });

        it("a firing critical alert of the app is unhealthy (exit 1)", async () => {
            assert.strictEqual((await analyze("alert", ALERT_AT - 5 * MIN)).code, 0);
            const r = await analyze("alert", ALERT_AT + 5 * MIN);
            assert.strictEqual(r.code, 1, r.out + r.err);
            assert.match(
                r.out,
                /^critical alerts firing +1 +- += 0 +FAIL +count\(ALERTS\{alertstate="firing",severity="critical",namespace="rel-alert"\}/m,
            );
        });

        it("a Prometheus that is down is exit 4 with a clear message, not a verdict", async () => {
            const c = copy("healthy", { weight: 10 });
            const port = await freePort();
            const r = await capture((io) =>
                runAnalyze([c.file, "--prometheus", `http://127.0.0.1:${port}`], io),
            );
            assert.strictEqual(r.code, 4);
            assert.strictEqual(r.out, "");
            assert.match(
                r.err,
                new RegExp(
                    `^Error: Prometheus at http://127\\.0\\.0\\.1:${port} is unreachable \\(ECONNREFUSED\\)\\. No verdict`,
                ),
            );
        });

        it("a server that is not Prometheus is exit 4 too", async () => {
            const hook = await webhookServer(); // answers 204 with no body to anything
            try {
                const c = copy("healthy", { weight: 10 });
                const r = await capture((io) =>
                    runAnalyze([c.file, "--prometheus", hook.url.replace("/hook", "")], io),
                );
                assert.strictEqual(r.code, 4, r.err);
                assert.match(r.err, /answered HTTP 204 with a body that is not its API's JSON/);
            } finally {
                await hook.close();
            }
        });

        it("queries what the PrometheusRule records: one builder for the rules and the analysis", () => {
            const cfg = parsedConfig(loadStackInput(copy("healthy", { weight: 10 }).file));
            const input = analysisInputFor(cfg);
            const records = buildRuleGroups({
                appName: input.appName,
                namespace: input.namespace,
                monitoring: input.monitoring,
            })
                .flatMap((g) => g.rules)
                .filter((r): r is RecordingRule => "record" in r);
            const expr = (suffix: string) =>
                records.find((r) => r.record === `namespace_job_color${suffix}`)!.expr;
            const checks = analysisChecks(input);
            const colorless = (name: string) =>
                checks
                    .find((c) => c.name === name)!
                    .canaryQuery.replaceAll(`,color="${input.canary}"`, "");
            assert.strictEqual(
                colorless("error ratio"),
                expr(":http_requests_errors:ratio_rate5m"),
            );
            assert.strictEqual(colorless("traffic"), expr(":http_requests:rate5m"));
            assert.strictEqual(
                colorless("p95 latency"),
                expr(":http_request_duration_seconds:p95_rate5m"),
            );
        });
    });

    describe("npm run release (offline executor, virtual clock)", () => {
        it("a healthy run walks 10 → 50 → 100, promotes, re-plans each step and notifies the webhook", async () => {
            const hook = await webhookServer();
            process.env.RELEASE_NOTIFY_WEBHOOK = hook.url;
            try {
                const c = copy("healthy");
                const r = await release(c.file, RELEASE_AT, [], { replan: true });
                assert.strictEqual(r.code, 0, r.log);
                assert.deepStrictEqual([c.read().stable, c.read().canaryWeight], ["green", 0]);
                const events = r.log.split("\n").filter((l) => / prod (step|promoted)/.test(l));
                assert.deepStrictEqual(
                    events.map((l) => l.replace(/^\S+ prod /, "").replace(/:.*/, "")),
                    ["step 1/3", "step 2/3", "step 3/3", "promoted"],
                );
                // Every line carries the virtual time it happened at; 15 + 15 + 10 minutes passed.
                assert.ok(
                    r.log
                        .split("\n")
                        .filter((l) => !l.startsWith(" ") && !/^(check|\S+ +(-|\d))/.test(l))
                        .every((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z prod /.test(l)),
                    r.log,
                );
                assert.strictEqual(r.clock.slept, 40 * MIN * 1000);
                assert.match(
                    r.log,
                    /offline up: canaryWeight 0 → 10; planned \d+ resources, weights \{"blue":90,"green":10\}/,
                );
                assert.match(
                    r.log,
                    /offline up: stable blue → green, canaryWeight 100 → 0; planned \d+ resources, weights \{"green":100,"blue":0\}/,
                );
                assert.deepStrictEqual(
                    hook.bodies.map((b) => [b.event, b.weight]),
                    [
                        ["step", 10],
                        ["step", 50],
                        ["step", 100],
                        ["promotion", 0],
                    ],
                );
                assert.strictEqual(hook.bodies[3].stack, "prod");
                assert.match(hook.bodies[3].text, /^\[prod\] promoted: green is stable/);
            } finally {
                delete process.env.RELEASE_NOTIFY_WEBHOOK;
                await hook.close();
            }
        });

        it("an error spike at the 50 % step rolls back to 0 and exits 1, naming what failed", async () => {
            const hook = await webhookServer();
            process.env.RELEASE_NOTIFY_WEBHOOK = hook.url;
            try {
                const c = copy("spike");
                const r = await release(c.file, RELEASE_AT);
                assert.strictEqual(r.code, 1, r.log);
                assert.deepStrictEqual([c.read().stable, c.read().canaryWeight], ["blue", 0]);
                assert.match(
                    r.log,
                    /UNHEALTHY at 50 %: error ratio, error ratio vs stable; rolling back to 0/,
                );
                assert.match(r.log, /^error ratio +\d+(\.\d+)?% +0\.02% +≤ 0\.1% +FAIL/m);
                assert.doesNotMatch(r.log, /step 3\/3/);
                const rollback = hook.bodies.find((b) => b.event === "rollback");
                assert.deepStrictEqual(
                    rollback.failed.map((f: any) => f.check),
                    ["error ratio", "error ratio vs stable"],
                );
                assert.strictEqual(rollback.weight, 0);
            } finally {
                delete process.env.RELEASE_NOTIFY_WEBHOOK;
                await hook.close();
            }
        });

        it("no canary traffic holds at the step past its pause: exit 3, nothing else changes", async () => {
            const c = copy("silent");
            const r = await release(c.file, RELEASE_AT);
            assert.strictEqual(r.code, 3, r.log);
            assert.deepStrictEqual([c.read().stable, c.read().canaryWeight], ["blue", 10]);
            assert.match(r.log, /holding at 10 %: the analysis is still inconclusive after 15m/);
            assert.strictEqual(r.clock.slept, 15 * MIN * 1000);
        });

        it("a firing critical alert blocks the next step and rolls back", async () => {
            const c = copy("alert");
            const r = await release(c.file, RELEASE_AT);
            assert.strictEqual(r.code, 1, r.log);
            assert.match(r.log, /UNHEALTHY at 50 %: critical alerts firing/);
            assert.doesNotMatch(r.log, /step 3\/3/);
            assert.strictEqual(c.read().canaryWeight, 0);
        });

        it("a Prometheus that is down stops the release with exit 4 and changes nothing", async () => {
            const c = copy("healthy");
            const before = fs.readFileSync(c.file, "utf8");
            const r = await release(c.file, RELEASE_AT, [], {
                prometheus: `http://127.0.0.1:${await freePort()}`,
            });
            assert.strictEqual(r.code, 4, r.log);
            assert.match(
                r.log,
                /error: Prometheus at http:\/\/127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\)\. No verdict, so nothing was changed: traffic stays at 0 %/,
            );
            assert.strictEqual(fs.readFileSync(c.file, "utf8"), before);
        });

        it("resumes from the stack's weight: re-analyses the current step, then continues", async () => {
            const c = copy("healthy", { weight: 50 });
            const r = await release(c.file, RELEASE_AT);
            assert.strictEqual(r.code, 0, r.log);
            assert.match(r.log, /resuming at step 2\/3 \(50 %\)/);
            assert.doesNotMatch(r.log, /step 1\/3/);
            assert.match(r.log, /step 3\/3: traffic.canaryWeight 50 → 100/);
            assert.strictEqual(c.read().stable, "green");
        });

        it("--dry-run prints the steps and changes nothing, without Prometheus", async () => {
            const c = copy("healthy");
            const before = fs.readFileSync(c.file, "utf8");
            const lines: string[] = [];
            const code = await runReleaseCli([c.file, "--dry-run", "--offline"], {
                log: (l) => lines.push(l),
                clock: virtualClock(fx.at(0)),
            });
            assert.strictEqual(code, 0, lines.join("\n"));
            assert.deepStrictEqual(
                lines
                    .filter((l) => l.includes("dry run"))
                    .map((l) => l.replace(/^\S+ prod dry run: /, "")),
                [
                    "would set traffic.canaryWeight 0 → 10, up, and analyse for 15m",
                    "would set traffic.canaryWeight 10 → 50, up, and analyse for 15m",
                    "would set traffic.canaryWeight 50 → 100, up, and analyse for 10m",
                    "would promote green (traffic.stable blue → green, canaryWeight → 0) and up",
                    "nothing changed",
                ],
            );
            assert.strictEqual(fs.readFileSync(c.file, "utf8"), before);
        });
    });

    describe("change window", () => {
        /** A window on the weekday of `at` (UTC), from `from` to `to` minutes after `at`. */
        const windowAround = (at: Date, from: number, to: number) => {
            const hhmm = (d: Date) => d.toISOString().slice(11, 16);
            const day = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"][
                new Date(at.getTime() + from * 60_000).getUTCDay()
            ];
            return {
                days: [day],
                start: hhmm(new Date(at.getTime() + from * 60_000)),
                end: hhmm(new Date(at.getTime() + to * 60_000)),
                timezone: "UTC",
            };
        };

        it("inside the window the release runs; outside it refuses to start: exit 5 with the next opening", async () => {
            const at = fx.at(RELEASE_AT);
            const inside = copy("healthy", { changeWindow: windowAround(at, -5, 60) });
            assert.strictEqual((await release(inside.file, RELEASE_AT)).code, 0);

            const outside = copy("healthy", { changeWindow: windowAround(at, 60, 120) });
            const r = await release(outside.file, RELEASE_AT);
            assert.strictEqual(r.code, 5, r.log);
            const opens = new Date(
                Math.floor(at.getTime() / 60_000) * 60_000 + 60 * 60_000,
            ).toISOString();
            assert.match(
                r.log,
                new RegExp(
                    `refused to start the release: outside the change window \\(\\w+ \\d\\d:\\d\\d–\\d\\d:\\d\\d UTC\\); the next window opens ${opens.replace(/\./g, "\\.")}`,
                ),
            );
            assert.strictEqual(outside.read().canaryWeight, 0);
        });

        it("refuses to advance once the window closes, but a rollback outside it goes ahead", async () => {
            const at = fx.at(RELEASE_AT);
            // Closes 10 min in: step 1 runs, step 2 (15 min in) is refused.
            const closing = copy("healthy", { changeWindow: windowAround(at, -5, 10) });
            const r = await release(closing.file, RELEASE_AT);
            assert.strictEqual(r.code, 5, r.log);
            assert.match(
                r.log,
                /refused to advance to 50 %: outside the change window \(.*\); the next window opens .*\. Traffic stays at 10 %/,
            );
            assert.strictEqual(closing.read().canaryWeight, 10);

            // Closes 17 min in; the spike at the 50 % step (which started inside it) still rolls back.
            const spike = copy("spike", { changeWindow: windowAround(at, -5, 17) });
            const s = await release(spike.file, RELEASE_AT);
            assert.strictEqual(s.code, 1, s.log);
            assert.strictEqual(spike.read().canaryWeight, 0);
        });
    });

    describe("capacity preflight", () => {
        const preflight = (at: number) => {
            const c = copy("healthy");
            return capture((io) =>
                runAnalyze([c.file, "--prometheus", fx.prometheus.url, "--preflight"], io, () =>
                    fx.at(at),
                ),
            );
        };

        it("passes with runbook 002's headroom, showing the numbers", async () => {
            const r = await preflight(CAPACITY.healthy);
            assert.strictEqual(r.code, 0, r.out + r.err);
            assert.match(
                r.out,
                /database storage: 60% free \(120 GiB free of 200 GiB\), needs ≥ 30%: pass/,
            );
            assert.match(
                r.out,
                /cache memory: 69\.23% free \(4 GiB used of 13 GiB maxmemory\), needs ≥ 50%: pass/,
            );
            // The finished Job's 100 cores of requests do not count.
            assert.match(
                r.out,
                /node cpu: 62\.5% free \(20 cores unrequested of 32 cores allocatable; the release adds 0 pods × 0\.25 cores = 0 cores\), needs ≥ 20%: pass/,
            );
            assert.match(r.out, /node memory: 68\.75% free/);
        });

        for (const [check, at, message] of [
            [
                "database storage",
                CAPACITY.database,
                /database storage: 20% free \(40 GiB free of 200 GiB\), needs ≥ 30%: FAIL/,
            ],
            [
                "cache memory",
                CAPACITY.cache,
                /cache memory: 30\.77% free \(9 GiB used of 13 GiB maxmemory\), needs ≥ 50%: FAIL/,
            ],
            [
                "node cpu",
                CAPACITY.cpu,
                /node cpu: 12\.5% free \(4 cores unrequested of 32 cores allocatable/,
            ],
            [
                "node memory",
                CAPACITY.memory,
                /node memory: 14\.06% free \(18 GiB unrequested of 128 GiB allocatable/,
            ],
        ] as const) {
            it(`fails on ${check} below its threshold (exit 1)`, async () => {
                const r = await preflight(at);
                assert.strictEqual(r.code, 1, r.out);
                assert.match(r.out, message);
                assert.strictEqual((r.out.match(/needs ≥ \S+: FAIL$/gm) ?? []).length, 1, r.out);
            });
        }

        it("npm run release refuses to start below a threshold (exit 6) and changes nothing", async () => {
            const c = copy("healthy");
            const r = await release(c.file, CAPACITY.database);
            assert.strictEqual(r.code, 6, r.log);
            assert.match(
                r.log,
                /refused to start: the capacity preflight failed: database storage: 20% free/,
            );
            assert.strictEqual(c.read().canaryWeight, 0);
        });
    });
});

describe("release through the Automation API", () => {
    it("sets traffic.canaryWeight with path: true on a real stack (needs the pulumi CLI)", async function () {
        if (spawnSync("pulumi", ["version"], { stdio: "ignore" }).status !== 0) {
            console.log(
                "    SKIPPED: the pulumi CLI is not on PATH, so the Automation API executor is not exercised here",
            );
            this.skip();
        }
        this.timeout(120_000);
        const { AutomationExecutor } = await import("../scripts/lib/executors");
        const os = await import("os");
        const path = await import("path");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-auto-"));
        const root = path.resolve(__dirname, "..");
        try {
            fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            const c = stackCopy("healthy", { weight: 10 });
            fs.copyFileSync(c.file, path.join(dir, "Pulumi.prod.yaml"));
            fs.rmSync(c.dir, { recursive: true, force: true });
            const env = {
                ...process.env,
                PULUMI_BACKEND_URL: `file://${dir}`,
                PULUMI_CONFIG_PASSPHRASE: "test",
            };
            assert.strictEqual(
                spawnSync("pulumi", ["stack", "init", "prod"], { cwd: dir, env }).status,
                0,
            );
            Object.assign(process.env, {
                PULUMI_BACKEND_URL: env.PULUMI_BACKEND_URL,
                PULUMI_CONFIG_PASSPHRASE: "test",
            });
            const ex = new AutomationExecutor("prod", { workDir: dir, skipUp: true });
            assert.strictEqual((await ex.readConfig()).traffic.canaryWeight, 10);
            await ex.apply({ weight: 50 });
            assert.strictEqual((await ex.readConfig()).traffic.canaryWeight, 50);
            await ex.apply("promote");
            const after = await ex.readConfig();
            assert.deepStrictEqual(
                [after.traffic.stable, after.traffic.canaryWeight],
                ["green", 0],
            );
        } finally {
            delete process.env.PULUMI_BACKEND_URL;
            delete process.env.PULUMI_CONFIG_PASSPHRASE;
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
