// Config section for observability (`release:monitoring`): who gets paged, where the runbooks live,
// per-alert thresholds and `for:` durations, the metric names the rules query, the availability SLO
// and the canary comparison. Defaults are the strictest production runbook's unless noted; stacks tune.
import { z } from "zod";
import { memoryQuantity, pattern } from "./rules";
import { reportIssues, type CrossFieldRule } from "./types";

/** A number in [min, max] (fractions allowed); every failure mode gets the same message. */
function num(min: number, max: number, unit = "") {
    const error = `must be a number ${min}–${max}${unit}`;
    return z.preprocess(
        (v) => (typeof v === "string" && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v),
        z.number({ error }).min(min, { error }).max(max, { error }),
    );
}

/** A fraction of 1: 0.05 means 5 %. */
const ratio = () => num(0, 1, " (a ratio: 0.05 means 5 %)");

/** A Prometheus duration such as "5m" or "1h30m". */
export const promDuration = () =>
    pattern(/^((\d+)(ms|s|m|h|d|w|y))+$/, 'a Prometheus duration such as "30s", "5m" or "1h"');

const DURATION_UNITS: Record<string, number> = {
    ms: 0.001,
    s: 1,
    m: 60,
    h: 3600,
    d: 86400,
    w: 604800,
    y: 31536000,
};

/** Seconds in a Prometheus duration ("1h30m" -> 5400). */
export function durationSeconds(text: string): number {
    let total = 0;
    for (const m of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) {
        total += Number(m[1]) * DURATION_UNITS[m[2]];
    }
    return total;
}

const MEMORY_UNITS: Record<string, number> = {
    "": 1,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
};

/** Bytes in a Kubernetes memory quantity ("480Mi" -> 503316480). */
export function memoryBytes(quantity: string): number {
    const m = /^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity);
    if (!m) throw new RangeError(`memory quantity must look like "256Mi" (got ${quantity})`);
    return Number(m[1]) * MEMORY_UNITS[m[2] ?? ""];
}

const metricName = () =>
    pattern(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, "a Prometheus metric name such as http_requests_total");
const labelName = () => pattern(/^[a-zA-Z_][a-zA-Z0-9_]*$/, "a Prometheus label name");

/** One severity tier of an alert: fire when the value crosses `threshold` for `for`. */
const tier = <T extends z.ZodType>(threshold: T) =>
    z.strictObject({ threshold, for: promDuration() });

const tiers = <T extends z.ZodType>(
    threshold: T,
    defaults: {
        warning: { threshold: z.input<T>; for: string };
        critical: { threshold: z.input<T>; for: string };
    },
) =>
    z
        .strictObject({
            warning: tier(threshold).prefault(defaults.warning),
            critical: tier(threshold).prefault(defaults.critical),
        })
        .prefault({});

const latencyTier = z.strictObject({
    /** Histogram quantile compared, e.g. 0.95 for p95. */
    quantile: num(0.5, 0.999),
    /** Seconds. */
    threshold: num(0.001, 600, " seconds"),
    for: promDuration(),
});

const burnRateWindow = z.strictObject({
    /** Long window; its error ratio must exceed factor × error budget. */
    longWindow: promDuration(),
    /** Short window (about 1/12 of the long one) so the alert resets soon after recovery. */
    shortWindow: promDuration(),
    /** Burn rate: multiples of the error budget consumed per unit of time. */
    factor: num(0.1, 1000),
    severity: z.enum(["warning", "critical"], { error: "must be one of warning, critical" }),
    for: promDuration(),
});

/**
 * Renames of catalogue metrics (decisions/metricsCatalogue.ts holds every name and its source). Only
 * names that depend on the app or on the cluster's kube-state-metrics / cAdvisor versions can be
 * renamed; the exporters' names are fixed by the images the stack pins.
 */
