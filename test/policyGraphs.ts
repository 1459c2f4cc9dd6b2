// Small planned graphs for the stack policies' branch tests: two colours, their Services, and one
// routing object of each router kind. Every builder returns fresh objects, so a case can edit one.
import { TYPES } from "../policies/util";
import type { PlannedResource } from "../scripts/lib/plan";
import { planned, type Props } from "./policyArgs";

export const NS = "ns";
export const HOST = "app.example.com";
const APP = "app.kubernetes.io/name";

export function deployment(color: string, version: string, replicas?: number): PlannedResource {
    const labels = { [APP]: "app", color };
    const spec: Props = {
        selector: { matchLabels: labels },
        template: {
            metadata: { labels: { ...labels, version } },
            spec: { containers: [{ name: "app", image: `registry.example.com/app:${version}` }] },
        },
    };
    if (replicas !== undefined) spec.replicas = replicas;
    return planned(TYPES.deployment, `dep-${color}`, {
        kind: "Deployment",
        metadata: { name: `app-${color}`, namespace: NS, labels },
        spec,
    });
}

export function service(color: string, selector: Props = { [APP]: "app", color }) {
    return planned(TYPES.service, `svc-${color}`, {
        kind: "Service",
        metadata: { name: `app-${color}`, namespace: NS },
        spec: { selector, ports: [{ name: "http", port: 80 }] },
    });
}

/** Deployment and Service of each colour, blue at v1 and green at `greenVersion`. */
export const colours = (greenVersion = "v1", replicas = 2): PlannedResource[] => [
    deployment("blue", "v1", replicas),
    service("blue"),
    deployment("green", greenVersion, replicas),
    service("green"),
];

export function gateway(listeners: Props[], name = "gw", namespace = NS): PlannedResource {
    return planned(TYPES.gateway, name, {
        kind: "Gateway",
        metadata: { name, namespace },
        spec: { gatewayClassName: "alb", listeners },
    });
}

export const httpsListener = (name = "https"): Props => ({
    name,
    protocol: "HTTPS",
    port: 443,
    tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: "cert" }] },
});

export function httpRoute(
    rules: Props[],
    opts: { name?: string; parentRefs?: Props[]; dependsOn?: string[] } = {},
): PlannedResource {
    const name = opts.name ?? "app";
    return planned(
        TYPES.httpRoute,
        `route-${name}`,
        {
            kind: "HTTPRoute",
            metadata: { name, namespace: NS },
            spec: {
                parentRefs: opts.parentRefs ?? [
                    { kind: "Gateway", name: "gw", namespace: NS, sectionName: "https" },
                ],
                hostnames: [HOST],
                rules,
            },
        },
        { dependsOn: opts.dependsOn ?? [] },
    );
}

/** An HTTPRoute rule splitting by weight: { blue: 90, green: 10 }. */
export const weightedRule = (weights: Record<string, unknown>): Props => ({
    matches: [{ path: { type: "PathPrefix", value: "/" } }],
    backendRefs: Object.entries(weights).map(([c, weight]) => ({
        name: `app-${c}`,
        port: 80,
        weight,
    })),
});

export const previewRule = (color: string): Props => ({
    matches: [{ headers: [{ type: "Exact", name: "X-Preview-Color", value: color }] }],
    backendRefs: [{ name: `app-${color}`, port: 80, weight: 1 }],
});

/** One Ingress with a single rule for HOST to `service` (port number 80). */
export function ingress(
    name: string,
    annotations: Record<string, string>,
    spec: Props = {},
    service = "app-blue",
): PlannedResource {
    return planned(TYPES.ingress, `ing-${name}`, {
        kind: "Ingress",
        metadata: { name, namespace: NS, annotations },
        spec: {
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
            ...spec,
        },
    });
}

export const nginxTls = { tls: [{ hosts: [HOST], secretName: "cert" }] };

export const nginxCanary = (weight: string, extra: Record<string, string> = {}) =>
    ingress(
        "canary",
        {
            "nginx.ingress.kubernetes.io/canary": "true",
            "nginx.ingress.kubernetes.io/canary-weight": weight,
            ...extra,
        },
        nginxTls,
        "app-green",
    );

/** An ALB Ingress whose weighted action forwards to the colours' Services. */
export function albIngress(
    weights: Record<string, unknown>,
    annotations: Record<string, string | undefined> = {},
): PlannedResource {
    const ann: Record<string, string> = {
        "alb.ingress.kubernetes.io/listen-ports": JSON.stringify([{ HTTPS: 443 }]),
        "alb.ingress.kubernetes.io/certificate-arn":
            "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
        "alb.ingress.kubernetes.io/actions.weighted": JSON.stringify({
            type: "forward",
            forwardConfig: {
                targetGroups: Object.entries(weights).map(([c, weight]) => ({
                    serviceName: `app-${c}`,
                    servicePort: 80,
                    weight,
                })),
            },
        }),
    };
    for (const [k, v] of Object.entries(annotations)) {
        if (v === undefined) delete ann[k];
        else ann[k] = v;
    }
    return planned(TYPES.ingress, "ing-alb", {
        kind: "Ingress",
        metadata: { name: "app", namespace: NS, annotations: ann },
        spec: {
            ingressClassName: "alb",
            rules: [
                {
                    host: HOST,
                    http: {
                        paths: [
                            {
                                path: "/",
                                pathType: "Prefix",
                                backend: {
                                    service: { name: "weighted", port: { name: "use-annotation" } },
                                },
                            },
                        ],
                    },
                },
            ],
        },
    });
}

/** The graph with `name` edited in place. */
export function edit(graph: PlannedResource[], name: string, fn: (inputs: Props) => void) {
    const r = graph.find((x) => x.name === name);
    if (!r) throw new Error(`no resource ${name} in the graph`);
    fn(r.inputs);
    return graph;
}
