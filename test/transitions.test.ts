// A full release, step by step, for every stack and router kind: each `pulumi up` is walked in every
// order its dependency graph allows, and at every point each colour must have the replicas for the
// share of traffic its route sends it at that point.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { COLORS, parseStackConfig, resolveWorkloads } from "../config";
import { loadStackInput } from "../scripts/lib/stackFile";
import type { Plan } from "../scripts/lib/plan";
import { planAfter, planStack, type ConfigEdit } from "./helpers";
import { ROUTER_VARIANTS } from "./routerVariants";
import { describeShortfall, walkTransition } from "./transitions";
import { ALL_KINDS } from "./workloadFixtures";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";

const ROOT = path.resolve(__dirname, "..");

/** The root stacks plus every example stack file. */
function stackFiles(): string[] {
    const examples = path.join(ROOT, "examples");
    const found = fs.existsSync(examples)
        ? fs
              .readdirSync(examples, { recursive: true, encoding: "utf8" })
              .filter((f) => /(^|\/)Pulumi\.[\w-]+\.ya?ml$/.test(f))
              .map((f) => path.join(examples, f))
        : [];
    return ["staging", "prod", ...found.sort()];
}

interface Release {
    config: Record<string, any>;
    steps: number[];
}

function releaseOf(stack: string, extra?: ConfigEdit): Release {
    const input = loadStackInput(stack);
    const config: Record<string, any> = Object.fromEntries(
        Object.entries(input.config)
            .filter(([k]) => k.startsWith(`${input.project}:`))
            .map(([k, v]) => [k.slice(input.project.length + 1), structuredClone(v)]),
    );
    extra?.(config);
    const declared = (config.traffic?.steps as { weight: number }[] | undefined)?.map(
        (s) => s.weight,
    );
    return { config, steps: declared ?? [5, 25, 50, 100] };
}

/** Replicas each workload colour's Deployment (`namespace/name`) needs at 100 %: its baseline. */
function baselines(stack: string, edit: ConfigEdit): (deployment: string) => number {
    const input = loadStackInput(stack);
    const prefix = `${input.project}:`;
    const raw: Record<string, any> = Object.fromEntries(
        Object.entries(input.config)
            .filter(([k]) => k.startsWith(prefix))
            .map(([k, v]) => [k.slice(prefix.length), structuredClone(v)]),
    );
    edit(raw);
    const cfg = parseStackConfig(raw);
    const byDeployment = new Map(
        resolveWorkloads(cfg).flatMap((w) =>
            COLORS.map((c) => [
                `${cfg.app.namespace}/${w.name}-${c}`,
                w.autoscaling.baselineReplicas,
            ]),
        ),
    );
    return (deployment) => {
        const b = byDeployment.get(deployment);
        if (b === undefined) throw new Error(`${deployment} is no workload colour of ${stack}`);
        return b;
    };
}

interface Transition {
    name: string;
    from: string;
    edit: ConfigEdit;
}

/** Blue serving everything, then each step to green, promotion, and rollbacks. */
function transitions(steps: number[]): Transition[] {
    const out: Transition[] = [];
    let from = "blue at 100";
    for (const w of steps) {
        const name = `shift to green ${w}`;
        out.push({ name, from, edit: (c) => (c.traffic.canaryWeight = w) });
        from = name;
    }
    const promote = "promote green";
    out.push({
        name: promote,
        from,
        edit: (c) => Object.assign(c.traffic, { stable: "green", canaryWeight: 0 }),
    });
    out.push({
        name: "rollback after promotion (blue takes 100 back)",
        from: promote,
        edit: (c) => Object.assign(c.traffic, { stable: "green", canaryWeight: 100 }),
    });
    out.push({
        name: "rollback after promotion (blue stable again)",
        from: promote,
        edit: (c) => Object.assign(c.traffic, { stable: "blue", canaryWeight: 0 }),
    });
    out.push({
        name: "idle blue scaled to zero after promotion",
        from: promote,
        edit: (c) =>
            Object.assign(c.traffic, { stable: "green", canaryWeight: 0, idleReplicas: 0 }),
    });
    // Both colours reverse direction at once: green was growing, now it empties.
    const mid = steps.find((w) => w >= 25 && w < 100) ?? steps[0];
    out.push({
        name: `rollback from green ${mid} to 0`,
        from: `shift to green ${mid}`,
        edit: (c) => (c.traffic.canaryWeight = 0),
    });
    return out;
}

/** Every stack file, plus prod grown to every workload kind (web, tcp, worker, cron). */
const STACKS: { stack: string; label: string; extra?: ConfigEdit }[] = [
    ...stackFiles().map((stack) => ({ stack, label: path.relative(ROOT, stack) || stack })),
    { stack: "prod", label: "prod + web, tcp, worker, cron", extra: ALL_KINDS },
];

