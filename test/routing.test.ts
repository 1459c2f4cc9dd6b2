import * as assert from "assert";
import type { Plan, PlannedResource } from "../scripts/lib/plan";
import { byType, planStack, type ConfigEdit } from "./helpers";
import { ROUTER_VARIANTS } from "./routerVariants";

const HTTPROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

const svcColor = (service: string) => service.replace(/^nova-api-/, "");
const ann = (r: PlannedResource) =>
    (r.inputs as any).metadata.annotations as Record<string, string>;

/** Reads the effective split back out of the routing objects, independently of the program. */
function routedWeights(plan: Plan, kind: string): Record<string, number> {
    const weights: Record<string, number> = {};
    if (kind === "gateway-api") {
        const [route] = byType(plan, HTTPROUTE);
        const rules = (route.inputs as any).spec.rules as any[];
        const main = rules.filter((r) => !r.matches[0].headers);
        assert.strictEqual(main.length, 1, "one default rule");
        for (const ref of main[0].backendRefs) weights[svcColor(ref.name)] = ref.weight;
    } else if (kind === "alb") {
        const [ing] = byType(plan, INGRESS);
        const action = JSON.parse(ann(ing)["alb.ingress.kubernetes.io/actions.weighted-routing"]);
        assert.strictEqual(action.type, "forward");
        for (const g of action.forwardConfig.targetGroups)
            weights[svcColor(g.serviceName)] = g.weight;
    } else {
        const ings = byType(plan, INGRESS);
        const backend = (r: PlannedResource) =>
            svcColor((r.inputs as any).spec.rules[0].http.paths[0].backend.service.name);
        const canary = ings.find((r) => ann(r)["nginx.ingress.kubernetes.io/canary"] === "true");
        const primary = ings.find((r) => r !== canary)!;
        const w = canary ? Number(ann(canary)["nginx.ingress.kubernetes.io/canary-weight"]) : 0;
        weights[backend(primary)] = 100 - w;
        if (canary) weights[backend(canary)] = w;
    }
    return weights;
}