const metricsSchema = z
    .strictObject({
        httpRequests: metricName().optional(),
        /** Label carrying the HTTP status code on httpRequests. */
        httpStatusLabel: labelName().default("status"),
        /** Histogram buckets of request duration in seconds. */
        httpDurationBucket: metricName().optional(),
        containerCpu: metricName().optional(),
        containerMemory: metricName().optional(),
        /** kube-state-metrics limits and requests, labelled resource="cpu"|"memory". */
        containerLimits: metricName().optional(),
        containerRequests: metricName().optional(),
        containerRestarts: metricName().optional(),
        nodeAllocatable: metricName().optional(),
        /** kube-state-metrics pod phase, for the preflight's running requests. */
        podPhase: metricName().optional(),
        hpaCurrentReplicas: metricName().optional(),
        hpaDesiredReplicas: metricName().optional(),
        hpaMinReplicas: metricName().optional(),
        hpaMaxReplicas: metricName().optional(),
        /** kube-state-metrics CronJob series the backup staleness alert reads. */
        cronJobLastSuccess: metricName().optional(),
        cronJobCreated: metricName().optional(),
    })
    .prefault({});

const alertsSchema = z
    .strictObject({
        /** AL-01: 5xx ratio: warning > 0.05 %, critical > 0.1 % for 2 m. */
        highErrorRate: tiers(ratio(), {
            warning: { threshold: 0.0005, for: "5m" },
            critical: { threshold: 0.001, for: "2m" },
        }),
        /** AL-02: a scrape target reports up == 0. */
        apiUnresponsive: z.strictObject({ for: promDuration().default("1m") }).prefault({}),
        /** AL-03: p95 > 300 ms warning, p99 > 1 s critical. */
        highLatency: z
            .strictObject({
                warning: latencyTier.prefault({ quantile: 0.95, threshold: 0.3, for: "5m" }),
                critical: latencyTier.prefault({ quantile: 0.99, threshold: 1, for: "5m" }),
            })
            .prefault({}),
        /** AL-04: CPU used / CPU limit. Warn at 80 %, page at 85 %. */
        highCpu: tiers(ratio(), {
            warning: { threshold: 0.8, for: "5m" },
            critical: { threshold: 0.85, for: "5m" },
        }),
        /** AL-05: working set per pod. Warning in bytes (> 480 MB), critical as a share of the limit. */
        highMemory: z
            .strictObject({
                warning: z
                    .strictObject({ threshold: memoryQuantity(), for: promDuration() })
                    .prefault({ threshold: "480Mi", for: "5m" }),
                critical: tier(ratio()).prefault({ threshold: 0.95, for: "5m" }),
            })
            .prefault({}),
        /** AL-06: container restarts per hour (> 3). */
        podRestarting: z
            .strictObject({
                threshold: num(1, 1000, " restarts per hour").default(3),
                for: promDuration().default("5m"),
            })
            .prefault({}),
        /** AL-07: pg_up == 0. */
        databaseDown: z.strictObject({ for: promDuration().default("1m") }).prefault({}),
        /** AL-08: replication lag in seconds (> 30 s for 5 m). */
        replicationLag: z
            .strictObject({
                threshold: num(1, 86400, " seconds").default(30),
                for: promDuration().default("5m"),
            })
            .prefault({}),
        /** AL-09: connections / max_connections (80 % warning, 95 % critical). */
        databaseConnectionPool: tiers(ratio(), {
            warning: { threshold: 0.8, for: "5m" },
            critical: { threshold: 0.95, for: "2m" },
        }),
        /** AL-10: free storage share; fires BELOW the threshold (keep > 30 % free; < 10 % critical). */
        databaseStorageLow: z
            .strictObject({
                warning: tier(ratio()).prefault({ threshold: 0.3, for: "15m" }),
                critical: tier(ratio()).prefault({ threshold: 0.1, for: "5m" }),
                /** Allocated GiB to compare free bytes with when release:database is not in this stack. */
                allocatedGiB: num(1, 65536, " GiB").default(20),
            })
            .prefault({}),
        /** AL-11: Redis hit ratio; fires BELOW the threshold (< 90 % warning, < 85 % critical). */
        cacheHitRatioLow: z
            .strictObject({
                warning: tier(ratio()).prefault({ threshold: 0.9, for: "10m" }),
                critical: tier(ratio()).prefault({ threshold: 0.85, for: "10m" }),
                /** Lookups per second below which the ratio is too noisy to alert on. */
                minLookupRate: num(0, 1e6, " lookups per second").default(1),
            })
            .prefault({}),
        /** AL-14: an HPA at maxReplicas (that could scale, i.e. max > min) for this long. */
        hpaAtMax: z.strictObject({ for: promDuration().default("15m") }).prefault({}),
    })
    .prefault({});

