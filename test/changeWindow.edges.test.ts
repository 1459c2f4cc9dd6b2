// Change windows at minute precision: a window opening at half past, the next opening seen from
// inside a window that has just opened, and a window that never opens.
import * as assert from "assert";
import type { ChangeWindow } from "../config/progression";
import { describeWindow, insideWindow, nextWindowOpening } from "../decisions/changeWindow";

const HALF_PAST: ChangeWindow = { days: ["tue"], start: "02:30", end: "04:15", timezone: "UTC" };
const at = (iso: string) => new Date(iso);

describe("change window edges", () => {
    it("opens and closes on the configured minute, not the hour", () => {
        // 2026-12-01 is a Tuesday.
        assert.strictEqual(insideWindow(HALF_PAST, at("2026-12-01T02:29:00Z")), false);
        assert.strictEqual(insideWindow(HALF_PAST, at("2026-12-01T02:30:00Z")), true);
        assert.strictEqual(insideWindow(HALF_PAST, at("2026-12-01T04:14:00Z")), true);
        assert.strictEqual(insideWindow(HALF_PAST, at("2026-12-01T04:15:00Z")), false);
        assert.strictEqual(
            nextWindowOpening(HALF_PAST, at("2026-12-01T00:00:00Z")).toISOString(),
            "2026-12-01T02:30:00.000Z",
        );
    });

    it("seen from just after an opening, the next opening is a week later, never the one just past", () => {
        assert.strictEqual(
            nextWindowOpening(HALF_PAST, at("2026-12-01T02:30:30Z")).toISOString(),
            "2026-12-08T02:30:00.000Z",
        );
    });

    it("a window on no day never opens: a clear error, not an endless loop", () => {
        assert.throws(
            () => nextWindowOpening({ ...HALF_PAST, days: [] }, at("2026-12-01T00:00:00Z")),
            /^RangeError: a change window must open at least once a week$/,
        );
    });

    it("describes itself as days, times and zone", () => {
        assert.strictEqual(
            describeWindow({ ...HALF_PAST, days: ["tue", "thu"] }),
            "tue, thu 02:30–04:15 UTC",
        );
    });
});
