// The one route decoder (policies/routes.ts), which the pack and the plan summary share: the
// routing objects each router kind builds decode back into the split and the preview routes that
// built them.
import { strict as assert } from "assert";
import { routerSchema, type Color } from "../config/app";
import { trafficSplit } from "../decisions/capacity";
import { routeObjects, type RouteBackend, type RouteObject } from "../decisions/routing";
import { previewRoutes, routedBackends, ROUTE_TYPES } from "../policies/routes";

const ROUTERS: Record<string, Record<string, unknown>> = {
    "gateway-api": { tls: { secretName: "shop-tls" } },
    alb: {
        kind: "alb",
        tls: { certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d" },
    },
    nginx: { kind: "nginx", tls: { secretName: "shop-tls" } },
};

const backend = (color: Color, hasPods = true): RouteBackend => ({
    color,
    serviceName: `shop-${color}`,
    hasPods,
});

/** The routing objects a router builds, as the pack sees them: type token plus props. */
function built(
    router: Record<string, unknown>,
    stable: Color,
    weight: number,
    backends = [backend("blue"), backend("green")],
) {
    const objects = routeObjects({
        appName: "shop",
        namespace: "shop-prod",
        host: "shop.example.com",
        split: trafficSplit(stable, weight),
        backends,
        previewHeader: "X-Preview-Color",
        router: routerSchema.parse(router),
        preStopSleepSeconds: 20,
        readinessPath: "/ready",
    });
    return objects.map((o: RouteObject) => ({
        type: `kubernetes:${o.apiVersion}:${o.kind}`,
        props: o as unknown as Record<string, unknown>,
    }));
}

/** Live weight per Service, summed over every routing object. */
function weights(resources: ReturnType<typeof built>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const b of routedBackends(resources)) out[b.service] = (out[b.service] ?? 0) + b.weight;
    return out;
}

describe("route decoder (shared by the policy pack and the plan summary)", () => {
    for (const [kind, router] of Object.entries(ROUTERS)) {
        describe(kind, () => {
            for (const [stable, w] of [
                ["blue", 0],
                ["blue", 25],
                ["green", 60],
                ["green", 100],
            ] as const) {
                it(`decodes stable ${stable} at canary weight ${w}`, () => {
                    const canary = stable === "blue" ? "green" : "blue";
                    const got = weights(built(router, stable, w));
                    // nginx has no canary Ingress backend for a colour that is not deployed, but
                    // both are deployed here, so every router names both Services.
                    assert.deepEqual(got, {
                        [`shop-${stable}`]: 100 - w,
                        [`shop-${canary}`]: w,
                    });
                });
            }

            it("keeps the preview routes out of the weights and lists them separately", () => {
                const resources = built(router, "blue", 10);
                const previews = previewRoutes(resources);
                assert.ok(previews.length > 0, "a preview route");
                for (const p of previews) {
                    assert.equal(p.header, "X-Preview-Color");
                    assert.deepEqual(
                        p.services,
                        p.values.map((v) => `shop-${v}`),
                    );
                }
                // The canary colour is always reachable by header.
                assert.ok(previews.some((p) => p.values.includes("green")));
                const total = routedBackends(resources).reduce((s, b) => s + b.weight, 0);
                assert.equal(total, 100);
            });
        });
    }

    it("gives a preview route only to colours with pods (gateway-api and ALB)", () => {
        for (const kind of ["gateway-api", "alb"]) {
            const resources = built(ROUTERS[kind], "blue", 0, [
                backend("blue"),
                backend("green", false),
            ]);
            assert.deepEqual(
                previewRoutes(resources).flatMap((p) => p.values),
                ["blue"],
                kind,
            );
        }
    });

    it("reads the ALB action from the path, whatever it is called", () => {
        const action = (groups: object[]) =>
            JSON.stringify({ type: "forward", forwardConfig: { targetGroups: groups } });
        const ingress = {
            type: ROUTE_TYPES.ingress,
            props: {
                metadata: {
                    annotations: {
                        "alb.ingress.kubernetes.io/actions.split-it": action([
                            { serviceName: "a", weight: 70 },
                            { serviceName: "b", weight: 30 },
                        ]),
                        "alb.ingress.kubernetes.io/actions.weighted-routing": action([
                            { serviceName: "unused", weight: 100 },
                        ]),
                    },
                },
                spec: {
                    rules: [
                        {
                            host: "h",
                            http: {
                                paths: [
                                    {
                                        backend: {
                                            service: {
                                                name: "split-it",
                                                port: { name: "use-annotation" },
                                            },
                                        },
                                    },
                                ],
                            },
                        },
                    ],
                },
            },
        };
        assert.deepEqual(
            routedBackends([ingress]).map((b) => [b.service, b.weight, b.group]),
            [
                ["a", 70, "action split-it"],
                ["b", 30, "action split-it"],
            ],
        );
        assert.deepEqual(previewRoutes([ingress]), []);
    });

    it("ignores what is not a routing object", () => {
        const svc = { type: "kubernetes:core/v1:Service", props: { spec: { selector: {} } } };
        assert.deepEqual(routedBackends([svc]), []);
        assert.deepEqual(previewRoutes([svc]), []);
    });
});
