// Pure builders for the routing objects of each router kind. The TrafficRouter component only
// wraps these in Pulumi resources, so tests can check weights without the runtime.
import type { TrafficSplit } from "./capacity";
import type { Color, StackConfig } from "../config";

export interface RouteBackend {
    readonly color: Color;
    readonly serviceName: string;
    /** Whether the colour has pods; preview routes only go to colours that can answer. */
    readonly hasPods: boolean;
}

export interface RouteInputs {
    /** Name of the routing objects: the web workload's name. */
    readonly appName: string;
    readonly namespace: string;
    readonly host: string;
    /**
     * Further hosts the route serves exactly like `host`: a regional stack's own name, which its
     * DNS health check probes through this region's load balancer. Default none.
     */
    readonly extraHosts?: readonly string[];
    /** Path prefix the workload serves; default "/". */
    readonly pathPrefix?: string;
    /**
     * The Gateway (gateway-api with gateway.create) is created once per app, by the first web
     * workload's router: its default name and every host it must listen on. Default: this route's
     * name and host.
     */
    readonly gateway?: {
        readonly create: boolean;
        readonly name: string;
        readonly hosts: readonly string[];
    };
    /** ALB group when several web workloads share one ALB; default router.alb.groupName. */
    readonly albGroup?: { readonly name: string; readonly order: number };
    readonly split: TrafficSplit;
    /** Deployed colours, in blue, green order. */
    readonly backends: readonly RouteBackend[];
    readonly previewHeader: string;
    readonly router: StackConfig["router"];
    /** Seconds a pod keeps serving after it is told to stop; the ALB drain matches it. */
    readonly preStopSleepSeconds: number;
    /** Readiness path the ALB health-checks. */
    readonly readinessPath: string;
}

/** A Kubernetes object as plain data: apiVersion, kind, metadata and body. */
export interface RouteObject {
    readonly role: string;
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { name: string; namespace: string; annotations?: Record<string, string> };
    readonly spec: Record<string, unknown>;
}

const SERVICE_PORT = 80;

function weighted(inputs: RouteInputs): { backend: RouteBackend; weight: number }[] {
    return inputs.backends.map((backend) => ({
        backend,
        weight: inputs.split.weights[backend.color],
    }));
}

function gatewayName(inputs: RouteInputs): { name: string; namespace: string } {
    const g = inputs.router.gateway;
    return {
        name: g.name ?? inputs.gateway?.name ?? inputs.appName,
        namespace: g.namespace ?? inputs.namespace,
    };
}

const prefixOf = (inputs: RouteInputs) => inputs.pathPrefix ?? "/";
/** Every host the route serves: its own, then the extra ones. */
const hostsOf = (inputs: RouteInputs) => [inputs.host, ...(inputs.extraHosts ?? [])];

/** Colours that can answer a preview request (they have pods), in backend order. */
const previewBackends = (inputs: RouteInputs) => inputs.backends.filter((b) => b.hasPods);

/**
 * Listener names: the configured one for the first host, "<listener>-<n>" for each further host
 * (a Gateway listener serves one hostname).
 */
export function listenerNames(listener: string, hosts: readonly string[]): Map<string, string> {
    const unique = [...new Set(hosts)];
    return new Map(unique.map((h, i) => [h, i === 0 ? listener : `${listener}-${i + 1}`]));
}