/**
 * Every catalogue ID and the alert names that implement it. Extra alerts may not reuse these names;
 * decisions/alertRules.ts builds them, docs and policies read this.
 */
export const ALERT_CATALOGUE = {
    "AL-01": ["HighErrorRate"],
    "AL-02": ["APIUnresponsive"],
    "AL-03": ["HighLatency"],
    "AL-04": ["HighCPU"],
    "AL-05": ["HighMemory"],
    "AL-06": ["PodRestarting"],
    "AL-07": ["DatabaseDown"],
    "AL-08": ["ReplicationLag"],
    "AL-09": ["DatabaseConnectionPool"],
    "AL-10": ["DatabaseStorageLow"],
    "AL-11": ["CacheHitRatioLow"],
    "AL-12": ["SLOBurnRateFast", "SLOBurnRateMedium", "SLOBurnRateSlow"],
    "AL-13": ["CanaryWorseThanStableErrors", "CanaryWorseThanStableLatency"],
    "AL-14": ["HPAAtMax"],
} as const satisfies Record<string, readonly string[]>;

const text = (what: string) =>
    z
        .string({ error: `must be ${what}` })
        .refine((v) => v.trim().length > 0, { error: `must be ${what}` });

/** A metric the app exports beyond the catalogue's, declared so extra alerts may read it. */
const appMetricSchema = z.strictObject({
    name: metricName(),
    type: z.enum(["counter", "gauge", "histogram", "summary"], {
        error: "must be one of counter, gauge, histogram, summary",
    }),
    /** What it counts or measures, for docs/metrics.md readers and on-call. */
    help: text("a one-line description of the metric"),
});

/** One alert of the runbook's own, beyond the catalogue; rendered like the catalogue's. */
const extraAlertSchema = z.strictObject({
    /** Alert name, UpperCamelCase like the catalogue's; runbook_url ends in it. */
    name: pattern(/^[A-Z][A-Za-z0-9]*$/, "an UpperCamelCase alert name such as CircuitBreakerOpen"),
    /** PromQL; promtool checks it at plan time. */
    expr: text("a PromQL expression"),
    for: promDuration().default("5m"),
    severity: z.enum(["warning", "critical"], { error: "must be one of warning, critical" }),
    /** Go template like the catalogue's annotations ({{ $labels.job }}, {{ $value }}). */
    summary: text("a one-line summary"),
    description: text("a description"),
    /** Default runbookBaseUrl + name. */
    runbookUrl: pattern(/^https:\/\/\S+$/, "an https URL").optional(),
});

