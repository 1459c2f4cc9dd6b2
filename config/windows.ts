// Pure maths on AWS backup/maintenance windows ("hh:mm-hh:mm" daily, "ddd:hh:mm-ddd:hh:mm" weekly),
// in minutes of the UTC week, so config rules can check length, overlap and the change window.

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const WEEK = 7 * 24 * 60;
const DAY = 24 * 60;

/** A window as [start, end) minute ranges within one week (a daily window repeats 7 times). */
export type Ranges = [number, number][];

export const DAILY_WINDOW = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;
export const WEEKLY_WINDOW =
    /^(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):([0-5]\d)-(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):([0-5]\d)$/;

const minutes = (h: string, m: string) => Number(h) * 60 + Number(m);

/** Splits [start, start+length) over the week boundary. */
function span(start: number, length: number): Ranges {
    const end = start + length;
    return end <= WEEK
        ? [[start, end]]
        : [
              [start, WEEK],
              [0, end - WEEK],
          ];
}

/** Length in minutes of a daily window, crossing midnight when the end is before the start. */
export function dailyLength(window: string): number | undefined {
    const m = DAILY_WINDOW.exec(window);
    if (!m) return undefined;
    return (minutes(m[3], m[4]) - minutes(m[1], m[2]) + DAY) % DAY;
}

export function weeklyLength(window: string): number | undefined {
    const m = WEEKLY_WINDOW.exec(window);
    if (!m) return undefined;
    const start = DAYS.indexOf(m[1] as (typeof DAYS)[number]) * DAY + minutes(m[2], m[3]);
    const end = DAYS.indexOf(m[4] as (typeof DAYS)[number]) * DAY + minutes(m[5], m[6]);
    return (end - start + WEEK) % WEEK;
}

export function dailyRanges(window: string): Ranges {
    const m = DAILY_WINDOW.exec(window);
    if (!m) return [];
    const start = minutes(m[1], m[2]);
    const length = dailyLength(window) ?? 0;
    return [0, 1, 2, 3, 4, 5, 6].flatMap((d) => span(d * DAY + start, length));
}

export function weeklyRanges(window: string): Ranges {
    const m = WEEKLY_WINDOW.exec(window);
    if (!m) return [];
    const start = DAYS.indexOf(m[1] as (typeof DAYS)[number]) * DAY + minutes(m[2], m[3]);
    return span(start, weeklyLength(window) ?? 0);
}

export function overlaps(a: Ranges, b: Ranges): boolean {
    return a.some(([s1, e1]) => b.some(([s2, e2]) => s1 < e2 && s2 < e1));
}

/** The runbook's change window (CL-32): Tue–Thu 02:00–04:00 UTC. */
export const CHANGE_WINDOW: Ranges = [2, 3, 4].map((d) => [d * DAY + 120, d * DAY + 240]);
export const CHANGE_WINDOW_TEXT = "Tue–Thu 02:00–04:00 UTC";

/** True when every minute of `inner` lies inside one of `outer`'s ranges. */
export function within(inner: Ranges, outer: Ranges): boolean {
    return inner.every(([s, e]) => outer.some(([os, oe]) => s >= os && e <= oe));
}
