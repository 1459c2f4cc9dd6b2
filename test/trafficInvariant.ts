// The traffic-step invariant the shift tests check (test/shift*.test.ts, split by router so
// mocha's parallel workers share them). A traffic shift, a promotion and a rollback must touch only routing objects, the Service
// selectors of tcp workloads (L4 follows the stable colour), replica counts and HPA bounds, and
// which colour's CronJob is suspended: nothing else changes, nothing is created or deleted. The
// AWS edges (buckets, KMS keys, pod identities' roles, policies and ServiceAccounts, the backup
// CronJob, Route 53 records and health checks) never change at all.
import * as assert from "assert";
import { diffPlans, type GraphDiff } from "../scripts/lib/graphDiff";
import type { Plan } from "../scripts/lib/plan";
import { loadStackInput } from "../scripts/lib/stackFile";
import { planAfter, planStack, type ConfigEdit } from "./helpers";
import { ROUTER_VARIANTS } from "./routerVariants";
import { ALL_KINDS, EXAMPLE_STACKS } from "./workloadFixtures";

const ROUTING_TYPES = new Set([
    "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
    "kubernetes:networking.k8s.io/v1:Ingress",
]);
/** Fields a shift may change outside the routing objects. */
const ALLOWED_FIELDS: Record<string, RegExp> = {
    "kubernetes:apps/v1:Deployment": /^spec\.replicas$/,
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": /^spec\.(minReplicas|maxReplicas)$/,
    "kubernetes:core/v1:Service": /^spec\.selector\.color$/,
    "kubernetes:batch/v1:CronJob": /^spec\.suspend$/,
};
const DATA_TYPE = /^aws:(rds|elasticache)\//;
const EDGE_TYPE = /^(aws:(s3|iam|kms|route53)\/|kubernetes:core\/v1:ServiceAccount$)/;

/** Keys of the AWS edges in a plan: a traffic step must change none of them. */
export function edgeKeys(plan: Plan): Set<string> {
    return new Set(
        plan.resources
            .filter(
                (r) =>
                    EDGE_TYPE.test(r.type) ||
                    (r.type === "kubernetes:batch/v1:CronJob" &&
                        (r.inputs as any).metadata?.labels?.["app.kubernetes.io/component"] ===
                            "backup"),
            )
            .map((r) => `${r.type}::${r.name}`),
    );
}

/** Service keys of tcp workloads' load balancers: the only Services whose selector may move. */
function loadBalancers(plan: Plan): Set<string> {
    return new Set(
        plan.resources
            .filter((r) => (r.inputs as any).spec?.type === "LoadBalancer")
            .map((r) => `${r.type}::${r.name}`),
    );
}

export function assertMinimal(
    diff: GraphDiff,
    routingChanges = true,
    lbs = new Set<string>(),
    edges = new Set<string>(),
): void {
    assert.deepStrictEqual(diff.created, [], "a shift must create nothing");
    assert.deepStrictEqual(diff.deleted, [], "a shift must delete nothing");
    for (const change of diff.changed) {
        assert.doesNotMatch(change.key, DATA_TYPE, "a shift must not touch a data resource");
        assert.ok(
            !edges.has(change.key) && !EDGE_TYPE.test(change.type),
            `${change.key} is an AWS edge: a shift must not change it (changed ${change.fields.join(", ")})`,
        );
        if (ROUTING_TYPES.has(change.type)) continue;
        const allowed = ALLOWED_FIELDS[change.type];
        assert.ok(allowed, `${change.key} must not change (changed ${change.fields.join(", ")})`);
        if (change.type === "kubernetes:core/v1:Service") {
            assert.ok(
                lbs.has(change.key),
                `${change.key} is not a tcp load balancer: must not change`,
            );
        }
        for (const f of change.fields) assert.match(f, allowed, `${change.key}: ${f}`);
    }
    assert.strictEqual(
        diff.changed.some((c) => ROUTING_TYPES.has(c.type)),
        routingChanges,
        routingChanges ? "the routing object must change" : "the routing object must not change",
    );
}

export interface Step {
    from: ConfigEdit;
    to: ConfigEdit;
    /** Whether requests go somewhere new; false when only the stable label moves. */
    routing?: (kind: string) => boolean;
}

