// Pure: is an instant inside the stack's change window, and when does the next one open? Windows
// are wall-clock times in an IANA time zone; one that ends before it starts runs past midnight and
// belongs to the day it opens on.
import { WEEKDAYS, type ChangeWindow, type Weekday } from "../config/progression";

interface Local {
    /** Index into WEEKDAYS (0 = Monday). */
    day: number;
    /** Minutes since local midnight. */
    minute: number;
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function localTime(at: Date, timeZone: string): Local {
    const parts = new Intl.DateTimeFormat("en-US", {
        timeZone,
        weekday: "short",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
    }).formatToParts(at);
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
    return {
        day: WEEKDAYS.indexOf(get("weekday").toLowerCase().slice(0, 3) as Weekday),
        minute: Number(get("hour")) * 60 + Number(get("minute")),
    };
}

/** Whether `at` falls inside the window (start inclusive, end exclusive). */
export function insideWindow(w: ChangeWindow, at: Date): boolean {
    const { day, minute } = localTime(at, w.timezone);
    const start = minutes(w.start);
    const end = minutes(w.end);
    const opensOn = (d: number) => w.days.includes(WEEKDAYS[(d + 7) % 7]);
    if (start < end) return opensOn(day) && minute >= start && minute < end;
    // Past midnight: the evening part belongs to today, the morning part to yesterday's window.
    return (opensOn(day) && minute >= start) || (opensOn(day - 1) && minute < end);
}

/**
 * The next instant after `at` at which the window opens (to the minute). Steps by wall-clock
 * minutes through the time zone, so DST shifts are the time zone's business.
 */
export function nextWindowOpening(w: ChangeWindow, at: Date): Date {
    let t = new Date(Math.floor(at.getTime() / 60_000) * 60_000 + 60_000);
    const limit = at.getTime() + 8 * 86_400_000;
    // Jump in hours while far from the opening minute, then in minutes.
    const start = minutes(w.start);
    while (t.getTime() <= limit) {
        if (insideWindow(w, t) && !insideWindow(w, new Date(t.getTime() - 60_000))) return t;
        const { minute } = localTime(t, w.timezone);
        const ahead = (start - minute + 1440) % 1440;
        t = new Date(t.getTime() + (ahead > 60 ? (ahead - 60) * 60_000 : 60_000));
    }
    throw new RangeError("a change window must open at least once a week");
}

/** "tue, wed, thu 02:00–04:00 UTC" */
export const describeWindow = (w: ChangeWindow) =>
    `${w.days.join(", ")} ${w.start}–${w.end} ${w.timezone}`;
