// The routing builders field by field, without a plan: names, namespaces, hosts, TLS, classes,
// weights and preview routes for each router kind, written out as the manifests the controllers
// must receive.
import { strict as assert } from "assert";
import { routerSchema, type Color } from "../config/app";
import { trafficSplit } from "../decisions/capacity";
import {
    albObjects,
    gatewayApiObjects,
    nginxObjects,
    routeObjects,
    type RouteBackend,
    type RouteInputs,
    type RouteObject,
} from "../decisions/routing";

const HOST = "api.example.com";
const CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d";

const backend = (color: Color, hasPods = true): RouteBackend => ({
    color,
    serviceName: `shop-${color}`,
    hasPods,
});

function inputs(
    router: Record<string, unknown> = {},
    opts: { stable?: Color; weight?: number; backends?: RouteBackend[] } = {},
): RouteInputs {
    return {
        appName: "shop",
        namespace: "shop-prod",
        host: HOST,
        split: trafficSplit(opts.stable ?? "blue", opts.weight ?? 10),
        backends: opts.backends ?? [backend("blue"), backend("green")],
        previewHeader: "X-Preview-Color",
        router: routerSchema.parse(router),
        preStopSleepSeconds: 20,
        readinessPath: "/health/ready",
    };
}

const byRole = (objects: RouteObject[], role: string) => {
    const o = objects.find((x) => x.role === role);
    assert.ok(o, `no ${role} in ${objects.map((x) => x.role).join(", ")}`);
    return o;
};
const ann = (o: RouteObject) => o.metadata.annotations ?? {};
const json = (o: RouteObject, key: string) => JSON.parse(ann(o)[key]);

describe("routing builders: Gateway API", () => {
    const tls = { tls: { secretName: "shop-tls" } };

    it("creates a Gateway that terminates TLS for the host with the configured certificate", () => {
        const objects = gatewayApiObjects(inputs({ ...tls, gateway: { className: "eg" } }));
        assert.deepEqual(
            objects.map((o) => o.role),
            ["gateway", "route"],
        );
        const gw = byRole(objects, "gateway");
        assert.deepEqual(
            { apiVersion: gw.apiVersion, kind: gw.kind, metadata: gw.metadata },
            {
                apiVersion: "gateway.networking.k8s.io/v1",
                kind: "Gateway",
                metadata: { name: "shop", namespace: "shop-prod" },
            },
        );
        assert.deepEqual(gw.spec, {
            gatewayClassName: "eg",
            listeners: [
                {
                    name: "https",
                    protocol: "HTTPS",
                    port: 443,
                    hostname: HOST,
                    tls: {
                        mode: "Terminate",
                        certificateRefs: [{ kind: "Secret", name: "shop-tls" }],
                    },
                    allowedRoutes: { namespaces: { from: "Same" } },
                },
            ],
        });
    });

    it("attaches the HTTPRoute to the Gateway's listener, for the host only", () => {
        const route = byRole(gatewayApiObjects(inputs(tls)), "route");
        assert.deepEqual(
            { apiVersion: route.apiVersion, kind: route.kind, metadata: route.metadata },
            {
                apiVersion: "gateway.networking.k8s.io/v1",
                kind: "HTTPRoute",
                metadata: { name: "shop", namespace: "shop-prod" },
            },
        );
        assert.deepEqual(route.spec.parentRefs, [
            {
                group: "gateway.networking.k8s.io",
                kind: "Gateway",
                name: "shop",
                namespace: "shop-prod",
                sectionName: "https",
            },
        ]);
        // Without hostnames the route would take every host on a shared Gateway.
        assert.deepEqual(route.spec.hostnames, [HOST]);
    });

    it("names the Gateway and listener from config", () => {
        const objects = gatewayApiObjects(
            inputs({
                ...tls,
                gateway: { name: "edge", namespace: "gateways", listener: "shop-https" },
            }),
        );
        const gw = byRole(objects, "gateway");
        assert.deepEqual(gw.metadata, { name: "edge", namespace: "gateways" });
        assert.equal((gw.spec.listeners as any[])[0].name, "shop-https");
        const route = byRole(objects, "route");
        assert.deepEqual(route.metadata, { name: "shop", namespace: "shop-prod" });
        assert.deepEqual((route.spec.parentRefs as any[])[0], {
            group: "gateway.networking.k8s.io",
            kind: "Gateway",
            name: "edge",
            namespace: "gateways",
            sectionName: "shop-https",
        });
    });

    it("creates no Gateway when an existing one is configured, and attaches to it", () => {
        const objects = gatewayApiObjects(
            inputs({ gateway: { create: false, name: "shared", namespace: "infra" } }),
        );
        assert.deepEqual(
            objects.map((o) => o.kind),
            ["HTTPRoute"],
        );
        const ref = (objects[0].spec.parentRefs as any[])[0];
        assert.equal(ref.name, "shared");
        assert.equal(ref.namespace, "infra");
    });

    it("splits the default rule by weight, both colours listed, after the preview rules", () => {
        for (const [stable, weight, expected] of [
            ["blue", 10, { blue: 90, green: 10 }],
            ["blue", 0, { blue: 100, green: 0 }],
            ["green", 100, { green: 0, blue: 100 }],
        ] as const) {
            const route = byRole(gatewayApiObjects(inputs(tls, { stable, weight })), "route");
            const rules = route.spec.rules as any[];
            const last = rules[rules.length - 1];
            assert.deepEqual(last, {
                matches: [{ path: { type: "PathPrefix", value: "/" } }],
                backendRefs: [
                    { name: "shop-blue", port: 80, weight: expected.blue },
                    { name: "shop-green", port: 80, weight: expected.green },
                ],
            });
        }
    });

    it("routes the preview header to each colour that has pods, and never to one without", () => {
        const rules = (b: RouteBackend[]) =>
            byRole(gatewayApiObjects(inputs(tls, { backends: b })), "route").spec.rules as any[];
        const preview = (color: string) => ({
            matches: [
                {
                    path: { type: "PathPrefix", value: "/" },
                    headers: [{ type: "Exact", name: "X-Preview-Color", value: color }],
                },
            ],
            backendRefs: [{ name: `shop-${color}`, port: 80, weight: 1 }],
        });
        const both = rules([backend("blue"), backend("green")]);
        assert.deepEqual(both.slice(0, 2), [preview("blue"), preview("green")]);
        assert.equal(both.length, 3);
        const greenIdle = rules([backend("blue"), backend("green", false)]);
        assert.deepEqual(greenIdle.slice(0, 1), [preview("blue")]);
        assert.equal(greenIdle.length, 2);
    });

    it("is what routeObjects builds for the gateway-api kind", () => {
        const i = inputs({ kind: "gateway-api", ...tls });
        assert.deepEqual(routeObjects(i), gatewayApiObjects(i));
    });
});

