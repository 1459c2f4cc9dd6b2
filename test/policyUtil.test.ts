// The policy pack's graph readers on their own: pod specs of every workload kind, selectors, the
// live backends of each routing object with their weights, and dependency closures.
import { strict as assert } from "assert";
import type { PolicyResource } from "@pulumi/policy";
import {
    containersOf,
    dependencyClosure,
    deploymentsBehind,
    keyOf,
    majorVersion,
    nameOf,
    namespaceOf,
    podLabelsOf,
    podSpecOf,
    routedBackends,
    routedDeployments,
    selectorMatches,
    serviceNamed,
    TYPES,
    type Props,
} from "../policies/util";

function res(type: string, name: string, props: Props, dependencies: PolicyResource[] = []) {
    return {
        type,
        name,
        props,
        urn: `urn:${type}::${name}`,
        dependencies,
        propertyDependencies: {},
    } as unknown as PolicyResource;
}

const labels = { app: "a", color: "blue" };
const deployment = (name: string, ns = "ns", l: Props = labels) =>
    res(TYPES.deployment, name, {
        metadata: { name, namespace: ns },
        spec: { template: { metadata: { labels: l }, spec: { containers: [{ name: "c" }] } } },
    });
const service = (name: string, ns = "ns", selector: Props | undefined = labels) =>
    res(TYPES.service, name, { metadata: { name, namespace: ns }, spec: { selector } });

const nginx = (name: string, svc: string, ann: Record<string, string>, host = "h.example.com") =>
    res(TYPES.ingress, name, {
        metadata: { name, namespace: "ns", annotations: ann },
        spec: {
            rules: [
                {
                    host,
                    http: {
                        paths: [{ backend: { service: { name: svc, port: { number: 80 } } } }],
                    },
                },
            ],
        },
    });
const canary = (w: string) => ({
    "nginx.ingress.kubernetes.io/canary": "true",
    "nginx.ingress.kubernetes.io/canary-weight": w,
});

const strip = (bs: ReturnType<typeof routedBackends>) =>
    bs.map(({ route, ...b }) => ({ route: route.name, ...b }));

