// Traffic rules across the routing objects and the workloads they send to (CL-03, CL-28, CL-29).
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import {
    deploymentsBehind,
    isRoute,
    nameOf,
    routedBackends,
    serviceNamed,
    TYPES,
    writesStopped,
    type Props,
} from "./util";

function describe(r: PolicyResource) {
    return `${String(r.props.kind ?? r.type.split(":").pop())} ${nameOf(r.props) ?? r.name}`;
}

function isPercent(w: unknown): w is number {
    return typeof w === "number" && Number.isInteger(w) && w >= 0 && w <= 100;
}

export function weightsConsistent(): StackValidationPolicy {
    return {
        name: "traffic-weights-consistent",
        description:
            "Routing weights must be whole percentages that add up to 100 (HTTPRoute, ALB) or a valid nginx canary weight.",
        validateStack: (args, report) => {
            const routes = args.resources.filter(isRoute);
            if (routes.length === 0) args.notApplicable("no routing object in the stack");
            const groups = new Map<
                string,
                { route: PolicyResource; group: string; weights: number[] }
            >();
            const canaryHosts = new Map<string, PolicyResource>();
            const primaryHosts = new Set<string>();
            for (const b of routedBackends(args.resources)) {
                if (b.kind === "canary") {
                    canaryHosts.set(b.host ?? "", b.route);
                    continue;
                }
                if (b.kind === "primary") {
                    primaryHosts.add(b.host ?? "");
                    continue;
                }
                const key = `${b.route.urn}#${b.group}`;
                const g = groups.get(key) ?? { route: b.route, group: b.group ?? "", weights: [] };
                g.weights.push(b.weight);
                groups.set(key, g);
            }
            for (const { route, group, weights } of groups.values()) {
                const bad = weights.filter((w) => !isPercent(w));
                if (bad.length > 0) {
                    report(
                        `${describe(route)} ${group} backend weights must be whole numbers 0–100 (got ${bad.join(", ")})`,
                        route.urn,
                    );
                    continue;
                }
                const sum = weights.reduce((a, w) => a + w, 0);
                if (sum !== 100) {
                    report(
                        `${describe(route)} ${group} backend weights must add up to 100 (got ${weights.join(" + ")} = ${sum})`,
                        route.urn,
                    );
                }
            }
            for (const r of routes) {
                const ann = (r.props.metadata?.annotations ?? {}) as Record<string, string>;
                if (ann["nginx.ingress.kubernetes.io/canary"] !== "true") continue;
                const raw = ann["nginx.ingress.kubernetes.io/canary-weight"];
                const weight = Number(raw);
                if (raw === undefined || !isPercent(weight) || String(weight) !== raw.trim()) {
                    report(
                        `${describe(r)} nginx.ingress.kubernetes.io/canary-weight must be a whole number 0–100 (got ${JSON.stringify(raw)})`,
                        r.urn,
                    );
                }
                const total = ann["nginx.ingress.kubernetes.io/canary-weight-total"];
                if (total !== undefined && total !== "100") {
                    report(
                        `${describe(r)} nginx.ingress.kubernetes.io/canary-weight-total must be 100 so weights are percentages (got ${total})`,
                        r.urn,
                    );
                }
            }
            for (const [host, canary] of canaryHosts) {
                if (!primaryHosts.has(host)) {
                    report(
                        `${describe(canary)} must have a primary (non-canary) Ingress for host ${host}`,
                        canary.urn,
                    );
                }
            }
        },
    };
}

export function trafficToReadyColors(): StackValidationPolicy {
    return {
        name: "traffic-to-ready-colors",
        description:
            "Traffic weight above 0 must only go to a Service whose Deployment exists and has replicas.",
        validateStack: (args, report) => {
            const live = routedBackends(args.resources).filter((b) => Number(b.weight) > 0);
            if (live.length === 0) args.notApplicable("no routing object sends traffic");
            for (const b of live) {
                const where = `${describe(b.route)} sends ${b.weight} % to Service ${b.service}`;
                const svc = serviceNamed(args.resources, b.service, b.namespace);
                if (!svc) {
                    report(`${where}, which must exist in the stack`, b.route.urn);
                    continue;
                }
                const deployments = deploymentsBehind(svc, args.resources);
                if (deployments.length === 0) {
                    report(`${where}, which must select the pods of a Deployment`, b.route.urn);
                    continue;
                }
                // spec.replicas defaults to 1 when unset.
                const replicas = deployments.reduce(
                    (n, d) => n + ((d.props.spec?.replicas as number | undefined) ?? 1),
                    0,
                );
                // Writes stopped (a restore): no pods on purpose, and the route answers 503 meanwhile.
                if (replicas === 0 && !deployments.every(writesStopped)) {
                    report(
                        `${where}, whose Deployment must have replicas > 0 (got 0)`,
                        b.route.urn,
                    );
                }
            }
        },
    };
}

function gatewayListenersFor(route: PolicyResource, resources: PolicyResource[]) {
    const out: { gateway: PolicyResource; listener: Props }[] = [];
    for (const ref of (route.props.spec?.parentRefs ?? []) as Props[]) {
        if ((ref.kind ?? "Gateway") !== "Gateway") continue;
        const ns = ref.namespace ?? route.props.metadata?.namespace;
        const gw = resources.find(
            (g) =>
                g.type === TYPES.gateway &&
                nameOf(g.props) === ref.name &&
                g.props.metadata?.namespace === ns,
        );
        // A Gateway outside this stack is checked by the stack that owns it.
        if (!gw) continue;
        for (const l of (gw.props.spec?.listeners ?? []) as Props[]) {
            if (ref.sectionName === undefined || l.name === ref.sectionName) {
                out.push({ gateway: gw, listener: l });
            }
        }
    }
    return out;
}