describe("routing builders: ALB", () => {
    const alb = (extra: Record<string, unknown> = {}, opts = {}) =>
        albObjects(inputs({ kind: "alb", tls: { certificateArn: CERT }, ...extra }, opts));

    it("listens on HTTPS only, with the certificate and TLS policy, for the host", () => {
        const [ing] = alb({ tls: { certificateArn: CERT, sslPolicy: "ELBSecurityPolicy-FS-1-2" } });
        assert.equal(ing.role, "ingress");
        assert.equal(ing.apiVersion, "networking.k8s.io/v1");
        assert.equal(ing.kind, "Ingress");
        assert.equal(ing.metadata.name, "shop");
        assert.equal(ing.metadata.namespace, "shop-prod");
        const a = ann(ing);
        assert.equal(a["alb.ingress.kubernetes.io/listen-ports"], '[{"HTTPS":443}]');
        assert.equal(a["alb.ingress.kubernetes.io/certificate-arn"], CERT);
        assert.equal(a["alb.ingress.kubernetes.io/ssl-policy"], "ELBSecurityPolicy-FS-1-2");
        assert.equal(ing.spec.ingressClassName, "alb");
        assert.deepEqual(ing.spec.tls, [{ hosts: [HOST] }]);
        assert.equal((ing.spec.rules as any[])[0].host, HOST);
        assert.equal((ing.spec.rules as any[]).length, 1);
    });

    it("uses the default TLS policy and leaves the certificate empty when none is set", () => {
        const [ing] = albObjects(inputs({ kind: "alb" }));
        assert.equal(ann(ing)["alb.ingress.kubernetes.io/certificate-arn"], "");
        assert.equal(
            ann(ing)["alb.ingress.kubernetes.io/ssl-policy"],
            "ELBSecurityPolicy-TLS13-1-2-2021-06",
        );
    });

    it("targets pod IPs, health-checks readiness and drains for the preStop sleep", () => {
        const a = ann(alb()[0]);
        assert.equal(a["alb.ingress.kubernetes.io/scheme"], "internet-facing");
        assert.equal(a["alb.ingress.kubernetes.io/target-type"], "ip");
        assert.equal(a["alb.ingress.kubernetes.io/healthcheck-path"], "/health/ready");
        assert.equal(
            a["alb.ingress.kubernetes.io/target-group-attributes"],
            "deregistration_delay.timeout_seconds=20",
        );
        const internal = ann(alb({ alb: { scheme: "internal" } })[0]);
        assert.equal(internal["alb.ingress.kubernetes.io/scheme"], "internal");
    });

    it("joins an ALB group only when one is configured", () => {
        assert.ok(!("alb.ingress.kubernetes.io/group.name" in ann(alb()[0])));
        const grouped = ann(alb({ alb: { groupName: "shared-edge" } })[0]);
        assert.equal(grouped["alb.ingress.kubernetes.io/group.name"], "shared-edge");
    });

    it("forwards by weight to both colours with stickiness off", () => {
        for (const [weight, blue, green] of [
            [10, 90, 10],
            [0, 100, 0],
            [100, 0, 100],
        ]) {
            const action = json(
                alb({}, { weight })[0],
                "alb.ingress.kubernetes.io/actions.weighted-routing",
            );
            // Sticky target groups would pin clients to one colour and defeat the weights.
            assert.deepEqual(action, {
                type: "forward",
                forwardConfig: {
                    targetGroups: [
                        { serviceName: "shop-blue", servicePort: 80, weight: blue },
                        { serviceName: "shop-green", servicePort: 80, weight: green },
                    ],
                    targetGroupStickinessConfig: { enabled: false },
                },
            });
        }
    });

    it("sends the default path to the weighted action, after the preview paths", () => {
        const paths = (alb()[0].spec.rules as any[])[0].http.paths as any[];
        const toAction = (name: string) => ({
            path: "/",
            pathType: "Prefix",
            backend: { service: { name, port: { name: "use-annotation" } } },
        });
        assert.deepEqual(paths, [
            toAction("preview-blue"),
            toAction("preview-green"),
            toAction("weighted-routing"),
        ]);
    });

    it("routes the preview header to each colour that has pods, and never to one without", () => {
        const a = ann(alb()[0]);
        for (const color of ["blue", "green"]) {
            assert.deepEqual(
                JSON.parse(a[`alb.ingress.kubernetes.io/conditions.preview-${color}`]),
                [
                    {
                        field: "http-header",
                        httpHeaderConfig: { httpHeaderName: "X-Preview-Color", values: [color] },
                    },
                ],
            );
            assert.deepEqual(JSON.parse(a[`alb.ingress.kubernetes.io/actions.preview-${color}`]), {
                type: "forward",
                forwardConfig: {
                    targetGroups: [{ serviceName: `shop-${color}`, servicePort: 80, weight: 100 }],
                },
            });
        }
        const [idle] = alb({}, { backends: [backend("blue"), backend("green", false)] });
        const keys = Object.keys(ann(idle)).filter((k) => k.includes("preview-"));
        assert.deepEqual(keys.sort(), [
            "alb.ingress.kubernetes.io/actions.preview-blue",
            "alb.ingress.kubernetes.io/conditions.preview-blue",
        ]);
        const names = ((idle.spec.rules as any[])[0].http.paths as any[]).map(
            (p) => p.backend.service.name,
        );
        assert.deepEqual(names, ["preview-blue", "weighted-routing"]);
    });

    it("has no other annotations", () => {
        const keys = Object.keys(ann(alb({}, { backends: [backend("blue")] })[0])).sort();
        assert.deepEqual(keys, [
            "alb.ingress.kubernetes.io/actions.preview-blue",
            "alb.ingress.kubernetes.io/actions.weighted-routing",
            "alb.ingress.kubernetes.io/certificate-arn",
            "alb.ingress.kubernetes.io/conditions.preview-blue",
            "alb.ingress.kubernetes.io/healthcheck-path",
            "alb.ingress.kubernetes.io/listen-ports",
            "alb.ingress.kubernetes.io/scheme",
            "alb.ingress.kubernetes.io/ssl-policy",
            "alb.ingress.kubernetes.io/target-group-attributes",
            "alb.ingress.kubernetes.io/target-type",
        ]);
    });

    it("is what routeObjects builds for the alb kind", () => {
        const i = inputs({ kind: "alb", tls: { certificateArn: CERT } });
        assert.deepEqual(routeObjects(i), albObjects(i));
    });
});

