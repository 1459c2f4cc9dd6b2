// Config for the automated release (`release:traffic.steps`, `.changeWindow`, `.smokeTest`,
// `.preflight`) and the rules across them. Stage defaults come from the runbooks: prod watches
// 10 % and 50 % for 15 minutes each before 100 %; staging rehearses 5 → 25 → 100 quickly.
import { z } from "zod";
import { promDuration } from "./monitoring";
import { httpPath, image, int, oneOf, pattern } from "./rules";
import { reportIssues, type CrossFieldRule } from "./types";

export interface TrafficStep {
    /** Canary weight in percent at this step. */
    weight: number;
    /** How long the step is analysed before the next one, as a Prometheus duration. */
    pause: string;
}

export const STAGE_STEPS: Record<"staging" | "prod", readonly TrafficStep[]> = {
    prod: [
        { weight: 10, pause: "15m" },
        { weight: 50, pause: "15m" },
        { weight: 100, pause: "10m" },
    ],
    staging: [
        { weight: 5, pause: "5m" },
        { weight: 25, pause: "5m" },
        { weight: 100, pause: "5m" },
    ],
};

export const stepsSchema = z
    .array(z.strictObject({ weight: int(1, 100), pause: promDuration() }), {
        error: "must be a list of { weight, pause }",
    })
    .min(1, { error: "must list at least one step" });

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const clock = () => pattern(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day such as "02:00"');

function knownTimeZone(tz: string): boolean {
    try {
        new Intl.DateTimeFormat("en-US", { timeZone: tz });
        return true;
    } catch {
        return false;
    }
}

export const changeWindowSchema = z.strictObject({
    /** Days the window opens on (the day it starts, for a window past midnight). */
    days: z
        .array(oneOf(WEEKDAYS), { error: "must be a list of weekdays" })
        .min(1, { error: "must list at least one weekday" }),
    /** Opening time, HH:MM in `timezone`. */
    start: clock(),
    /** Closing time, HH:MM in `timezone`; earlier than start means the window runs past midnight. */
    end: clock(),
    /** IANA time zone of start and end; default UTC. */
    timezone: z
        .string({ error: "must be an IANA time zone such as UTC or Europe/Berlin" })
        .refine(knownTimeZone, { error: "must be an IANA time zone such as UTC or Europe/Berlin" })
        .default("UTC"),
});
export type ChangeWindow = z.output<typeof changeWindowSchema>;

export const smokeTestSchema = z
    .strictObject({
        /** HTTP checks against the colour's Service; default the readiness path answering 200. */
        checks: z
            .array(
                z.strictObject({
                    path: httpPath(),
                    /** Expected HTTP status. */
                    status: int(100, 599).default(200),
                }),
                { error: "must be a list of { path, status }" },
            )
            .min(1, { error: "must list at least one check" })
            .optional(),
        /** curl image the Job runs; pinned. */
        image: image().default("docker.io/curlimages/curl:8.11.1"),
        /** Seconds each request may take. */
        timeoutSeconds: int(1, 300).default(10),
        /** Retries per check (the colour may still be warming up). */
        retries: int(0, 60).default(5),
        /** Hard time limit of the whole Job in seconds. */
        activeDeadlineSeconds: int(30, 3600).default(300),
    })
    .prefault({});

/** The release preflight: free database storage, cache memory and node capacity. */
const share = (error: string) =>
    z.preprocess(
        (v) => (typeof v === "string" && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v),
        z.number({ error }).min(0, { error }).max(1, { error }),
    );
const ratioRule = "must be a number 0–1 (a ratio: 0.3 means 30 %)";
export const preflightSchema = z
    .strictObject({
        /** Minimum free share of the database's allocated storage. */
        dbFreeStorage: share(ratioRule).default(0.3),
        /** Minimum free share of the cache's max memory. */
        cacheFreeMemory: share(ratioRule).default(0.5),
        /** Minimum share of allocatable node CPU and memory left free after the shift's pods. */
        nodeSpare: share(ratioRule).default(0.2),
    })
    .prefault({});

/** The sub-sections of `release:traffic` the automated release reads. */
export const progressionTrafficFields = {
    /** Canary weights the release walks through; default per stage (STAGE_STEPS). */
    steps: stepsSchema.optional(),
    /** When a release may start or advance; default any time. */
    changeWindow: changeWindowSchema.optional(),
    /** Pre-traffic HTTP checks per deployed version. */
    smokeTest: smokeTestSchema,
    /** Capacity thresholds checked before the first step. */
    preflight: preflightSchema,
};

/** The steps in force: the stack's, or its stage's default. */
export function trafficSteps(cfg: {
    stage: string;
    traffic: { steps?: readonly TrafficStep[] };
}): readonly TrafficStep[] {
    return cfg.traffic.steps ?? STAGE_STEPS[cfg.stage === "prod" ? "prod" : "staging"];
}

/** An https URL (the notification webhook); http only for a loopback address. */
export const webhookUrl = () =>
    pattern(
        /^(https:\/\/\S+|http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/\S*)?)$/,
        "an https URL",
    );

export const progressionRules: CrossFieldRule[] = [
    function stepsIncrease(cfg, ctx) {
        const steps = cfg.traffic?.steps as TrafficStep[] | undefined;
        if (!steps) return;
        for (let i = 1; i < steps.length; i++) {
            if (steps[i].weight <= steps[i - 1].weight) {
                reportIssues(ctx, [
                    {
                        path: ["traffic", "steps", i, "weight"],
                        input: steps[i].weight,
                        message: `must be above the previous step's weight (${steps[i - 1].weight}): steps must strictly increase`,
                    },
                ]);
            }
        }
        const last = steps[steps.length - 1];
        if (last && last.weight !== 100) {
            reportIssues(ctx, [
                {
                    path: ["traffic", "steps", steps.length - 1, "weight"],
                    input: last.weight,
                    message:
                        "must be 100: the last step sends all traffic to the canary before promotion",
                },
            ]);
        }
    },
    function canaryWeightOnAStep(cfg, ctx) {
        if (cfg.stage !== "prod" || !cfg.traffic) return;
        const weight = cfg.traffic.canaryWeight as number;
        const steps = trafficSteps(cfg);
        if (weight === 0 || steps.some((s) => s.weight === weight)) return;
        reportIssues(ctx, [
            {
                path: ["traffic", "canaryWeight"],
                input: weight,
                message: `must be 0 or one of release:traffic.steps (${steps.map((s) => s.weight).join(", ")}) in prod: traffic moves step by step (CL-29)`,
            },
        ]);
    },
    function windowNotEmpty(cfg, ctx) {
        const w = cfg.traffic?.changeWindow as ChangeWindow | undefined;
        if (w && w.start === w.end) {
            reportIssues(ctx, [
                {
                    path: ["traffic", "changeWindow", "end"],
                    input: w.end,
                    message: `must differ from release:traffic.changeWindow.start (${w.start})`,
                },
            ]);
        }
    },
];
