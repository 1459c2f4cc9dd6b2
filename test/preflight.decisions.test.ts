// The capacity preflight's decisions, called directly: which checks a stack gets, the PromQL each
// one sends, the free share it computes from the answers (and when it refuses to), and the verdict
// and message at the boundaries. No Prometheus, no plan.
import * as assert from "assert";
import {
    addedPods,
    judgePreflight,
    preflightChecks,
    type PreflightCheck,
} from "../decisions/preflight";
import { parsedConfig } from "../scripts/lib/analysis";
import { loadStackInput } from "../scripts/lib/stackFile";

const GiB = 1024 ** 3;

/** The prod stack (Nova's API: 250m CPU and 384Mi per pod, 200 GB database), with edits. */
const prod = (edit: (c: Record<string, any>) => void = () => undefined) => {
    const input = structuredClone(loadStackInput("prod"));
    const raw = Object.fromEntries(
        Object.entries(input.config)
            .filter(([k]) => k.startsWith("release:"))
            .map(([k, v]) => [k.slice("release:".length), v]),
    );
    edit(raw);
    input.config = Object.fromEntries(Object.entries(raw).map(([k, v]) => [`release:${k}`, v]));
    return parsedConfig(input);
};
const check = (checks: PreflightCheck[], name: string) => {
    const c = checks.find((x) => x.name === name);
    assert.ok(c, `no ${name} check in ${checks.map((x) => x.name).join(", ")}`);
    return c;
};

describe("capacity preflight decisions: which checks", () => {
    it("checks database storage, cache memory and node CPU and memory on a full stack", () => {
        const checks = preflightChecks(prod());
        assert.deepStrictEqual(
            checks.map((c) => [c.name, c.minimum]),
            [
                ["database storage", 0.3],
                ["cache memory", 0.5],
                ["node cpu", 0.2],
                ["node memory", 0.2],
            ],
        );
    });

    it("takes each minimum from the stack's traffic.preflight", () => {
        const checks = preflightChecks(
            prod((c) => {
                c.traffic.preflight = { dbFreeStorage: 0.4, cacheFreeMemory: 0.6, nodeSpare: 0.1 };
            }),
        );
        assert.deepStrictEqual(
            checks.map((c) => c.minimum),
            [0.4, 0.6, 0.1, 0.1],
        );
    });

    it("leaves out the database and cache checks when the stack has none, and all without monitoring", () => {
        const cfg = prod();
        assert.deepStrictEqual(
            preflightChecks({ ...cfg, database: undefined, cache: undefined }).map((c) => c.name),
            ["node cpu", "node memory"],
        );
        assert.deepStrictEqual(
            preflightChecks({ ...cfg, cache: undefined }).map((c) => c.name),
            ["database storage", "node cpu", "node memory"],
        );
        assert.deepStrictEqual(preflightChecks({ ...cfg, monitoring: undefined }), []);
    });
});

describe("capacity preflight decisions: database storage", () => {
    const db = check(preflightChecks(prod()), "database storage");

    it("asks for the least free storage of the primary and its replicas, through YACE", () => {
        const m =
            /^min\(aws_rds_free_storage_space_average\{dimension_DBInstanceIdentifier=~"(.+)"\}\)$/.exec(
                db.queries.free,
            );
        assert.ok(m, db.queries.free);
        assert.deepStrictEqual(Object.keys(db.queries), ["free"]);
        const re = new RegExp(`^(?:${m[1]})$`); // Prometheus anchors =~ matchers.
        for (const id of ["nova-prod", "nova-prod-replica-1", "nova-prod-replica-12"])
            assert.ok(re.test(id), id);
        for (const id of ["nova-prod-2", "nova-prod-replica-", "other-nova-prod", "nova-staging"])
            assert.ok(!re.test(id), id);
    });

    it("divides free bytes by the allocated storage, and has no share without a finite value", () => {
        assert.strictEqual(db.free({ free: 60 * GiB }), 0.3);
        assert.strictEqual(db.free({ free: 200 * GiB }), 1);
        assert.strictEqual(db.free({}), undefined);
        assert.strictEqual(db.free({ free: NaN }), undefined);
        assert.strictEqual(db.free({ free: Infinity }), undefined);
        assert.strictEqual(db.detail({ free: 61.25 * GiB }), "61.3 GiB free of 200 GiB");
        assert.strictEqual(db.detail({}), "? free of 200 GiB");
    });

    it("passes at exactly the minimum and fails just below it", () => {
        assert.strictEqual(judgePreflight(db, { free: 60 * GiB }).verdict, "pass");
        assert.strictEqual(judgePreflight(db, { free: 59.9 * GiB }).verdict, "fail");
        assert.strictEqual(
            judgePreflight(db, { free: 20 * GiB }).message,
            "database storage: 10% free (20 GiB free of 200 GiB), needs ≥ 30%: FAIL",
        );
    });
});