describe("routing builders: nginx", () => {
    const nginx = (extra: Record<string, unknown> = {}, opts = {}) =>
        nginxObjects(inputs({ kind: "nginx", tls: { secretName: "shop-tls" }, ...extra }, opts));

    const ingressFor = (service: string, className: string) => ({
        ingressClassName: className,
        tls: [{ hosts: [HOST], secretName: "shop-tls" }],
        rules: [
            {
                host: HOST,
                http: {
                    paths: [
                        {
                            path: "/",
                            pathType: "Prefix",
                            backend: { service: { name: service, port: { number: 80 } } },
                        },
                    ],
                },
            },
        ],
    });

    it("sends the host to the stable colour through a primary Ingress with TLS", () => {
        const [primary] = nginx();
        assert.equal(primary.role, "primary");
        assert.equal(primary.apiVersion, "networking.k8s.io/v1");
        assert.equal(primary.kind, "Ingress");
        assert.deepEqual(primary.metadata, {
            name: "shop-primary",
            namespace: "shop-prod",
            annotations: { "nginx.ingress.kubernetes.io/ssl-redirect": "true" },
        });
        assert.deepEqual(primary.spec, ingressFor("shop-blue", "nginx"));
    });

    it("sends the canary weight and the preview header to the canary colour", () => {
        const objects = nginx({}, { weight: 25 });
        assert.deepEqual(
            objects.map((o) => o.role),
            ["primary", "canary"],
        );
        const canary = objects[1];
        assert.deepEqual(canary.metadata, {
            name: "shop-canary",
            namespace: "shop-prod",
            annotations: {
                "nginx.ingress.kubernetes.io/ssl-redirect": "true",
                "nginx.ingress.kubernetes.io/canary": "true",
                "nginx.ingress.kubernetes.io/canary-weight": "25",
                "nginx.ingress.kubernetes.io/canary-weight-total": "100",
                "nginx.ingress.kubernetes.io/canary-by-header": "X-Preview-Color",
                "nginx.ingress.kubernetes.io/canary-by-header-value": "green",
            },
        });
        assert.deepEqual(canary.spec, ingressFor("shop-green", "nginx"));
    });

    it("follows a promotion: green stable, blue the canary", () => {
        const [primary, canary] = nginx({}, { stable: "green", weight: 0 });
        assert.equal(
            (primary.spec as any).rules[0].http.paths[0].backend.service.name,
            "shop-green",
        );
        assert.equal((canary.spec as any).rules[0].http.paths[0].backend.service.name, "shop-blue");
        assert.equal(ann(canary)["nginx.ingress.kubernetes.io/canary-weight"], "0");
        assert.equal(ann(canary)["nginx.ingress.kubernetes.io/canary-by-header-value"], "blue");
    });

    it("uses the configured ingress class on both Ingresses", () => {
        for (const o of nginx({ nginx: { className: "nginx-public" } })) {
            assert.equal(o.spec.ingressClassName, "nginx-public");
        }
    });

    it("has no canary Ingress when the canary colour is not deployed", () => {
        const objects = nginx({}, { weight: 0, backends: [backend("blue")] });
        assert.deepEqual(
            objects.map((o) => o.role),
            ["primary"],
        );
    });

    it("refuses a stable colour that is not deployed", () => {
        assert.throws(
            () => nginx({}, { backends: [backend("green")] }),
            (e: Error) => e.message === "router: stable colour blue is not deployed",
        );
    });

    it("is what routeObjects builds for the nginx kind", () => {
        const i = inputs({ kind: "nginx", tls: { secretName: "shop-tls" } });
        assert.deepEqual(routeObjects(i), nginxObjects(i));
    });
});