describe("traffic router", () => {
    for (const [kind, variant] of Object.entries(ROUTER_VARIANTS)) {
        describe(kind, () => {
            const plan = (edit?: ConfigEdit) =>
                planStack("prod", (c) => {
                    variant(c);
                    edit?.(c);
                });

            for (const w of [0, 5, 25, 50, 100]) {
                it(`routes ${100 - w} % to stable blue and ${w} % to green at weight ${w}`, async () => {
                    const p = await plan((c) => (c.traffic.canaryWeight = w));
                    assert.deepStrictEqual(routedWeights(p, kind), { blue: 100 - w, green: w });
                });
            }

            it("follows a promotion: green becomes stable and takes everything", async () => {
                const p = await plan((c) => {
                    c.traffic.stable = "green";
                    c.traffic.canaryWeight = 0;
                });
                assert.deepStrictEqual(routedWeights(p, kind), { green: 100, blue: 0 });
            });

            it("routes the preview header to the idle colour", async () => {
                const p = await plan((c) => (c.traffic.canaryWeight = 0));
                if (kind === "gateway-api") {
                    const rules = (byType(p, HTTPROUTE)[0].inputs as any).spec.rules as any[];
                    const preview = rules.find((r) => r.matches[0].headers?.[0]?.value === "green");
                    assert.deepStrictEqual(preview.matches[0].headers[0], {
                        type: "Exact",
                        name: "X-Preview-Color",
                        value: "green",
                    });
                    assert.deepStrictEqual(
                        preview.backendRefs.map((b: any) => b.name),
                        ["nova-api-green"],
                    );
                    // Header rules must precede the catch-all so they win.
                    assert.ok(
                        rules.indexOf(preview) < rules.findIndex((r) => !r.matches[0].headers),
                    );
                } else if (kind === "alb") {
                    const ing = byType(p, INGRESS)[0];
                    const cond = JSON.parse(
                        ann(ing)["alb.ingress.kubernetes.io/conditions.preview-green"],
                    );
                    assert.deepStrictEqual(cond[0].httpHeaderConfig, {
                        httpHeaderName: "X-Preview-Color",
                        values: ["green"],
                    });
                    const action = JSON.parse(
                        ann(ing)["alb.ingress.kubernetes.io/actions.preview-green"],
                    );
                    assert.deepStrictEqual(
                        action.forwardConfig.targetGroups.map((g: any) => g.serviceName),
                        ["nova-api-green"],
                    );
                    const paths = (ing.inputs as any).spec.rules[0].http.paths as any[];
                    const names = paths.map((x) => x.backend.service.name);
                    assert.ok(names.indexOf("preview-green") < names.indexOf("weighted-routing"));
                } else {
                    const canary = byType(p, INGRESS).find(
                        (r) => ann(r)["nginx.ingress.kubernetes.io/canary"] === "true",
                    )!;
                    assert.strictEqual(
                        ann(canary)["nginx.ingress.kubernetes.io/canary-by-header"],
                        "X-Preview-Color",
                    );
                    assert.strictEqual(
                        ann(canary)["nginx.ingress.kubernetes.io/canary-by-header-value"],
                        "green",
                    );
                    assert.strictEqual(
                        ann(canary)["nginx.ingress.kubernetes.io/canary-weight"],
                        "0",
                    );
                }
            });

            it("terminates TLS for the public host", async () => {
                const p = await plan();
                if (kind === "gateway-api") {
                    const gw = (byType(p, GATEWAY)[0].inputs as any).spec;
                    assert.strictEqual(gw.listeners[0].protocol, "HTTPS");
                    assert.strictEqual(gw.listeners[0].tls.certificateRefs[0].name, "api-nova-tls");
                    const route = (byType(p, HTTPROUTE)[0].inputs as any).spec;
                    assert.strictEqual(route.parentRefs[0].sectionName, gw.listeners[0].name);
                } else if (kind === "alb") {
                    const a = ann(byType(p, INGRESS)[0]);
                    assert.deepStrictEqual(
                        JSON.parse(a["alb.ingress.kubernetes.io/listen-ports"]),
                        [{ HTTPS: 443 }],
                    );
                    assert.match(a["alb.ingress.kubernetes.io/certificate-arn"], /^arn:aws:acm:/);
                } else {
                    for (const ing of byType(p, INGRESS)) {
                        const tls = (ing.inputs as any).spec.tls[0];
                        assert.deepStrictEqual(tls, {
                            hosts: ["api.nova.example.com"],
                            secretName: "api-nova-tls",
                        });
                    }
                }
            });

            it("moves traffic only after both colours' Deployments are ready", async () => {
                const p = await plan();
                const routing = p.resources.filter(
                    (r) => r.type === HTTPROUTE || r.type === INGRESS,
                );
                assert.ok(routing.length > 0);
                // The colours' Deployments (the data tier's exporters are Deployments too).
                const deployments = byType(p, DEPLOYMENT)
                    .filter((d) => (d.inputs as any).metadata.labels?.color)
                    .map((d) => `${d.type}::${d.name}`);
                assert.strictEqual(deployments.length, 2);
                for (const r of routing) {
                    for (const d of deployments)
                        assert.ok(r.options.dependsOn.includes(d), `${r.name} ↛ ${d}`);
                }
            });
        });
    }

    it("drains the ALB target for as long as the preStop sleep", async () => {
        const p = await planStack("prod", ROUTER_VARIANTS.alb);
        const attrs = ann(byType(p, INGRESS)[0])[
            "alb.ingress.kubernetes.io/target-group-attributes"
        ];
        const sleep = (byType(p, DEPLOYMENT)[0].inputs as any).spec.template.spec.containers[0]
            .lifecycle.preStop.sleep.seconds;
        assert.strictEqual(attrs, `deregistration_delay.timeout_seconds=${sleep}`);
    });

    it("sends nothing to a colour that has no image", async () => {
        const p = await planStack("prod", (c) => {
            delete c.colors.green;
            c.traffic.canaryWeight = 0;
        });
        const route = (byType(p, HTTPROUTE)[0].inputs as any).spec;
        const refs = route.rules.flatMap((r: any) => r.backendRefs.map((b: any) => b.name));
        assert.ok(!refs.includes("nova-api-green"));
        assert.ok(refs.includes("nova-api-blue"));
    });
});
