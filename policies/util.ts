// Small readers shared by the rules: pod specs of every workload kind, label selectors, the
// routing objects' backends. Pure functions over resource props; no Pulumi runtime needed.
import type {
    Policy,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
} from "@pulumi/policy";
import {
    ROUTE_TYPES,
    routedBackends as decodeRoutes,
    type RoutedBackend as Routed,
} from "./routes";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Props = Record<string, any>;

/** Annotation on a Deployment scaled to zero on purpose: the stack's writes are stopped. */
export const WRITES_ANNOTATION = "release/writes";

/** A Deployment at 0 replicas because writes are stopped (the restore flow), not by mistake. */
export function writesStopped(d: PolicyResource): boolean {
    return (
        d.props.metadata?.annotations?.[WRITES_ANNOTATION] === "stopped" &&
        d.props.spec?.replicas === 0
    );
}

/** The value the offline plan shows for a Pulumi secret (scripts/lib/plan.ts SECRET_TEXT). */
export const SECRET_MARKER = "[secret]";

export const TYPES = {
    deployment: "kubernetes:apps/v1:Deployment",
    service: "kubernetes:core/v1:Service",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    ingress: ROUTE_TYPES.ingress,
    gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
    httpRoute: ROUTE_TYPES.httpRoute,
    prometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    serviceMonitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
    podMonitor: "kubernetes:monitoring.coreos.com/v1:PodMonitor",
    rdsInstance: "aws:rds/instance:Instance",
    rdsSnapshot: "aws:rds/snapshot:Snapshot",
    rdsParameterGroup: "aws:rds/parameterGroup:ParameterGroup",
    replicationGroup: "aws:elasticache/replicationGroup:ReplicationGroup",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    vpcIngressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    randomPassword: "random:index/randomPassword:RandomPassword",
} as const;

/** "type::name", the key the plan and the violations use. */
export function keyOf(r: { type: string; name: string }) {
    return `${r.type}::${r.name}`;
}

export interface Container {
    name?: string;
    image?: string;
    env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: unknown } }[];
    resources?: { requests?: Props; limits?: Props };
    livenessProbe?: unknown;
    readinessProbe?: unknown;
    lifecycle?: { preStop?: unknown };
    securityContext?: Props;
}

/** Pod spec of a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob. */
export function podSpecOf(props: Props): Props | undefined {
    const spec = props?.spec;
    if (!spec) return undefined;
    if (spec.jobTemplate) return spec.jobTemplate.spec?.template?.spec;
    return spec.template?.spec;
}

/** Pod template labels of a workload. */
export function podLabelsOf(props: Props): Record<string, string> {
    const spec = props?.spec ?? {};
    const tpl = spec.jobTemplate ? spec.jobTemplate.spec?.template : spec.template;
    return tpl?.metadata?.labels ?? {};
}

/** Every container, init containers included, with a label for messages. */
export function containersOf(pod: Props | undefined): { c: Container; label: string }[] {
    if (!pod) return [];
    return [
        ...((pod.initContainers ?? []) as Container[]).map((c) => ({
            c,
            label: `init container "${c.name ?? "?"}"`,
        })),
        ...((pod.containers ?? []) as Container[]).map((c) => ({
            c,
            label: `container "${c.name ?? "?"}"`,
        })),
    ];
}