describe("routing builders: a regional stack's extra host", () => {
    const REGIONAL = `eu-west-1.${HOST}`;
    const withExtra = (router: Record<string, unknown>): RouteInputs => ({
        ...inputs(router),
        extraHosts: [REGIONAL],
    });

    it("Gateway API: a listener per host, and the route attached to both with both hostnames", () => {
        const objects = gatewayApiObjects(withExtra({ tls: { secretName: "shop-tls" } }));
        const listeners = (byRole(objects, "gateway").spec.listeners as any[]).map((l) => [
            l.name,
            l.hostname,
        ]);
        assert.deepEqual(listeners, [
            ["https", HOST],
            ["https-2", REGIONAL],
        ]);
        const route = byRole(objects, "route").spec as any;
        assert.deepEqual(route.hostnames, [HOST, REGIONAL]);
        assert.deepEqual(
            route.parentRefs.map((p: any) => p.sectionName),
            ["https", "https-2"],
        );
    });

    it("ALB: the same paths and weighted action on both hosts, both in TLS", () => {
        const [ing] = albObjects(withExtra({ kind: "alb", tls: { certificateArn: CERT } }));
        const spec = ing.spec as any;
        assert.deepEqual(spec.tls, [{ hosts: [HOST, REGIONAL] }]);
        assert.deepEqual(
            spec.rules.map((r: any) => r.host),
            [HOST, REGIONAL],
        );
        assert.deepEqual(spec.rules[1].http, spec.rules[0].http);
    });

    it("nginx: primary and canary Ingresses both serve both hosts", () => {
        for (const o of nginxObjects(withExtra({ kind: "nginx", tls: { secretName: "s" } }))) {
            const spec = o.spec as any;
            assert.deepEqual(
                spec.rules.map((r: any) => r.host),
                [HOST, REGIONAL],
                o.role,
            );
            assert.deepEqual(spec.tls[0].hosts, [HOST, REGIONAL]);
            assert.deepEqual(spec.rules[1].http, spec.rules[0].http);
        }
    });

    it("without extra hosts, one host everywhere (the default)", () => {
        const [ing] = albObjects(inputs({ kind: "alb", tls: { certificateArn: CERT } }));
        assert.equal((ing.spec as any).rules.length, 1);
    });
});