export function publicRouteTls(): StackValidationPolicy {
    return {
        name: "traffic-public-route-tls",
        description: "Every public route must terminate TLS (HTTPS listener or Ingress TLS).",
        validateStack: (args, report) => {
            const routes = args.resources.filter(isRoute);
            if (routes.length === 0) args.notApplicable("no routing object in the stack");
            for (const r of routes) {
                if (r.type === TYPES.httpRoute) {
                    for (const { gateway, listener } of gatewayListenersFor(r, args.resources)) {
                        const refs = (listener.tls?.certificateRefs ?? []) as unknown[];
                        const tlsOk =
                            (listener.protocol === "HTTPS" && refs.length > 0) ||
                            listener.protocol === "TLS";
                        if (!tlsOk) {
                            report(
                                `${describe(r)} attaches to Gateway ${nameOf(gateway.props)} listener ${listener.name}, which must be HTTPS with a TLS certificate (got ${listener.protocol})`,
                                r.urn,
                            );
                        }
                    }
                    continue;
                }
                const ann = (r.props.metadata?.annotations ?? {}) as Record<string, string>;
                const alb =
                    r.props.spec?.ingressClassName === "alb" ||
                    Object.keys(ann).some((k) => k.startsWith("alb.ingress.kubernetes.io/"));
                if (alb) {
                    let ports: Props[] = [];
                    try {
                        ports = JSON.parse(ann["alb.ingress.kubernetes.io/listen-ports"] ?? "[]");
                    } catch {
                        ports = [];
                    }
                    const https = ports.some((p) => "HTTPS" in p);
                    const plain = ports.some((p) => "HTTP" in p);
                    const redirect = ann["alb.ingress.kubernetes.io/ssl-redirect"] !== undefined;
                    if (!https || !ann["alb.ingress.kubernetes.io/certificate-arn"]) {
                        report(
                            `${describe(r)} must listen on HTTPS with alb.ingress.kubernetes.io/certificate-arn set`,
                            r.urn,
                        );
                    } else if (plain && !redirect) {
                        report(
                            `${describe(r)} must redirect its HTTP listener to HTTPS (alb.ingress.kubernetes.io/ssl-redirect)`,
                            r.urn,
                        );
                    }
                    continue;
                }
                const tls = (r.props.spec?.tls ?? []) as Props[];
                const covered = new Set(tls.flatMap((t) => (t.secretName ? (t.hosts ?? []) : [])));
                for (const rule of (r.props.spec?.rules ?? []) as Props[]) {
                    if (!covered.has(rule.host)) {
                        report(
                            `${describe(r)} host ${rule.host ?? "(any)"} must be covered by a spec.tls entry with a secretName`,
                            r.urn,
                        );
                    }
                }
            }
        },
    };
}

/** Annotation the program writes on every route (components/traffic/trafficRouter.ts). */
const STEPS_ANNOTATION = "release.pulumi.com/traffic-steps";

export function weightOnStep(): StackValidationPolicy {
    return {
        name: "traffic-weight-on-step",
        description:
            "The canary's traffic weight must be 0 or one of the release's declared steps, so traffic never jumps past a step.",
        validateStack: (args, report) => {
            const routes = args.resources.filter(isRoute);
            if (routes.length === 0) args.notApplicable("no routing object in the stack");
            const backends = routedBackends(args.resources);
            for (const r of routes) {
                const ann = (r.props.metadata?.annotations ?? {}) as Record<string, string>;
                const raw = ann[STEPS_ANNOTATION];
                if (raw === undefined) {
                    report(
                        `${describe(r)} must declare its canary steps in the ${STEPS_ANNOTATION} annotation`,
                        r.urn,
                    );
                    continue;
                }
                const steps = raw.split(",").map((w) => Number(w.trim()));
                if (steps.some((w) => !isPercent(w) || w === 0)) {
                    report(
                        `${describe(r)} ${STEPS_ANNOTATION} must list whole percentages 1–100 (got ${JSON.stringify(raw)})`,
                        r.urn,
                    );
                    continue;
                }
                const onStep = (w: number) => w === 0 || steps.includes(w);
                const mine = backends.filter((b) => b.route === r);
                // nginx names its canary; elsewhere a split is on a step when one side is (a colour's
                // weight is either the canary's step or 100 minus it).
                const splits: { weights: number[]; ok: boolean }[] = [];
                for (const b of mine.filter((x) => x.kind === "canary")) {
                    const w = Number(b.weight);
                    splits.push({ weights: [w], ok: onStep(w) });
                }
                const groups = new Map<string, number[]>();
                for (const b of mine.filter((x) => x.kind !== "canary" && x.kind !== "primary")) {
                    groups.set(b.group ?? "", [
                        ...(groups.get(b.group ?? "") ?? []),
                        Number(b.weight),
                    ]);
                }
                for (const weights of groups.values()) {
                    const ok =
                        weights.length === 1
                            ? weights[0] === 100 || onStep(weights[0])
                            : weights.some(
                                  (w) =>
                                      onStep(w) && weights.every((x) => x === w || x === 100 - w),
                              );
                    splits.push({ weights, ok });
                }
                for (const s of splits.filter((x) => !x.ok)) {
                    report(
                        `${describe(r)} splits traffic ${s.weights.join("/")}, so the canary's weight must be 0 or one of the steps (${steps.join(", ")})`,
                        r.urn,
                    );
                }
            }
        },
    };
}

export function releasePolicies() {
    return [weightsConsistent(), trafficToReadyColors(), publicRouteTls(), weightOnStep()];
}
