// The real-Prometheus fixture shared by the analysis, release and preflight tests: one server,
// backfilled with one namespace per scenario, and prod stack-file copies pointed at them.
// Times are minutes after START (3 h ago); tests move a virtual clock through them.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseDocument } from "yaml";
import { startLocalPrometheus, type LocalPrometheus } from "../scripts/lib/localPrometheus";
import type { Clock } from "../scripts/lib/release";
import {
    openMetrics,
    type AppSeries,
    type ColorLoad,
    type Gauge,
} from "../scripts/lib/syntheticMetrics";

export const MIN = 60;
/** Scenario namespaces: the stack copy's release:app.namespace picks one. */
export const NS = {
    healthy: "rel-healthy",
    spike: "rel-spike",
    silent: "rel-silent",
    alert: "rel-alert",
} as const;
export type Scenario = keyof typeof NS;

/** When the release tests start: inside the healthy-capacity segment, 20 min of data behind. */
export const RELEASE_AT = 20 * MIN;
/** The spike starts during the 50 % step (steps 10 %/15m, 50 %/15m, 100 %/10m from RELEASE_AT). */
export const SPIKE_AT = 40 * MIN;
/** A critical alert starts firing during the 50 % step. */
export const ALERT_AT = 45 * MIN;
/** Capacity segments (minutes): healthy until 100, then one failing resource at a time. */
export const CAPACITY = {
    healthy: 50 * MIN,
    database: 110 * MIN,
    cache: 130 * MIN,
    cpu: 150 * MIN,
    memory: 170 * MIN,
} as const;

const load = (rps: number, errorRatio = 0.0002, latency: ColorLoad["latency"] = "fast") => ({
    rps,
    errorRatio,
    latency,
});
const stableBlue = () => load(20);

function apps(): AppSeries[] {
    const app = (
        ns: string,
        green: (t: number) => ColorLoad | undefined,
        alerts?: AppSeries["alerts"],
    ) => ({
        job: "nova-api",
        namespace: ns,
        colors: { blue: stableBlue, green },
        alerts,
    });
    return [
        app(NS.healthy, () => load(5)),
        app(NS.spike, (t) => load(5, t >= SPIKE_AT ? 0.2 : 0.0002)),
        app(NS.silent, () => undefined),
        app(NS.alert, () => load(5), [
            { name: "DatabaseDown", severity: "critical", from: ALERT_AT },
        ]),
    ];
}

const GiB = 1024 ** 3;
/** Which capacity segment `t` is in. */
const segment = (t: number) =>
    t >= 160 * MIN
        ? "memory"
        : t >= 140 * MIN
          ? "cpu"
          : t >= 120 * MIN
            ? "cache"
            : t >= 100 * MIN
              ? "database"
              : "healthy";

function capacityGauges(): Gauge[] {
    const g = (name: string, labels: Record<string, string>, at: (t: number) => number): Gauge => ({
        name,
        labels,
        at,
    });
    const out: Gauge[] = [
        // prod: nova-prod, 200 GiB allocated; 60 % free, 20 % in the database segment.
        g(
            "aws_rds_free_storage_space_average",
            { dimension_DBInstanceIdentifier: "nova-prod" },
            (t) => (segment(t) === "database" ? 40 : 120) * GiB,
        ),
        g(
            "aws_rds_free_storage_space_average",
            { dimension_DBInstanceIdentifier: "nova-prod-replica-1" },
            () => 150 * GiB,
        ),
        g("kube_node_status_allocatable", { node: "n1", resource: "cpu", unit: "core" }, () => 32),
        g(
            "kube_node_status_allocatable",
            { node: "n1", resource: "memory", unit: "byte" },
            () => 128 * GiB,
        ),
        g("kube_pod_status_phase", { namespace: "other", pod: "bulk", phase: "Running" }, () => 1),
        g(
            "kube_pod_status_phase",
            { namespace: "other", pod: "bulk", phase: "Succeeded" },
            () => 0,
        ),
        // A finished Job's pod still has requests in kube-state-metrics; they must not count.
        g(
            "kube_pod_status_phase",
            { namespace: "other", pod: "done", phase: "Succeeded" },
            () => 1,
        ),
        g(
            "kube_pod_container_resource_requests",
            { namespace: "other", pod: "done", container: "c", resource: "cpu", unit: "core" },
            () => 100,
        ),
        g(
            "kube_pod_container_resource_requests",
            { namespace: "other", pod: "bulk", container: "c", resource: "cpu", unit: "core" },
            (t) => (segment(t) === "cpu" ? 28 : 12),
        ),
        g(
            "kube_pod_container_resource_requests",
            { namespace: "other", pod: "bulk", container: "c", resource: "memory", unit: "byte" },
            (t) => (segment(t) === "memory" ? 110 : 40) * GiB,
        ),
    ];
    for (const ns of Object.values(NS)) {
        const labels = { job: "redis-exporter", namespace: ns };
        out.push(
            g("redis_memory_used_bytes", labels, (t) => (segment(t) === "cache" ? 9 : 4) * GiB),
            g("redis_memory_max_bytes", labels, () => 13 * GiB),
        );
    }
    return out;
}

export interface Fixture {
    prometheus: LocalPrometheus;
    /** Unix seconds of minute 0. */
    start: number;
    /** The instant `seconds` after the start. */
    at(seconds: number): Date;
}

/** Starts the shared server (about a second). Call fixture.prometheus.stop() in after(). */
export async function startFixture(): Promise<Fixture> {
    const end = Math.floor(Date.now() / 1000) - 1;
    const start = end - 180 * MIN;
    const text = openMetrics(apps(), { start, end, step: 30 }, capacityGauges());
    const prometheus = await startLocalPrometheus(text);
    return { prometheus, start, at: (s) => new Date((start + s) * 1000) };
}

/** A clock that starts at `from` and whose sleep only moves time forward. */
export function virtualClock(from: Date): Clock & { slept: number } {
    let now = from.getTime();
    const clock = {
        slept: 0,
        now: () => new Date(now),
        sleep: async (ms: number) => {
            now += ms;
            clock.slept += ms;
        },
    };
    return clock;
}

/**
 * A copy of Pulumi.prod.yaml in a temp dir pointed at a scenario: canary green at `weight`, the
 * prod stage's default steps (10 → 50 → 100), no change window unless given.
 */
export function stackCopy(
    scenario: Scenario,
    opts: { weight?: number; changeWindow?: Record<string, unknown> } = {},
): { file: string; dir: string; read(): Record<string, any> } {
    const root = path.resolve(__dirname, "..");
    const doc = parseDocument(fs.readFileSync(path.join(root, "Pulumi.prod.yaml"), "utf8"));
    doc.setIn(["config", "release:app", "namespace"], NS[scenario]);
    doc.setIn(["config", "release:traffic", "canaryWeight"], opts.weight ?? 0);
    doc.deleteIn(["config", "release:traffic", "steps"]);
    doc.deleteIn(["config", "release:traffic", "changeWindow"]);
    if (opts.changeWindow)
        doc.setIn(["config", "release:traffic", "changeWindow"], opts.changeWindow);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-stack-"));
    const file = path.join(dir, "Pulumi.prod.yaml");
    fs.writeFileSync(file, doc.toString());
    return {
        file,
        dir,
        read: () =>
            (parseDocument(fs.readFileSync(file, "utf8")).toJS() as any).config["release:traffic"],
    };
}