export function gatewayApiObjects(inputs: RouteInputs): RouteObject[] {
    const objects: RouteObject[] = [];
    const gw = gatewayName(inputs);
    const hosts = inputs.gateway?.hosts ?? [inputs.host];
    const listeners = listenerNames(inputs.router.gateway.listener, [...hosts, ...hostsOf(inputs)]);
    if (inputs.gateway?.create ?? inputs.router.gateway.create) {
        objects.push({
            role: "gateway",
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "Gateway",
            metadata: { name: gw.name, namespace: gw.namespace },
            spec: {
                gatewayClassName: inputs.router.gateway.className,
                listeners: [...listeners].map(([hostname, name]) => ({
                    name,
                    protocol: "HTTPS",
                    port: 443,
                    hostname,
                    tls: {
                        mode: "Terminate",
                        certificateRefs: [{ kind: "Secret", name: inputs.router.tls.secretName }],
                    },
                    allowedRoutes: { namespaces: { from: "Same" } },
                })),
            },
        });
    }
    const prefix = prefixOf(inputs);
    const previewRules = previewBackends(inputs).map((b) => ({
        matches: [
            {
                path: { type: "PathPrefix", value: prefix },
                headers: [{ type: "Exact", name: inputs.previewHeader, value: b.color }],
            },
        ],
        backendRefs: [{ name: b.serviceName, port: SERVICE_PORT, weight: 1 }],
    }));
    objects.push({
        role: "route",
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: inputs.appName, namespace: inputs.namespace },
        spec: {
            // A listener serves one hostname: the route attaches to each of its hosts' listeners.
            parentRefs: hostsOf(inputs).map((host) => ({
                group: "gateway.networking.k8s.io",
                kind: "Gateway",
                name: gw.name,
                namespace: gw.namespace,
                sectionName: listeners.get(host),
            })),
            hostnames: hostsOf(inputs),
            rules: [
                ...previewRules,
                {
                    matches: [{ path: { type: "PathPrefix", value: prefix } }],
                    backendRefs: weighted(inputs).map(({ backend, weight }) => ({
                        name: backend.serviceName,
                        port: SERVICE_PORT,
                        weight,
                    })),
                },
            ],
        },
    });
    return objects;
}

export const ALB_ACTION = "weighted-routing";

/** The ALB's listener, TLS, health-check, weighted-forward and group annotations. */
function albAnnotations(inputs: RouteInputs): Record<string, string> {
    const annotations: Record<string, string> = {
        "alb.ingress.kubernetes.io/scheme": inputs.router.alb.scheme,
        "alb.ingress.kubernetes.io/target-type": "ip",
        "alb.ingress.kubernetes.io/listen-ports": JSON.stringify([{ HTTPS: 443 }]),
        "alb.ingress.kubernetes.io/certificate-arn": inputs.router.tls.certificateArn ?? "",
        "alb.ingress.kubernetes.io/ssl-policy": inputs.router.tls.sslPolicy,
        "alb.ingress.kubernetes.io/healthcheck-path": inputs.readinessPath,
        // Equal to the preStop sleep: the ALB stops sending before the pod stops serving.
        "alb.ingress.kubernetes.io/target-group-attributes": `deregistration_delay.timeout_seconds=${inputs.preStopSleepSeconds}`,
        [`alb.ingress.kubernetes.io/actions.${ALB_ACTION}`]: JSON.stringify({
            type: "forward",
            forwardConfig: {
                targetGroups: weighted(inputs).map(({ backend, weight }) => ({
                    serviceName: backend.serviceName,
                    servicePort: SERVICE_PORT,
                    weight,
                })),
                targetGroupStickinessConfig: { enabled: false },
            },
        }),
    };
    const group = inputs.router.alb.groupName ?? inputs.albGroup?.name;
    if (group) annotations["alb.ingress.kubernetes.io/group.name"] = group;
    // Within a shared ALB, longer path prefixes are evaluated first.
    if (inputs.albGroup) {
        annotations["alb.ingress.kubernetes.io/group.order"] = String(inputs.albGroup.order);
    }
    return annotations;
}