export const STEPS: Record<string, Step> = {
    "shift 25 → 50": {
        from: () => undefined,
        to: (c) => (c.traffic.canaryWeight = 50),
    },
    "shift 5 → 25": {
        from: (c) => (c.traffic.canaryWeight = 5),
        to: (c) => (c.traffic.canaryWeight = 25),
    },
    "promotion (green at 25 → green stable)": {
        from: () => undefined,
        to: (c) => {
            c.traffic.stable = "green";
            c.traffic.canaryWeight = 0;
        },
    },
    "promotion after a full shift (green at 100 → green stable)": {
        from: (c) => (c.traffic.canaryWeight = 100),
        to: (c) => {
            c.traffic.stable = "green";
            c.traffic.canaryWeight = 0;
        },
        // Requests already all go to green; only nginx swaps its primary and canary Ingresses.
        routing: (kind) => kind === "nginx",
    },
    "rollback (25 → 0)": {
        from: () => undefined,
        to: (c) => (c.traffic.canaryWeight = 0),
    },
    "rollback after promotion (green stable → blue stable)": {
        from: (c) => {
            c.traffic.stable = "green";
            c.traffic.canaryWeight = 0;
        },
        to: (c) => (c.traffic.canaryWeight = 100),
    },
};

/** Stacks the invariant is checked on: the root prod stack, and it with every workload kind. */
export const STACKS: Record<string, ConfigEdit> = {
    prod: () => undefined,
    "prod + web, tcp, worker, cron": ALL_KINDS,
};

/** Router kinds an example is planned with: each replaces the example's own router. */
export const EXAMPLE_ROUTERS: Record<string, ConfigEdit> = {
    ...ROUTER_VARIANTS,
    "gateway-api": (c) => (c.router = { kind: "gateway-api", tls: { secretName: "example-tls" } }),
};
/**
 * Shift, promotion and rollback on an example, from its first canary step: prod refuses a weight
 * off `traffic.steps`, so the steps come from the example's own.
 */
export function exampleSteps(first: number, second: number): Record<string, Step> {
    const at = (w: number) => (c: Record<string, any>) => (c.traffic.canaryWeight = w);
    return {
        [`shift ${first} → ${second}`]: { from: at(first), to: at(second) },
        [`promotion (green at ${first} → green stable)`]: {
            from: at(first),
            to: (c) => {
                c.traffic.stable = "green";
                c.traffic.canaryWeight = 0;
            },
        },
        [`rollback (${first} → 0)`]: { from: at(first), to: at(0) },
    };
}

export async function checkStep(
    stack: string,
    shape: ConfigEdit,
    kind: string,
    variant: ConfigEdit,
    step: Step,
) {
    const before = await planStack(stack, (c) => {
        shape(c);
        variant(c);
        step.from(c);
    });
    // One `pulumi up` from `before`: the program orders it against that state.
    const after = await planAfter(
        stack,
        (c) => {
            shape(c);
            variant(c);
            step.from(c);
            step.to(c);
        },
        before,
    );
    assertMinimal(
        diffPlans(before, after),
        step.routing?.(kind) ?? true,
        loadBalancers(before),
        edgeKeys(before),
    );
}

/**
 * Registers the invariant for one router kind: every step on both prod shapes, and the first
 * steps of every example. One file per kind lets mocha's parallel workers share the work.
 */
export function describeTrafficSteps(kind: string): void {
    describe("a traffic change is minimal", () => {
        const variant = ROUTER_VARIANTS[kind];
        for (const [stack, shape] of Object.entries(STACKS)) {
            describe(`${stack} (${kind})`, () => {
                for (const [name, step] of Object.entries(STEPS)) {
                    it(name, () => checkStep("prod", shape, kind, variant, step));
                }
            });
        }

        const exampleVariant = EXAMPLE_ROUTERS[kind];
        for (const file of EXAMPLE_STACKS) {
            describe(`${file} (${kind})`, () => {
                const steps = (loadStackInput(file).config["release:traffic"] as any).steps;
                const weights = steps.map((s: { weight: number }) => s.weight);
                for (const [name, step] of Object.entries(exampleSteps(weights[0], weights[1]))) {
                    it(name, () => checkStep(file, () => undefined, kind, exampleVariant, step));
                }
            });
        }
    });
}
