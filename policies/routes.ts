// Decodes routing objects (Gateway API HTTPRoute, ALB Ingress, ingress-nginx primary and canary
// Ingresses) back into the traffic they carry. Dependency-free, so the policy pack and the plan
// summary (scripts/lib/summary.ts) read weights with the same code.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Props = Record<string, any>;

/** A routing object as the pack and the offline plan both see it: type token and its props. */
export interface RouteResource {
    readonly type: string;
    readonly props: Props;
}

export const ROUTE_TYPES = {
    httpRoute: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
} as const;

const ALB = "alb.ingress.kubernetes.io/";
const NGINX = "nginx.ingress.kubernetes.io/";

/** A weighted backend of a routing object: the Service name and its weight in percent. */
export interface RoutedBackend<R extends RouteResource = RouteResource> {
    route: R;
    service: string;
    namespace?: string;
    weight: number;
    host?: string;
    kind?: "primary" | "canary" | "alb";
    /** Backends in one group share the traffic: an HTTPRoute rule or an ALB action. */
    group?: string;
}

/** A header-matched route: requests carrying `header: value` go to `services`, unweighted. */
export interface PreviewRoute<R extends RouteResource = RouteResource> {
    route: R;
    header: string;
    values: string[];
    services: string[];
}

function parseJson(text: unknown): Props | undefined {
    if (typeof text !== "string") return undefined;
    try {
        return JSON.parse(text) as Props;
    } catch {
        return undefined;
    }
}

function namespaceOf(props: Props): string | undefined {
    return props?.metadata?.namespace;
}
function annotationsOf(props: Props): Record<string, string> {
    return (props?.metadata?.annotations ?? {}) as Record<string, string>;
}
function headersOf(rule: Props): Props[] {
    return ((rule.matches ?? []) as Props[]).flatMap((m) => (m?.headers ?? []) as Props[]);
}

/** Paths of an Ingress, with the host of their rule. */
function ingressPaths(props: Props): { host?: string; service: Props }[] {
    return ((props?.spec?.rules ?? []) as Props[]).flatMap((rule) =>
        ((rule.http?.paths ?? []) as Props[])
            .filter((p) => p.backend?.service?.name)
            .map((p) => ({ host: rule.host as string | undefined, service: p.backend.service })),
    );
}

/** Target-group Service names of an ALB action annotation ("actions.<name>"). */
function albTargets(ann: Record<string, string>, action: string): Props[] {
    const parsed = parseJson(ann[`${ALB}actions.${action}`]);
    return (parsed?.forwardConfig?.targetGroups ?? []) as Props[];
}

function httpRouteBackends<R extends RouteResource>(r: R): RoutedBackend<R>[] {
    const ns = namespaceOf(r.props);
    return ((r.props.spec?.rules ?? []) as Props[]).flatMap((rule, i) => {
        if (headersOf(rule).length > 0) return [];
        const refs = (rule.backendRefs ?? []) as Props[];
        return refs.map((b) => ({
            route: r,
            service: b.name,
            namespace: b.namespace ?? ns,
            weight: refs.length === 1 && b.weight === undefined ? 100 : b.weight,
            group: `rule ${i}`,
        }));
    });
}

function ingressBackends<R extends RouteResource>(r: R): RoutedBackend<R>[] {
    const ns = namespaceOf(r.props);
    const ann = annotationsOf(r.props);
    const canary = ann[`${NGINX}canary`] === "true";
    const canaryWeight = Number(ann[`${NGINX}canary-weight`] ?? 0);
    // One ALB action is one split, however many host rules point at it.
    const actions = new Set<string>();
    return ingressPaths(r.props).flatMap(({ host, service: svc }): RoutedBackend<R>[] => {
        if (svc.port?.name === "use-annotation") {
            // ALB: only the action without a condition annotation carries live traffic.
            if (ann[`${ALB}conditions.${svc.name}`] !== undefined) return [];
            if (actions.has(svc.name)) return [];
            actions.add(svc.name);
            return albTargets(ann, svc.name).map((tg) => ({
                route: r,
                service: tg.serviceName,
                namespace: ns,
                weight: tg.weight,
                host,
                kind: "alb",
                group: `action ${svc.name}`,
            }));
        }
        return [
            {
                route: r,
                service: svc.name,
                namespace: ns,
                weight: canary ? canaryWeight : 100,
                host,
                kind: canary ? "canary" : "primary",
            },
        ];
    });
}

/**
 * The backends that take live (unconditioned) traffic on each routing object: HTTPRoute rules
 * without header matches, the ALB action without conditions, the nginx primary (100 − canary
 * weight) and canary Ingress. Preview routes (header-matched) are left out: they carry no weight.
 */
export function routedBackends<R extends RouteResource>(
    resources: readonly R[],
): RoutedBackend<R>[] {
    const out: RoutedBackend<R>[] = [];
    for (const r of resources) {
        if (r.type === ROUTE_TYPES.httpRoute) out.push(...httpRouteBackends(r));
        else if (r.type === ROUTE_TYPES.ingress) out.push(...ingressBackends(r));
    }
    // nginx: the primary Ingress keeps what the canary Ingresses for its host take away.
    for (const b of out) {
        if (b.kind !== "primary") continue;
        const taken = out
            .filter((c) => c.kind === "canary" && c.host === b.host)
            .reduce((sum, c) => sum + (Number(c.weight) || 0), 0);
        b.weight = Math.max(0, 100 - taken);
    }
    return out;
}

function httpRoutePreviews<R extends RouteResource>(r: R): PreviewRoute<R>[] {
    return ((r.props.spec?.rules ?? []) as Props[]).flatMap((rule) =>
        headersOf(rule).map((h) => ({
            route: r,
            header: String(h.name),
            values: [String(h.value)],
            services: ((rule.backendRefs ?? []) as Props[]).map((b) => String(b.name)),
        })),
    );
}

function ingressPreviews<R extends RouteResource>(r: R): PreviewRoute<R>[] {
    const ann = annotationsOf(r.props);
    const header = ann[`${NGINX}canary-by-header`];
    if (ann[`${NGINX}canary`] === "true" && header) {
        return ingressPaths(r.props).map(({ service }) => ({
            route: r,
            header,
            values: [ann[`${NGINX}canary-by-header-value`] ?? "always"],
            services: [String(service.name)],
        }));
    }
    return ingressPaths(r.props).flatMap(({ service }) => {
        const conditions = parseJson(ann[`${ALB}conditions.${service.name}`]);
        if (service.port?.name !== "use-annotation" || !Array.isArray(conditions)) return [];
        const services = albTargets(ann, service.name).map((tg) => String(tg.serviceName));
        return (conditions as Props[])
            .filter((c) => c?.httpHeaderConfig)
            .map((c) => ({
                route: r,
                header: String(c.httpHeaderConfig.httpHeaderName),
                values: ((c.httpHeaderConfig.values ?? []) as unknown[]).map(String),
                services,
            }));
    });
}

/**
 * The header-matched routes of each routing object: HTTPRoute rules with header matches, ALB
 * actions with an http-header condition, and the nginx canary's canary-by-header.
 */
export function previewRoutes<R extends RouteResource>(resources: readonly R[]): PreviewRoute<R>[] {
    return resources.flatMap((r) => {
        if (r.type === ROUTE_TYPES.httpRoute) return httpRoutePreviews(r);
        if (r.type === ROUTE_TYPES.ingress) return ingressPreviews(r);
        return [];
    });
}