describe("policy readers", () => {
    it("podSpecOf and podLabelsOf read Deployments, Jobs and CronJobs, and nothing else", () => {
        const dep = deployment("d").props;
        assert.deepEqual(podSpecOf(dep), { containers: [{ name: "c" }] });
        assert.deepEqual(podLabelsOf(dep), labels);
        const cron = {
            spec: {
                jobTemplate: {
                    spec: {
                        template: { metadata: { labels: { job: "x" } }, spec: { containers: [] } },
                    },
                },
            },
        };
        assert.deepEqual(podSpecOf(cron), { containers: [] });
        assert.deepEqual(podLabelsOf(cron), { job: "x" });
        for (const p of [
            undefined,
            {},
            { spec: {} },
            { spec: { jobTemplate: {} } },
            { spec: { jobTemplate: { spec: {} } } },
        ]) {
            assert.equal(podSpecOf(p as Props), undefined, JSON.stringify(p));
            assert.deepEqual(podLabelsOf(p as Props), {}, JSON.stringify(p));
        }
        assert.deepEqual(podLabelsOf({ spec: { template: {} } }), {});
    });

    it("containersOf labels init containers first, and unnamed ones with ?", () => {
        assert.deepEqual(containersOf(undefined), []);
        const pod = { initContainers: [{ name: "init" }, {}], containers: [{ name: "app" }, {}] };
        assert.deepEqual(
            containersOf(pod).map((x) => x.label),
            ['init container "init"', 'init container "?"', 'container "app"', 'container "?"'],
        );
        assert.deepEqual(containersOf({}), []);
    });

    it("selectorMatches: every selector label must match; an empty selector matches nothing", () => {
        assert.equal(selectorMatches({ app: "a" }, { app: "a", color: "b" }), true);
        assert.equal(selectorMatches({ app: "a", color: "g" }, { app: "a", color: "b" }), false);
        assert.equal(selectorMatches({}, { app: "a" }), false);
        assert.equal(selectorMatches(undefined, { app: "a" }), false);
    });

    it("reads names and namespaces of manifests that may have no metadata", () => {
        assert.equal(nameOf({ metadata: { name: "n" } }), "n");
        assert.equal(namespaceOf({ metadata: { namespace: "s" } }), "s");
        for (const p of [undefined, {}]) {
            assert.equal(nameOf(p as Props), undefined);
            assert.equal(namespaceOf(p as Props), undefined);
        }
        assert.equal(keyOf({ type: "t", name: "n" }), "t::n");
    });

    it("majorVersion reads the leading number only", () => {
        assert.equal(majorVersion("15.4"), 15);
        assert.equal(majorVersion(16), 16);
        assert.ok(Number.isNaN(majorVersion("v15")));
        assert.ok(Number.isNaN(majorVersion(undefined)));
        assert.ok(Number.isNaN(majorVersion("latest")));
    });

    it("HTTPRoute backends: header-matched rules carry no weight; a lone backend takes 100", () => {
        const route = res(TYPES.httpRoute, "r", {
            metadata: { name: "r", namespace: "ns" },
            spec: {
                rules: [
                    {
                        matches: [{ headers: [{ name: "x", value: "y" }] }],
                        backendRefs: [{ name: "p", weight: 1 }],
                    },
                    {
                        matches: [{ path: { value: "/" }, headers: [] }],
                        backendRefs: [
                            { name: "a", weight: 70 },
                            { name: "b", namespace: "other" },
                        ],
                    },
                    { backendRefs: [{ name: "c" }] },
                    { backendRefs: [{ name: "d", weight: 0 }] },
                ],
            },
        });
        assert.deepEqual(strip(routedBackends([route])), [
            { route: "r", service: "a", namespace: "ns", weight: 70, group: "rule 1" },
            { route: "r", service: "b", namespace: "other", weight: undefined, group: "rule 1" },
            { route: "r", service: "c", namespace: "ns", weight: 100, group: "rule 2" },
            { route: "r", service: "d", namespace: "ns", weight: 0, group: "rule 3" },
        ]);
        assert.deepEqual(routedBackends([res(TYPES.httpRoute, "e", {})]), []);
    });

    it("nginx backends: the primary keeps what its host's canaries take", () => {
        const bs = routedBackends([
            nginx("primary", "blue", {}),
            nginx("canary", "green", canary("30")),
            nginx("other-primary", "x", {}, "other.example.com"),
            nginx("other-canary", "y", canary("bad"), "other.example.com"),
        ]);
        assert.deepEqual(
            bs.map((b) => [b.route.name, b.service, b.weight, b.kind, b.host]),
            [
                ["primary", "blue", 70, "primary", "h.example.com"],
                ["canary", "green", 30, "canary", "h.example.com"],
                ["other-primary", "x", 100, "primary", "other.example.com"],
                ["other-canary", "y", NaN, "canary", "other.example.com"],
            ],
        );
        // Canaries adding up past 100 leave the primary nothing, never less.
        const over = routedBackends([
            nginx("primary", "blue", {}),
            nginx("c1", "green", canary("80")),
            nginx("c2", "green", canary("40")),
        ]);
        assert.equal(over[0].weight, 0);
        // A canary without a weight takes 0.
        const none = routedBackends([
            nginx("primary", "blue", {}),
            nginx("c", "green", { "nginx.ingress.kubernetes.io/canary": "true" }),
        ]);
        assert.deepEqual(
            none.map((b) => b.weight),
            [100, 0],
        );
    });

    it("ALB backends: only the action without conditions is live, once per action; paths without a service are skipped", () => {
        const action = (groups: Props[]) =>
            JSON.stringify({ type: "forward", forwardConfig: { targetGroups: groups } });
        const ing = res(TYPES.ingress, "alb", {
            metadata: {
                name: "alb",
                namespace: "ns",
                annotations: {
                    "alb.ingress.kubernetes.io/actions.w": action([
                        { serviceName: "blue", weight: 60 },
                        { serviceName: "green", weight: 40 },
                    ]),
                    "alb.ingress.kubernetes.io/actions.preview": action([
                        { serviceName: "green", weight: 100 },
                    ]),
                    "alb.ingress.kubernetes.io/conditions.preview": "[]",
                    "alb.ingress.kubernetes.io/actions.broken": "{not json",
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
                                            name: "preview",
                                            port: { name: "use-annotation" },
                                        },
                                    },
                                },
                                {
                                    backend: {
                                        service: {
                                            name: "broken",
                                            port: { name: "use-annotation" },
                                        },
                                    },
                                },
                                { backend: { resource: { kind: "S3" } } },
                                { backend: { service: { port: { number: 80 } } } },
                                {
                                    backend: {
                                        service: { name: "w", port: { name: "use-annotation" } },
                                    },
                                },
                            ],
                        },
                    },
                    { host: "g" },
                    // A second host on the same action: one split, counted once.
                    {
                        host: "regional.h",
                        http: {
                            paths: [
                                {
                                    backend: {
                                        service: { name: "w", port: { name: "use-annotation" } },
                                    },
                                },
                            ],
                        },
                    },
                ],
            },
        });
        assert.deepEqual(strip(routedBackends([ing])), [
            {
                route: "alb",
                service: "blue",
                namespace: "ns",
                weight: 60,
                host: "h",
                kind: "alb",
                group: "action w",
            },
            {
                route: "alb",
                service: "green",
                namespace: "ns",
                weight: 40,
                host: "h",
                kind: "alb",
                group: "action w",
            },
        ]);
    });

    it("ignores what is not a routing object", () => {
        assert.deepEqual(routedBackends([deployment("d"), service("s")]), []);
    });

    it("deploymentsBehind and serviceNamed match by selector, kind and namespace", () => {
        const d = deployment("d");
        const elsewhere = deployment("d2", "other");
        const green = deployment("d3", "ns", { app: "a", color: "green" });
        const svc = service("s");
        const lookalike = res("kubernetes:apps/v1:StatefulSet", "ss", deployment("ss").props);
        const all = [d, elsewhere, green, svc, lookalike];
        assert.deepEqual(
            deploymentsBehind(svc, all).map((x) => x.name),
            ["d"],
        );
        const bare = res(TYPES.service, "none", { metadata: { name: "none", namespace: "ns" } });
        assert.deepEqual(deploymentsBehind(bare, all), []);
        assert.deepEqual(deploymentsBehind(service("empty", "ns", {}), all), []);
        assert.equal(serviceNamed(all, "s", "ns"), svc);
        assert.equal(serviceNamed(all, "s", undefined), svc);
        assert.equal(serviceNamed(all, "s", "other"), undefined);
        assert.equal(serviceNamed(all, "d", "ns"), undefined);
    });

    it("routedDeployments adds the weights of every backend reaching a Deployment", () => {
        const d = deployment("d");
        const route = res(TYPES.httpRoute, "r", {
            metadata: { name: "r", namespace: "ns" },
            spec: {
                rules: [
                    {
                        backendRefs: [
                            { name: "s", weight: 30 },
                            { name: "missing", weight: 70 },
                        ],
                    },
                    {
                        backendRefs: [
                            { name: "s2", weight: 20 },
                            { name: "s", weight: "x" },
                        ],
                    },
                ],
            },
        });
        const got = routedDeployments([d, service("s"), service("s2"), route]);
        assert.deepEqual(
            got.map((x) => [x.deployment.name, x.weight]),
            [["d", 50]],
        );
    });

    it("dependencyClosure follows dependencies transitively, once each, cycles included", () => {
        const a = res("t", "a", {});
        const b = res("t", "b", {}, [a]);
        const c = res("t", "c", {}, [b, a]);
        (a as { dependencies: PolicyResource[] }).dependencies = [c];
        const d = res("t", "d", {}, [c]);
        assert.deepEqual([...dependencyClosure(d)].map((x) => x.name).sort(), ["a", "b", "c"]);
        assert.deepEqual([...dependencyClosure(res("t", "e", {}))], []);
    });
});
