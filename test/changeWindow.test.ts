import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, parseDocument } from "yaml";
import { insideWindow, nextWindowOpening } from "../decisions/changeWindow";
import { isRollback, runWindow } from "../scripts/window";
import { windowWarning } from "../scripts/shift";

const RUNBOOK = {
    days: ["tue", "wed", "thu"] as any,
    start: "02:00",
    end: "04:00",
    timezone: "UTC",
};
const at = (iso: string) => new Date(iso);

describe("change window", () => {
    it("runbook 002: Tuesday–Thursday 02:00–04:00 UTC, start inclusive, end exclusive", () => {
        assert.strictEqual(insideWindow(RUNBOOK, at("2026-12-01T01:59:00Z")), false); // Tue
        assert.strictEqual(insideWindow(RUNBOOK, at("2026-12-01T02:00:00Z")), true);
        assert.strictEqual(insideWindow(RUNBOOK, at("2026-12-03T03:59:59Z")), true); // Thu
        assert.strictEqual(insideWindow(RUNBOOK, at("2026-12-03T04:00:00Z")), false);
        assert.strictEqual(insideWindow(RUNBOOK, at("2026-12-04T02:30:00Z")), false); // Fri
    });

    it("names the next opening: later today, tomorrow, or after the weekend", () => {
        const next = (iso: string) => nextWindowOpening(RUNBOOK, at(iso)).toISOString();
        assert.strictEqual(next("2026-12-01T01:00:00Z"), "2026-12-01T02:00:00.000Z");
        assert.strictEqual(next("2026-12-01T02:30:00Z"), "2026-12-02T02:00:00.000Z");
        assert.strictEqual(next("2026-12-03T05:00:00Z"), "2026-12-08T02:00:00.000Z");
    });

    it("handles windows past midnight and time zones with daylight saving", () => {
        const fri = {
            days: ["fri"] as any,
            start: "22:00",
            end: "02:00",
            timezone: "Europe/Berlin",
        };
        // Friday 22:00 in Berlin is 21:00 UTC in winter; the window runs into Saturday 02:00.
        assert.strictEqual(insideWindow(fri, at("2026-12-04T20:59:00Z")), false);
        assert.strictEqual(insideWindow(fri, at("2026-12-04T21:00:00Z")), true);
        assert.strictEqual(insideWindow(fri, at("2026-12-05T00:59:00Z")), true);
        assert.strictEqual(insideWindow(fri, at("2026-12-05T01:00:00Z")), false);
        // In summer (CEST) the same wall-clock window opens at 20:00 UTC.
        assert.strictEqual(
            nextWindowOpening(fri, at("2026-07-03T12:00:00Z")).toISOString(),
            "2026-07-03T20:00:00.000Z",
        );
    });

    describe("npm run window (the deploy workflow's check)", () => {
        let dir: string;
        let file: string;
        beforeEach(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "window-"));
            file = path.join(dir, "Pulumi.prod.yaml");
            fs.copyFileSync(path.resolve(__dirname, "..", "Pulumi.prod.yaml"), file);
        });
        afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

        it("passes inside the window and refuses outside it with exit 5 and the next opening", () => {
            const lines: string[] = [];
            assert.strictEqual(
                runWindow([file], (l) => lines.push(l), at("2026-12-02T03:00:00Z")),
                0,
            );
            assert.strictEqual(
                runWindow([file], (l) => lines.push(l), at("2026-12-05T03:00:00Z")),
                5,
            );
            assert.match(
                lines[1],
                /^prod: outside the change window \(tue, wed, thu 02:00–04:00 UTC\); the next window opens 2026-12-08T02:00:00\.000Z/,
            );
        });

        it("tells a rollback (only canaryWeight lowered) from any other change", () => {
            const doc = () => parseDocument(fs.readFileSync(file, "utf8")).toJS();
            const before = doc();
            const rolledBack = doc();
            rolledBack.config["release:traffic"].canaryWeight = 0;
            assert.strictEqual(isRollback(before, rolledBack), true);
            const shifted = doc();
            shifted.config["release:traffic"].canaryWeight = 50;
            assert.strictEqual(isRollback(before, shifted), false);
            const sneaky = structuredClone(rolledBack);
            sneaky.config["release:colors"].green.version = "v9";
            assert.strictEqual(isRollback(before, sneaky), false);
        });
    });

    it("npm run shift warns outside the window, except for a rollback", () => {
        const file = path.resolve(__dirname, "..", "Pulumi.prod.yaml");
        assert.match(
            windowWarning(file, "50", at("2026-12-05T03:00:00Z")) ?? "",
            /^Warning: outside the change window .* opens 2026-12-08T02:00:00\.000Z/,
        );
        assert.strictEqual(windowWarning(file, "50", at("2026-12-02T03:00:00Z")), undefined);
        assert.strictEqual(windowWarning(file, "rollback", at("2026-12-05T03:00:00Z")), undefined);
    });

    it("the deploy workflow checks the window before pulumi up, on every prod-stage stack", () => {
        const file = path.join(__dirname, "..", ".github", "workflows", "deploy.yml");
        const doc = parse(fs.readFileSync(file, "utf8"));
        const job = Object.values(doc.jobs as Record<string, any>).find((j) =>
            j.steps.some((s: any) => s.with?.command === "up"),
        )!;
        const steps: any[] = job.steps;
        const check = steps.findIndex((s) =>
            /npm run window -- "\$STACK" --base HEAD~1/.test(s.run),
        );
        const up = steps.findIndex((s) => s.with?.command === "up");
        assert.ok(check >= 0, "no change-window step");
        assert.ok(check < up, "the window is checked after pulumi up");
        // By stage, not by stack name: a prod stack named prod-us-east-1 is held too.
        assert.equal(steps[check].if, "env.STAGE == 'prod'");
        const stage = steps.findIndex((s) => /STAGE=/.test(s.run ?? ""));
        assert.ok(stage >= 0 && stage < check, "STAGE is set before the check");
    });
});
