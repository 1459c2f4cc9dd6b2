// The route decoder's preview routes (the plan summary's header lines), read back from what the
// routing builders write for each router kind.
import { strict as assert } from "assert";
import { routerSchema, type Color } from "../config/app";
import { trafficSplit } from "../decisions/capacity";
import { routeObjects, type RouteInputs, type RouteObject } from "../decisions/routing";
import { previewRoutes, ROUTE_TYPES } from "../policies/routes";

function objects(kind: string, hasPods: Record<Color, boolean> = { blue: true, green: true }) {
    const inputs: RouteInputs = {
        appName: "shop",
        namespace: "shop-prod",
        host: "api.example.com",
        split: trafficSplit("blue", 10),
        backends: (["blue", "green"] as const).map((color) => ({
            color,
            serviceName: `shop-${color}`,
            hasPods: hasPods[color],
        })),
        previewHeader: "X-Preview-Color",
        router: routerSchema.parse({
            kind,
            tls: {
                secretName: "tls",
                certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/x",
            },
        }),
        preStopSleepSeconds: 20,
        readinessPath: "/ready",
    };
    return routeObjects(inputs).map((o: RouteObject) => ({
        type:
            o.kind === "HTTPRoute"
                ? ROUTE_TYPES.httpRoute
                : o.kind === "Ingress"
                  ? ROUTE_TYPES.ingress
                  : `kubernetes:${o.apiVersion}:${o.kind}`,
        props: o as unknown as Record<string, unknown>,
    }));
}
const summary = (kind: string, hasPods?: Record<Color, boolean>) =>
    previewRoutes(objects(kind, hasPods)).map((p) => [p.header, p.values, p.services]);

describe("preview routes, read back per router kind", () => {
    it("Gateway API: one header rule per colour with pods", () => {
        assert.deepEqual(summary("gateway-api"), [
            ["X-Preview-Color", ["blue"], ["shop-blue"]],
            ["X-Preview-Color", ["green"], ["shop-green"]],
        ]);
        assert.deepEqual(summary("gateway-api", { blue: true, green: false }), [
            ["X-Preview-Color", ["blue"], ["shop-blue"]],
        ]);
    });

    it("ALB: one http-header condition per colour, forwarding to that colour's Service", () => {
        assert.deepEqual(summary("alb"), [
            ["X-Preview-Color", ["blue"], ["shop-blue"]],
            ["X-Preview-Color", ["green"], ["shop-green"]],
        ]);
    });

    it("nginx: the canary Ingress answers the header with the canary colour", () => {
        assert.deepEqual(summary("nginx"), [["X-Preview-Color", ["green"], ["shop-green"]]]);
    });

    it("an nginx canary without a header value answers any value; objects without previews add none", () => {
        const canary = {
            type: ROUTE_TYPES.ingress,
            props: {
                metadata: {
                    annotations: {
                        "nginx.ingress.kubernetes.io/canary": "true",
                        "nginx.ingress.kubernetes.io/canary-by-header": "X-Canary",
                    },
                },
                spec: {
                    rules: [
                        {
                            host: "h",
                            http: { paths: [{ path: "/", backend: { service: { name: "svc" } } }] },
                        },
                    ],
                },
            },
        };
        assert.deepEqual(
            previewRoutes([canary]).map((p) => [p.header, p.values, p.services]),
            [["X-Canary", ["always"], ["svc"]]],
        );
        const notCanary = {
            ...canary,
            props: {
                ...canary.props,
                metadata: { annotations: { "nginx.ingress.kubernetes.io/canary-by-header": "X" } },
            },
        };
        assert.deepEqual(previewRoutes([notCanary]), []);
        assert.deepEqual(previewRoutes([{ type: "kubernetes:core/v1:Service", props: {} }]), []);
    });
});