export const monitoringSchema = z
    .strictObject({
        /** `team` label on every alert, for on-call routing (CL-15). */
        team: pattern(/^[a-z0-9]([-a-z0-9_]{0,61}[a-z0-9])?$/, "a lowercase team name"),
        /** runbook_url = runbookBaseUrl + alert name. */
        runbookBaseUrl: pattern(/^https:\/\/\S+[/#=]$/, "an https URL ending in /, # or ="),
        /** Labels the Prometheus Operator selects rules and monitors by (kube-prometheus-stack: release). */
        selectorLabels: z
            .record(labelName(), z.string())
            .default({ release: "kube-prometheus-stack" }),
        /** Scrape interval of the ServiceMonitors. */
        scrapeInterval: promDuration().default("30s"),
        /** Window of the rate() behind every ratio and quantile except the SLO windows. */
        rateWindow: promDuration().default("5m"),
        /** Namespace the Grafana sidecar watches; default the app namespace. */
        dashboardNamespace: pattern(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a namespace").optional(),
        slo: z
            .strictObject({
                /** Availability objective in percent. */
                availability: num(90, 99.999, " percent").default(99.95),
                /** Multiwindow, multi-burn-rate alerts (Google SRE Workbook, ch. 5). */
                burnRates: z
                    .strictObject({
                        fast: burnRateWindow.prefault({
                            longWindow: "1h",
                            shortWindow: "5m",
                            factor: 14.4,
                            severity: "critical",
                            for: "2m",
                        }),
                        medium: burnRateWindow.prefault({
                            longWindow: "6h",
                            shortWindow: "30m",
                            factor: 6,
                            severity: "critical",
                            for: "15m",
                        }),
                        slow: burnRateWindow.prefault({
                            longWindow: "3d",
                            shortWindow: "6h",
                            factor: 1,
                            severity: "warning",
                            for: "1h",
                        }),
                    })
                    .prefault({}),
            })
            .prefault({}),
        /** AL-13: the canary colour compared with the stable one in one expression. */
        canary: z
            .strictObject({
                /** Canary 5xx ratio must exceed stable × this factor ... */
                errorRatioFactor: num(1, 100).default(2),
                /** ... and this absolute ratio. */
                errorRatioFloor: ratio().default(0.005),
                /** Canary p95 must exceed stable p95 × this factor ... */
                latencyFactor: num(1, 100).default(1.5),
                /** ... and this many seconds. */
                latencyFloor: num(0, 600, " seconds").default(0.2),
                /** Canary requests per second needed before comparing (no traffic, no verdict). */
                minRequestRate: num(0, 1e6, " requests per second").default(0.2),
                errorSeverity: z
                    .enum(["warning", "critical"], { error: "must be one of warning, critical" })
                    .default("critical"),
                latencySeverity: z
                    .enum(["warning", "critical"], { error: "must be one of warning, critical" })
                    .default("warning"),
                for: promDuration().default("5m"),
            })
            .prefault({}),
        alerts: alertsSchema,
        metrics: metricsSchema,
        /** App metrics beyond the catalogue's (docs/metrics.md) that extra alerts read; default none. */
        appMetrics: z.array(appMetricSchema, { error: "must be a list" }).default([]),
        /** The runbook's own alerts, in the same PrometheusRule as the catalogue; default none. */
        extraAlerts: z.array(extraAlertSchema, { error: "must be a list" }).default([]),
    })
    .optional();

export const monitoringSections = {
    monitoring: monitoringSchema,
};

export type MonitoringConfig = NonNullable<z.output<typeof monitoringSchema>>;

function issue(
    ctx: z.RefinementCtx,
    path: (string | number)[],
    input: unknown,
    message: string,
): void {
    reportIssues(ctx, [{ path: ["monitoring", ...path], input, message }]);
}

export const monitoringRules: CrossFieldRule[] = [
    function cloudwatchExporterIdentity(cfg, ctx) {
        if ((cfg.database || cfg.cache) && !cfg.cluster) {
            reportIssues(ctx, [
                {
                    path: ["cluster", "oidcProviderArn"],
                    input: undefined,
                    message:
                        "must be set when release:database or release:cache is set: the CloudWatch exporter behind the storage and cache-memory alerts runs under a pod identity that trusts it",
                },
            ]);
        }
    },
    function monitoringRequiredInProd(cfg, ctx) {
        if (cfg.stage === "prod" && !cfg.monitoring) {
            reportIssues(ctx, [
                {
                    path: ["monitoring"],
                    input: undefined,
                    message:
                        "must be set in prod: alerts and dashboards are part of a release (CL-14)",
                },
            ]);
        }
    },
    function extraAlertNames(cfg, ctx) {
        const m = cfg.monitoring as MonitoringConfig | undefined;
        if (!m) return;
        const catalogue = new Map<string, string>(
            Object.entries(ALERT_CATALOGUE).flatMap(([id, names]) =>
                names.map((n) => [n, id] as [string, string]),
            ),
        );
        const seen = new Map<string, number>();
        m.extraAlerts.forEach((a, i) => {
            const id = catalogue.get(a.name);
            if (id) {
                issue(
                    ctx,
                    ["extraAlerts", i, "name"],
                    a.name,
                    `must not reuse the name of catalogue alert ${id}; tune ${a.name} under release:monitoring.alerts or pick another name`,
                );
            } else if (seen.has(a.name)) {
                issue(
                    ctx,
                    ["extraAlerts", i, "name"],
                    a.name,
                    `must be unique: release:monitoring.extraAlerts[${seen.get(a.name)}] already has it`,
                );
            }
            if (!seen.has(a.name)) seen.set(a.name, i);
        });
        const names = new Set<string>();
        m.appMetrics.forEach((metric, i) => {
            if (names.has(metric.name)) {
                issue(ctx, ["appMetrics", i, "name"], metric.name, "must be declared once");
            }
            names.add(metric.name);
        });
    },
    function tiersOrdered(cfg, ctx) {
        const m = cfg.monitoring as MonitoringConfig | undefined;
        if (!m) return;
        const a = m.alerts;
        // "Above" alerts: the warning must trip first, so its threshold must be lower.
        const above = {
            highErrorRate: a.highErrorRate,
            highCpu: a.highCpu,
            databaseConnectionPool: a.databaseConnectionPool,
        };
        for (const [key, t] of Object.entries(above)) {
            if (t.warning.threshold >= t.critical.threshold) {
                issue(
                    ctx,
                    ["alerts", key, "warning", "threshold"],
                    t.warning.threshold,
                    `must be below release:monitoring.alerts.${key}.critical.threshold (${t.critical.threshold}) so the warning fires first`,
                );
            }
        }
        // "Below" alerts fire when the value drops under the threshold.
        const below = {
            databaseStorageLow: a.databaseStorageLow,
            cacheHitRatioLow: a.cacheHitRatioLow,
        };
        for (const [key, t] of Object.entries(below)) {
            if (t.warning.threshold <= t.critical.threshold) {
                issue(
                    ctx,
                    ["alerts", key, "warning", "threshold"],
                    t.warning.threshold,
                    `must be above release:monitoring.alerts.${key}.critical.threshold (${t.critical.threshold}) so the warning fires first`,
                );
            }
        }
    },
    function memoryWarningBelowCritical(cfg, ctx) {
        const m = cfg.monitoring as MonitoringConfig | undefined;
        const limit = cfg.app?.resources?.limits?.memory as string | undefined;
        if (!m || !limit || !/^\d+(Ki|Mi|Gi|Ti|k|M|G|T)?$/.test(limit)) return;
        const mem = m.alerts.highMemory;
        const criticalBytes = mem.critical.threshold * memoryBytes(limit);
        if (memoryBytes(mem.warning.threshold) >= criticalBytes) {
            issue(
                ctx,
                ["alerts", "highMemory", "warning", "threshold"],
                mem.warning.threshold,
                `must be below critical.threshold × release:app.resources.limits.memory (${mem.critical.threshold} × ${limit} = ${Math.floor(criticalBytes / 1024 ** 2)}Mi) so the warning fires first`,
            );
        }
    },
    function burnRateWindows(cfg, ctx) {
        const m = cfg.monitoring as MonitoringConfig | undefined;
        if (!m) return;
        for (const [key, w] of Object.entries(m.slo.burnRates)) {
            if (durationSeconds(w.shortWindow) >= durationSeconds(w.longWindow)) {
                issue(
                    ctx,
                    ["slo", "burnRates", key, "shortWindow"],
                    w.shortWindow,
                    `must be shorter than release:monitoring.slo.burnRates.${key}.longWindow (${w.longWindow})`,
                );
            }
        }
        // A burn above 1 / budget would need more than 100 % errors: the alert could never fire.
        // Rounded: 1 - 99 / 100 is 0.010000000000000009 in floating point.
        const budget = +(1 - m.slo.availability / 100).toFixed(10);
        for (const [key, w] of Object.entries(m.slo.burnRates)) {
            if (w.factor * budget > 1) {
                issue(
                    ctx,
                    ["slo", "burnRates", key, "factor"],
                    w.factor,
                    `must be at most ${Math.floor(1 / budget)} for a ${m.slo.availability} % SLO (factor × error budget must not exceed 100 %)`,
                );
            }
        }
    },
];