for (const { stack, label, extra } of STACKS) {
    const release = releaseOf(stack, extra);
    // Router kinds matter only to web workloads; a stack without any keeps its own.
    const web = resolveWorkloads(parseStackConfig(release.config)).some((w) => w.kind === "web");
    const kinds = web ? Object.entries(ROUTER_VARIANTS) : [["its own router", () => undefined]];
    // The grown stack shows the other kinds; one router kind is enough for it.
    for (const [kind, variant] of (extra ? kinds.slice(0, 1) : kinds) as [string, ConfigEdit][]) {
        describe(`release transitions: ${label}, ${kind}`, () => {
            const plans = new Map<string, Plan>();
            const list = transitions(release.steps);
            const base: ConfigEdit = (c) => {
                extra?.(c);
                variant(c);
                Object.assign(c.traffic, { stable: "blue", canaryWeight: 0 });
            };
            let baseline: (deployment: string) => number;
            before(async () => {
                baseline = baselines(stack, base);
                // The first deployment: no previous outputs.
                plans.set("blue at 100", await planAfter(stack, base, undefined));
                for (const t of list) {
                    const prev = plans.get(t.from)!;
                    const edit: ConfigEdit = (c) => {
                        base(c);
                        t.edit(c); // Each state is set whole, not relative to the one before.
                    };
                    plans.set(t.name, await planAfter(stack, edit, prev));
                }
            });

            for (const t of list) {
                it(t.name, () => {
                    const prev = plans.get(t.from)!;
                    const next = plans.get(t.name)!;
                    const shortfalls = walkTransition(prev, next, baseline);
                    assert.deepStrictEqual(shortfalls.map(describeShortfall), []);
                });
            }
        });
    }
}

describe("the order of one update (prod, gateway-api)", () => {
    let committed: Plan;
    let shifted: Plan;
    const key = (type: string, name: string) => `${type}::${name}`;
    const deps = (plan: Plan, type: string, name: string) =>
        plan.resources.find((r) => r.type === type && r.name === name)!.options.dependsOn;
    const spec = (plan: Plan, type: string, name: string) =>
        (plan.resources.find((r) => r.type === type && r.name === name)!.inputs as any).spec;
    before(async () => {
        committed = await planStack("prod"); // blue 75 %, green 25 %, as deployed first
        // blue's HPA has scaled it to 8 for a peak since that update.
        shifted = await planAfter("prod", (c) => (c.traffic.canaryWeight = 50), committed, {
            "nova-prod/nova-api-blue": 8,
        });
    });

    it("reads its own outputs, and on a first deployment nothing live", () => {
        assert.deepStrictEqual(committed.reads, [
            "pulumi:pulumi:StackReference::nova-api-previous-outputs",
        ]);
        assert.deepStrictEqual(shifted.reads, [
            "kubernetes:apps/v1:Deployment::nova-api-previous-api-blue-live",
            "kubernetes:apps/v1:Deployment::nova-api-previous-api-green-live",
            "pulumi:pulumi:StackReference::nova-api-previous-outputs",
        ]);
    });

    it("first deployment: routing waits for both colours' Deployment and HPA, as before", () => {
        const route = deps(committed, ROUTE, "nova-api-router-route");
        for (const c of ["blue", "green"]) {
            assert.ok(route.includes(key(DEPLOYMENT, `nova-api-${c}-deployment`)), c);
            assert.ok(route.includes(key(HPA, `nova-api-${c}-hpa`)), c);
            assert.ok(
                !deps(committed, DEPLOYMENT, `nova-api-${c}-deployment`).includes(
                    key(ROUTE, "nova-api-router-route"),
                ),
            );
        }
    });

    it("shift 25 → 50: green scales first; blue changes after routing and keeps its 8 pods", () => {
        const route = deps(shifted, ROUTE, "nova-api-router-route");
        const routeKey = key(ROUTE, "nova-api-router-route");
        assert.ok(route.includes(key(DEPLOYMENT, "nova-api-green-deployment")));
        assert.ok(route.includes(key(HPA, "nova-api-green-hpa")));
        assert.ok(!route.some((d) => d.includes("nova-api-blue")), `route waits for ${route}`);
        assert.ok(deps(shifted, DEPLOYMENT, "nova-api-blue-deployment").includes(routeKey));
        assert.ok(deps(shifted, HPA, "nova-api-blue-hpa").includes(routeKey));
        assert.strictEqual(spec(shifted, DEPLOYMENT, "nova-api-blue-deployment").replicas, 8);
        assert.strictEqual(spec(shifted, HPA, "nova-api-blue-hpa").minReplicas, 3);
        // green was not scaled by an HPA: it goes to its new floor.
        assert.strictEqual(spec(shifted, DEPLOYMENT, "nova-api-green-deployment").replicas, 3);
        assert.deepStrictEqual(
            walkTransition(committed, shifted, () => 6).map(describeShortfall),
            [],
        );
    });

    it("with readLiveReplicas false reads no Deployment and keeps what was applied", async () => {
        const blind = await planAfter(
            "prod",
            (c) => Object.assign(c.traffic, { canaryWeight: 50, readLiveReplicas: false }),
            committed,
            { "nova-prod/nova-api-blue": 8 },
        );
        assert.deepStrictEqual(blind.reads, [
            "pulumi:pulumi:StackReference::nova-api-previous-outputs",
        ]);
        assert.strictEqual(spec(blind, DEPLOYMENT, "nova-api-blue-deployment").replicas, 5);
        assert.ok(
            deps(blind, HPA, "nova-api-blue-hpa").includes(key(ROUTE, "nova-api-router-route")),
        );
    });

    it("the walk fails the order used before the program read its previous state", async () => {
        // Planned with no previous state, the shift orders as the program used to: both colours
        // before routing, blue cut to its new floor while it still serves 75 %.
        const unordered = await planStack("prod", (c) => (c.traffic.canaryWeight = 50));
        const found = walkTransition(committed, unordered, () => 6).map(describeShortfall);
        assert.ok(
            found.some((f) => f.startsWith("nova-prod/nova-api-blue serves 75 % with 3 replicas")),
            found.join("\n"),
        );
    });
});