/** Each preview colour's header condition and forward action, named "preview-<color>". */
function albPreviewAnnotations(inputs: RouteInputs): Record<string, string> {
    const annotations: Record<string, string> = {};
    for (const b of previewBackends(inputs)) {
        const action = `preview-${b.color}`;
        annotations[`alb.ingress.kubernetes.io/conditions.${action}`] = JSON.stringify([
            {
                field: "http-header",
                httpHeaderConfig: { httpHeaderName: inputs.previewHeader, values: [b.color] },
            },
        ]);
        annotations[`alb.ingress.kubernetes.io/actions.${action}`] = JSON.stringify({
            type: "forward",
            forwardConfig: {
                targetGroups: [
                    { serviceName: b.serviceName, servicePort: SERVICE_PORT, weight: 100 },
                ],
            },
        });
    }
    return annotations;
}

/** An Ingress path handed to the named annotation action. */
const albActionPath = (path: string, action: string): Record<string, unknown> => ({
    path,
    pathType: "Prefix",
    backend: { service: { name: action, port: { name: "use-annotation" } } },
});

export function albObjects(inputs: RouteInputs): RouteObject[] {
    const annotations = { ...albAnnotations(inputs), ...albPreviewAnnotations(inputs) };
    const prefix = prefixOf(inputs);
    // Conditional (preview) actions must come before the default action.
    const paths = [
        ...previewBackends(inputs).map((b) => albActionPath(prefix, `preview-${b.color}`)),
        albActionPath(prefix, ALB_ACTION),
    ];
    return [
        {
            role: "ingress",
            apiVersion: "networking.k8s.io/v1",
            kind: "Ingress",
            metadata: { name: inputs.appName, namespace: inputs.namespace, annotations },
            spec: {
                ingressClassName: "alb",
                tls: [{ hosts: hostsOf(inputs) }],
                rules: hostsOf(inputs).map((host) => ({ host, http: { paths: [...paths] } })),
            },
        },
    ];
}

function nginxIngress(
    inputs: RouteInputs,
    role: string,
    serviceName: string,
    annotations: Record<string, string>,
): RouteObject {
    return {
        role,
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: `${inputs.appName}-${role}`, namespace: inputs.namespace, annotations },
        spec: {
            ingressClassName: inputs.router.nginx.className,
            tls: [{ hosts: hostsOf(inputs), secretName: inputs.router.tls.secretName }],
            rules: hostsOf(inputs).map((host) => ({
                host,
                http: {
                    paths: [
                        {
                            path: prefixOf(inputs),
                            pathType: "Prefix",
                            backend: {
                                service: { name: serviceName, port: { number: SERVICE_PORT } },
                            },
                        },
                    ],
                },
            })),
        },
    };
}

/**
 * Legacy ingress-nginx: a primary Ingress to the stable colour plus a canary Ingress carrying the
 * weight. The canary Ingress also answers the preview header for the canary colour.
 */
export function nginxObjects(inputs: RouteInputs): RouteObject[] {
    const byColor = new Map(inputs.backends.map((b) => [b.color, b]));
    const stable = byColor.get(inputs.split.stable);
    if (!stable) throw new Error(`router: stable colour ${inputs.split.stable} is not deployed`);
    const base = { "nginx.ingress.kubernetes.io/ssl-redirect": "true" };
    const objects = [nginxIngress(inputs, "primary", stable.serviceName, base)];
    const canary = byColor.get(inputs.split.canary);
    if (canary) {
        objects.push(
            nginxIngress(inputs, "canary", canary.serviceName, {
                ...base,
                "nginx.ingress.kubernetes.io/canary": "true",
                "nginx.ingress.kubernetes.io/canary-weight": String(inputs.split.canaryWeight),
                "nginx.ingress.kubernetes.io/canary-weight-total": "100",
                "nginx.ingress.kubernetes.io/canary-by-header": inputs.previewHeader,
                "nginx.ingress.kubernetes.io/canary-by-header-value": inputs.split.canary,
            }),
        );
    }
    return objects;
}

export function routeObjects(inputs: RouteInputs): RouteObject[] {
    switch (inputs.router.kind) {
        case "gateway-api":
            return gatewayApiObjects(inputs);
        case "alb":
            return albObjects(inputs);
        case "nginx":
            return nginxObjects(inputs);
    }
}
