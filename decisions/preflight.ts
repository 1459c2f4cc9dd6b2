// Pure: the capacity preflight before a release's first step (> 30 % free database
// storage, > 50 % free cache memory, > 20 % spare node capacity). Queries read the exporters the
// program deploys (CloudWatch via YACE names, redis_exporter) and kube-state-metrics; the node
// check counts the pods the shift will add on top of today's requests.
import { isScalable, resolveWorkloads, type StackConfig } from "../config";
import { memoryBytes } from "../config/monitoring";
import { trafficSteps } from "../config/progression";
import { percent } from "./alertRules";
import { colorCapacity } from "./capacity";
import { CLOUDWATCH_LABELS, metricNames } from "./metricsCatalogue";

export interface PreflightCheck {
    readonly name: string;
    /** Queries whose values the check needs, by role. */
    readonly queries: Readonly<Record<string, string>>;
    /** The free share, from the queried values; undefined when a value is missing. */
    readonly free: (v: Readonly<Record<string, number | undefined>>) => number | undefined;
    /** Minimum free share. */
    readonly minimum: number;
    /** The numbers behind the share, for the message. */
    readonly detail: (v: Readonly<Record<string, number | undefined>>) => string;
}

const cpuCores = (q: string) => (q.endsWith("m") ? Number(q.slice(0, -1)) / 1000 : Number(q));
const gib = (bytes: number) => `${+(bytes / 1024 ** 3).toFixed(1)} GiB`;
const cores = (n: number) => `${+n.toFixed(2)} cores`;
const ok = (...xs: (number | undefined)[]) =>
    xs.every((x) => x !== undefined && Number.isFinite(x));

/** Pods one workload adds at the release's busiest moment, and what each of them requests. */
export interface AddedPods {
    readonly workload: string;
    readonly pods: number;
    readonly cpu: number;
    readonly memory: number;
}

/**
 * Pods the release adds at its busiest moment: for each step (and the promotion), both colours'
 * replicas of every scalable workload from the same capacity rule as the program, minus what runs
 * now. Web and worker workloads follow the weight; a tcp workload's colours keep their total.
 */
export function addedPods(cfg: StackConfig): AddedPods[] {
    const current = cfg.traffic.canaryWeight;
    // Steps already behind a resumed release add nothing.
    const ahead = trafficSteps(cfg)
        .filter((s) => s.weight >= current)
        .map((s) => s.weight);
    return resolveWorkloads(cfg)
        .filter(isScalable)
        .map((w) => {
            const a = w.autoscaling;
            const replicas = (weight: number) =>
                colorCapacity({
                    weight,
                    baselineReplicas: a.baselineReplicas,
                    minReplicas: a.minReplicas,
                    maxReplicas: a.maxReplicas,
                    idleReplicas: cfg.traffic.idleReplicas,
                }).replicas;
            const total = (canaryWeight: number) =>
                w.kind === "tcp"
                    ? replicas(100) + replicas(0)
                    : replicas(100 - canaryWeight) + replicas(canaryWeight);
            const now = total(current);
            const peak = Math.max(now, ...ahead.map(total));
            return {
                workload: w.name,
                pods: Math.max(0, peak - now),
                cpu: cpuCores(w.resources.requests.cpu),
                memory: memoryBytes(w.resources.requests.memory),
            };
        });
}

/** The preflight checks that apply to this stack (no database, no storage check). */
export function preflightChecks(cfg: StackConfig): PreflightCheck[] {
    const m = cfg.monitoring;
    if (!m) return [];
    const names = metricNames(m.metrics);
    const t = cfg.traffic.preflight;
    const ns = cfg.app.namespace;
    const checks: PreflightCheck[] = [];
    if (cfg.database) {
        const allocated = cfg.database.allocatedStorageGb * 1024 ** 3;
        const sel = `${CLOUDWATCH_LABELS.dbInstance}=~"${cfg.database.identifier}(-replica-[0-9]+)?"`;
        checks.push({
            name: "database storage",
            queries: { free: `min(${names.dbFreeStorageBytes}{${sel}})` },
            free: (v) => (ok(v.free) ? v.free! / allocated : undefined),
            minimum: t.dbFreeStorage,
            detail: (v) => `${ok(v.free) ? gib(v.free!) : "?"} free of ${gib(allocated)}`,
        });
    }
    if (cfg.cache) {
        const sel = `job="redis-exporter",namespace="${ns}"`;
        checks.push({
            name: "cache memory",
            queries: {
                used: `max(${names.redisMemoryUsed}{${sel}})`,
                max: `max(${names.redisMemoryMax}{${sel}} > 0)`,
            },
            free: (v) => (ok(v.used, v.max) ? 1 - v.used! / v.max! : undefined),
            minimum: t.cacheFreeMemory,
            detail: (v) =>
                ok(v.used, v.max) ? `${gib(v.used!)} used of ${gib(v.max!)} maxmemory` : "no data",
        });
    }
    const all = addedPods(cfg);
    const growing = all.filter((a) => a.pods > 0);
    // The workloads that grow, or the first one (with 0 pods) when none does.
    const shown = growing.length > 0 ? growing : all.slice(0, 1);
    const running = `${names.podPhase}{phase=~"Pending|Running"} == 1`;
    for (const [resource, show] of [
        ["cpu", cores],
        ["memory", gib],
    ] as const) {
        const adding = growing.reduce((n, a) => n + a.pods * a[resource], 0);
        // "3 pods × 0.25 cores", one term per workload that grows.
        const terms = shown
            .map(
                (a) =>
                    `${a.pods} pods${shown.length > 1 ? ` of ${a.workload}` : ""} × ${show(a[resource])}`,
            )
            .join(" + ");
        checks.push({
            name: `node ${resource}`,
            queries: {
                allocatable: `sum(${names.nodeAllocatable}{resource="${resource}"})`,
                requested: `sum(${names.containerRequests}{resource="${resource}"} * on (namespace, pod) group_left () (${running}))`,
            },
            free: (v) =>
                ok(v.allocatable, v.requested) && v.allocatable! > 0
                    ? (v.allocatable! - v.requested! - adding) / v.allocatable!
                    : undefined,
            minimum: t.nodeSpare,
            detail: (v) =>
                ok(v.allocatable, v.requested)
                    ? `${show(v.allocatable! - v.requested!)} unrequested of ${show(v.allocatable!)} allocatable; the release adds ${terms} = ${show(adding)}`
                    : "no data",
        });
    }
    return checks;
}

export interface PreflightResult {
    readonly name: string;
    readonly free: number | null;
    readonly minimum: number;
    readonly verdict: "pass" | "fail" | "no data";
    readonly message: string;
}

/** Judges one check from its values. */
export function judgePreflight(
    check: PreflightCheck,
    values: Readonly<Record<string, number | undefined>>,
): PreflightResult {
    const free = check.free(values);
    const verdict = free === undefined ? "no data" : free >= check.minimum ? "pass" : "fail";
    const share = free === undefined ? "no data" : `${percent(Math.max(free, -1))} free`;
    return {
        name: check.name,
        free: free ?? null,
        minimum: check.minimum,
        verdict,
        message: `${check.name}: ${share} (${check.detail(values)}), needs ≥ ${percent(check.minimum)}: ${verdict === "fail" ? "FAIL" : verdict}`,
    };
}