export function selectorMatches(
    selector: Record<string, string> | undefined,
    labels: Record<string, string>,
): boolean {
    if (!selector || Object.keys(selector).length === 0) return false;
    return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function nameOf(props: Props): string | undefined {
    return props?.metadata?.name;
}
export function namespaceOf(props: Props): string | undefined {
    return props?.metadata?.namespace;
}

/** A weighted backend of a routing object in the graph (decoded by ./routes). */
export type RoutedBackend = Routed<PolicyResource>;

/** The backends that take live traffic on each routing object of the graph (./routes). */
export function routedBackends(resources: PolicyResource[]): RoutedBackend[] {
    return decodeRoutes(resources);
}

/** Whether the object is a routing object (HTTPRoute or Ingress). */
export function isRoute(r: { type: string }) {
    return r.type === TYPES.httpRoute || r.type === TYPES.ingress;
}

/** Deployments whose pods a Service selects. */
export function deploymentsBehind(
    service: PolicyResource,
    resources: PolicyResource[],
): PolicyResource[] {
    const selector = service.props.spec?.selector as Record<string, string> | undefined;
    const ns = namespaceOf(service.props);
    return resources.filter(
        (d) =>
            d.type === TYPES.deployment &&
            namespaceOf(d.props) === ns &&
            selectorMatches(selector, podLabelsOf(d.props)),
    );
}

export function serviceNamed(
    resources: PolicyResource[],
    name: string,
    namespace: string | undefined,
): PolicyResource | undefined {
    return resources.find(
        (s) =>
            s.type === TYPES.service &&
            nameOf(s.props) === name &&
            (namespace === undefined || namespaceOf(s.props) === namespace),
    );
}

/** Deployments behind any routing object, with the live weight they receive in total. */
export function routedDeployments(
    resources: PolicyResource[],
): { deployment: PolicyResource; weight: number }[] {
    const weights = new Map<PolicyResource, number>();
    for (const b of routedBackends(resources)) {
        const svc = serviceNamed(resources, b.service, b.namespace);
        if (!svc) continue;
        for (const d of deploymentsBehind(svc, resources)) {
            weights.set(d, (weights.get(d) ?? 0) + (Number(b.weight) || 0));
        }
    }
    return [...weights].map(([deployment, weight]) => ({ deployment, weight }));
}

/** Every resource `r` depends on, directly or through its dependencies. */
export function dependencyClosure(r: PolicyResource): Set<PolicyResource> {
    const seen = new Set<PolicyResource>();
    const stack = [...r.dependencies];
    while (stack.length > 0) {
        const d = stack.pop()!;
        if (seen.has(d)) continue;
        seen.add(d);
        stack.push(...d.dependencies);
    }
    return seen;
}

/** Major version of "15.4", "7.1", "16" or "7.x"; NaN when there is none. */
export function majorVersion(v: unknown): number {
    const m = /^(\d+)/.exec(String(v ?? ""));
    return m ? Number(m[1]) : NaN;
}

/** Reports against the resource (resource policies ignore the urn; stack policies use it). */
export type Report = ReportViolation;
export type Args = ResourceValidationArgs;

type Validation = (args: { getConfig<T extends object>(): T }, report: ReportViolation) => unknown;

/**
 * Wraps a policy so `getConfig()` always includes its schema defaults, whether or not the engine
 * filled them in, so a missing setting can never switch a check off.
 */
export function withSchemaDefaults<P extends Policy>(policy: P): P {
    const defaults: Record<string, unknown> = {};
    for (const [key, prop] of Object.entries(policy.configSchema?.properties ?? {})) {
        const d = (prop as { default?: unknown }).default;
        if (d !== undefined) defaults[key] = d;
    }
    if (Object.keys(defaults).length === 0) return policy;
    const wrap = <F extends Validation>(fn: F): F => {
        const wrapped = ((args: Parameters<F>[0], report: ReportViolation) =>
            fn(
                {
                    ...args,
                    getConfig: <T extends object>() =>
                        ({ ...structuredClone(defaults), ...args.getConfig<object>() }) as T,
                },
                report,
            )) as unknown as F;
        // Keep the type token validateResourceOfType attaches for the engine's fast filtering.
        (wrapped as unknown as { __pulumiType?: unknown }).__pulumiType = (
            fn as unknown as { __pulumiType?: unknown }
        ).__pulumiType;
        return wrapped;
    };
    const out = { ...policy } as Record<string, unknown>;
    const v = (policy as { validateResource?: Validation | Validation[] }).validateResource;
    if (v) out.validateResource = Array.isArray(v) ? v.map(wrap) : wrap(v);
    const s = (policy as { validateStack?: Validation }).validateStack;
    if (s) out.validateStack = wrap(s);
    return out as P;
}