describe("capacity preflight decisions: cache memory", () => {
    const cache = check(preflightChecks(prod()), "cache memory");

    it("reads redis_exporter in the app's namespace, leaving out unlimited (0) maxmemory", () => {
        assert.deepStrictEqual(cache.queries, {
            used: 'max(redis_memory_used_bytes{job="redis-exporter",namespace="nova-prod"})',
            max: 'max(redis_memory_max_bytes{job="redis-exporter",namespace="nova-prod"} > 0)',
        });
    });

    it("is the unused share of maxmemory, and needs both values", () => {
        assert.strictEqual(cache.free({ used: 1 * GiB, max: 4 * GiB }), 0.75);
        assert.strictEqual(cache.free({ used: 4 * GiB, max: 4 * GiB }), 0);
        assert.strictEqual(cache.free({ used: 1 * GiB }), undefined);
        assert.strictEqual(cache.free({ max: 4 * GiB }), undefined);
        assert.strictEqual(
            cache.detail({ used: 1 * GiB, max: 4 * GiB }),
            "1 GiB used of 4 GiB maxmemory",
        );
        assert.strictEqual(cache.detail({ used: 1 * GiB }), "no data");
        assert.strictEqual(cache.detail({ max: 1 * GiB }), "no data");
    });
});

describe("capacity preflight decisions: nodes", () => {
    // At 25 % the colours run 5 + 3 pods; 100 % needs 6 + 3 (the idle colour): one more pod.
    const checks = preflightChecks(prod());
    const cpu = check(checks, "node cpu");
    const memory = check(checks, "node memory");

    it("sums allocatable and the requests of pods that are running or about to", () => {
        assert.deepStrictEqual(cpu.queries, {
            allocatable: 'sum(kube_node_status_allocatable{resource="cpu"})',
            requested:
                'sum(kube_pod_container_resource_requests{resource="cpu"} * on (namespace, pod) group_left () (kube_pod_status_phase{phase=~"Pending|Running"} == 1))',
        });
        assert.match(memory.queries.allocatable, /\{resource="memory"\}/);
        assert.match(
            memory.queries.requested,
            /^sum\(kube_pod_container_resource_requests\{resource="memory"\} \* /,
        );
    });

    it("uses the stack's renamed kube-state-metrics names", () => {
        const renamed = check(
            preflightChecks(
                prod((c) => {
                    c.monitoring.metrics = {
                        nodeAllocatable: "ksm_node_allocatable",
                        containerRequests: "ksm_requests",
                        podPhase: "ksm_phase",
                    };
                }),
            ),
            "node cpu",
        );
        assert.strictEqual(
            renamed.queries.allocatable,
            'sum(ksm_node_allocatable{resource="cpu"})',
        );
        assert.match(
            renamed.queries.requested,
            /^sum\(ksm_requests\{resource="cpu"\} .*\(ksm_phase\{phase=~"Pending\|Running"\} == 1\)\)$/,
        );
    });

    it("subtracts today's requests and the pods the release adds from allocatable", () => {
        assert.strictEqual(cpu.free({ allocatable: 10, requested: 7.75 }), 0.2);
        assert.strictEqual(
            judgePreflight(cpu, { allocatable: 10, requested: 7.75 }).verdict,
            "pass",
        );
        assert.strictEqual(
            judgePreflight(cpu, { allocatable: 10, requested: 7.76 }).verdict,
            "fail",
        );
        assert.strictEqual(memory.free({ allocatable: 16 * GiB, requested: 8 * GiB }), 7.625 / 16);
    });

    it("has no share without both values or with no allocatable capacity", () => {
        assert.strictEqual(cpu.free({ allocatable: 10 }), undefined);
        assert.strictEqual(cpu.free({ requested: 1 }), undefined);
        assert.strictEqual(cpu.free({ allocatable: 0, requested: 0 }), undefined);
        assert.strictEqual(cpu.free({ allocatable: 0.001, requested: 0 }) !== undefined, true);
        assert.strictEqual(cpu.detail({ allocatable: 10 }), "no data");
        assert.strictEqual(cpu.detail({ requested: 10 }), "no data");
    });

    it("explains the numbers: unrequested, allocatable and each added pod's requests", () => {
        assert.strictEqual(
            cpu.detail({ allocatable: 10, requested: 7.75 }),
            "2.25 cores unrequested of 10 cores allocatable; the release adds 1 pods × 0.25 cores = 0.25 cores",
        );
        assert.strictEqual(
            cpu.detail({ allocatable: 1, requested: 2 / 3 }),
            "0.33 cores unrequested of 1 cores allocatable; the release adds 1 pods × 0.25 cores = 0.25 cores",
        );
        assert.strictEqual(
            memory.detail({ allocatable: 16 * GiB, requested: 8 * GiB }),
            "8 GiB unrequested of 16 GiB allocatable; the release adds 1 pods × 0.4 GiB = 0.4 GiB",
        );
    });
});

describe("capacity preflight decisions: added pods", () => {
    it("reads CPU requests in cores and millicores", () => {
        const cores = (cpu: string) =>
            addedPods(
                prod((c) => {
                    c.app.resources.requests.cpu = cpu;
                    c.app.resources.limits.cpu = "4";
                }),
            )[0].cpu;
        assert.strictEqual(cores("250m"), 0.25);
        assert.strictEqual(cores("1500m"), 1.5);
        assert.strictEqual(cores("2"), 2);
        assert.strictEqual(cores("0.5"), 0.5);
    });

    it("leaves out CronJobs, which have no colours to scale", () => {
        const cfg = prod((c) => {
            c.workloads.report = { kind: "cron", schedule: "0 3 * * *" };
        });
        assert.deepStrictEqual(
            addedPods(cfg).map((a) => [a.workload, a.pods]),
            [["nova-api", 1]],
        );
    });

    it("keeps a tcp workload's total even where the weight would grow a web one", () => {
        // rtmp at baseline 6, floor 3: split by weight its colours would run 5 + 3 at 25 % and
        // 6 + 3 at 100 %; a tcp release swaps the colours, 6 + 3 throughout.
        const input = structuredClone(loadStackInput("examples/nova-streaming/Pulumi.prod.yaml"));
        const workloads = input.config["release:workloads"] as Record<string, any>;
        workloads.rtmp.autoscaling.baselineReplicas = 6;
        const added = addedPods(parsedConfig(input));
        assert.strictEqual(added.find((a) => a.workload.endsWith("rtmp"))?.pods, 0);
        assert.ok(added.find((a) => a.workload === "user-service")!.pods > 0);
    });

    it("counts the busiest step still ahead, not one already behind", () => {
        // With minReplicas 5 the 5 % step (6 + 5) and the 50 % step (5 + 5) need more pods than
        // 100 % (6 + the idle 3): a release standing at 100 % has passed them and adds nothing.
        const at = (w: number) =>
            addedPods(
                prod((c) => {
                    c.autoscaling.minReplicas = 5;
                    c.traffic.canaryWeight = w;
                }),
            )[0].pods;
        assert.strictEqual(at(100), 0);
    });
});

describe("capacity preflight decisions: the verdict", () => {
    const fixed = (minimum: number): PreflightCheck => ({
        name: "thing",
        queries: { v: "v" },
        free: (v) => v.v,
        minimum,
        detail: (v) => `v=${v.v}`,
    });

    it("passes at the minimum and fails below it, naming the share and the minimum", () => {
        assert.deepStrictEqual(judgePreflight(fixed(0.25), { v: 0.25 }), {
            name: "thing",
            free: 0.25,
            minimum: 0.25,
            verdict: "pass",
            message: "thing: 25% free (v=0.25), needs ≥ 25%: pass",
        });
        const fail = judgePreflight(fixed(0.25), { v: 0.2499 });
        assert.strictEqual(fail.verdict, "fail");
        assert.strictEqual(fail.message, "thing: 24.99% free (v=0.2499), needs ≥ 25%: FAIL");
    });

    it("says no data, neither pass nor fail, when the share cannot be computed", () => {
        assert.deepStrictEqual(judgePreflight(fixed(0.25), {}), {
            name: "thing",
            free: null,
            minimum: 0.25,
            verdict: "no data",
            message: "thing: no data (v=undefined), needs ≥ 25%: no data",
        });
    });

    it("keeps a zero share (a fail, not missing data) and caps an overdrawn one at -100 %", () => {
        const zero = judgePreflight(fixed(0.25), { v: 0 });
        assert.strictEqual(zero.free, 0);
        assert.strictEqual(zero.verdict, "fail");
        assert.match(judgePreflight(fixed(0), { v: 0 }).message, /: 0% free .*: pass$/);
        assert.match(judgePreflight(fixed(0.2), { v: -0.5 }).message, /^thing: -50% free /);
        const overdrawn = judgePreflight(fixed(0.2), { v: -3 });
        assert.match(overdrawn.message, /^thing: -100% free /);
        assert.strictEqual(overdrawn.free, -3);
    });
});
