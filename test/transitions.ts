// Walks one `pulumi up` from a previous plan to the next in every order its dependency graph allows,
// and checks at every point that each colour has the replicas for the traffic its route sends it.
import { diffPlans } from "../scripts/lib/graphDiff";
import { resourceKey, type Plan, type PlannedResource } from "../scripts/lib/plan";
import { replicasForShare } from "../decisions/capacity";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const HTTPROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const SERVICE = "kubernetes:core/v1:Service";
const RELEVANT = new Set([DEPLOYMENT, HPA, HTTPROUTE, INGRESS, SERVICE]);

type Obj = Record<string, any>;
const meta = (r: PlannedResource): { name: string; namespace: string } =>
    (r.inputs as Obj).metadata;
const objectId = (r: PlannedResource) => `${meta(r).namespace}/${meta(r).name}`;

/** Percent of requests each Service (`namespace/name`) receives from routing objects. */
export function routedShares(resources: PlannedResource[]): Map<string, number> {
    const shares = new Map<string, number>();
    const add = (ns: string, service: string, pct: number) =>
        shares.set(`${ns}/${service}`, (shares.get(`${ns}/${service}`) ?? 0) + pct);
    const weighted = (ns: string, refs: { name: string; weight: number }[]) => {
        const total = refs.reduce((s, r) => s + r.weight, 0);
        for (const r of refs) add(ns, r.name, total > 0 ? (r.weight * 100) / total : 0);
    };
    const nginx = new Map<string, { primary?: string; canary?: { service: string; w: number } }>();
    for (const r of resources) {
        if (r.type !== HTTPROUTE && r.type !== INGRESS) continue;
        const m = r.inputs as Obj;
        const ns = m.metadata.namespace;
        if (r.type === HTTPROUTE) {
            // The rule without header matches carries the weights; header rules are previews.
            for (const rule of m.spec.rules) {
                if ((rule.matches ?? []).some((x: Obj) => x.headers?.length)) continue;
                weighted(ns, rule.backendRefs);
            }
        } else if (r.type === INGRESS && m.spec.ingressClassName === "alb") {
            const ann: Record<string, string> = m.metadata.annotations ?? {};
            for (const [key, value] of Object.entries(ann)) {
                const action = /^alb\.ingress\.kubernetes\.io\/actions\.(.+)$/.exec(key)?.[1];
                // Actions with conditions answer the preview header only.
                if (!action || ann[`alb.ingress.kubernetes.io/conditions.${action}`]) continue;
                const groups = JSON.parse(value).forwardConfig.targetGroups;
                weighted(
                    ns,
                    groups.map((g: Obj) => ({ name: g.serviceName, weight: g.weight })),
                );
            }
        } else if (r.type === INGRESS) {
            const ann: Record<string, string> = m.metadata.annotations ?? {};
            const rule = m.spec.rules[0];
            const path = rule.http.paths[0];
            const where = `${ns} ${rule.host}${path.path}`;
            const entry = nginx.get(where) ?? {};
            const service = path.backend.service.name;
            if (ann["nginx.ingress.kubernetes.io/canary"] === "true") {
                const w = Number(ann["nginx.ingress.kubernetes.io/canary-weight"]);
                const total = Number(ann["nginx.ingress.kubernetes.io/canary-weight-total"] ?? 100);
                entry.canary = { service, w: (w * 100) / total };
            } else entry.primary = service;
            nginx.set(where, entry);
        }
    }
    for (const [where, { primary, canary }] of nginx) {
        const ns = where.split(" ")[0];
        if (canary) add(ns, canary.service, canary.w);
        if (primary) add(ns, primary, 100 - (canary?.w ?? 0));
    }
    return shares;
}

/** Deployments (`namespace/name`) whose pods a Service selector picks. */
function selected(resources: PlannedResource[], ns: string, selector: Obj): string[] {
    return resources
        .filter((r) => r.type === DEPLOYMENT && meta(r).namespace === ns)
        .filter((d) => {
            const labels = (d.inputs as Obj).spec.template.metadata.labels ?? {};
            return Object.entries(selector).every(([k, v]) => labels[k] === v);
        })
        .map(objectId);
}

/**
 * Percent of its workload's traffic each Deployment serves: L7 routing objects' weights through
 * their Services' selectors, and all of it for the colour a tcp load balancer selects (L4).
 */
export function deploymentShares(resources: PlannedResource[]): Map<string, number> {
    const out = new Map<string, number>();
    const add = (ids: string[], pct: number) => {
        for (const id of ids) out.set(id, (out.get(id) ?? 0) + pct / ids.length);
    };
    const services = new Map(
        resources.filter((r) => r.type === SERVICE).map((r) => [objectId(r), r.inputs as Obj]),
    );
    for (const [id, pct] of routedShares(resources)) {
        const svc = services.get(id);
        add(svc ? selected(resources, svc.metadata.namespace, svc.spec.selector) : [id], pct);
    }
    for (const svc of services.values()) {
        if (svc.spec?.type !== "LoadBalancer") continue;
        add(selected(resources, svc.metadata.namespace, svc.spec.selector), 100);
    }
    return out;
}

/** Replicas a Deployment is sure to keep: its spec, or its HPA floor if that is lower. */
function guaranteed(resources: PlannedResource[]): Map<string, number> {
    const out = new Map<string, number>();
    for (const d of resources.filter((r) => r.type === DEPLOYMENT)) {
        out.set(objectId(d), (d.inputs as Obj).spec.replicas);
    }
    for (const h of resources.filter((r) => r.type === HPA)) {
        const spec = (h.inputs as Obj).spec;
        const id = `${meta(h).namespace}/${spec.scaleTargetRef.name}`;
        if (out.has(id)) out.set(id, Math.min(out.get(id)!, spec.minReplicas));
    }
    return out;
}

export interface Shortfall {
    /** The updates applied so far, in an order the graph allows. */
    applied: string[];
    /** The Deployment, `namespace/name`. */
    service: string;
    weight: number;
    replicas: number;
    needed: number;
}

/** Keys of `keys` that `key` waits for, transitively through anything in the plan. */
function waitsFor(plan: Plan, keys: Set<string>): Map<string, Set<string>> {
    const direct = new Map(plan.resources.map((r) => [resourceKey(r), r.options.dependsOn]));
    const out = new Map<string, Set<string>>();
    for (const key of keys) {
        const seen = new Set<string>();
        const stack = [...(direct.get(key) ?? [])];
        while (stack.length > 0) {
            const k = stack.pop()!;
            if (seen.has(k)) continue;
            seen.add(k);
            if (k === key) throw new Error(`dependency cycle through ${key}`);
            stack.push(...(direct.get(k) ?? []));
        }
        out.set(key, new Set([...seen].filter((k) => keys.has(k))));
    }
    return out;
}

/**
 * Every state the cluster passes through while `pulumi up` takes `prev` to `next`: each set of
 * updates closed under the next plan's dependencies (Pulumi runs independent steps in parallel, so
 * any of them can happen), then deletions last. Returns each point where a routed Service has
 * fewer replicas than ceil(baseline × weight / 100).
 */
export function walkTransition(
    prev: Plan,
    next: Plan,
    baseline: (deploymentId: string) => number,
): Shortfall[] {
    const diff = diffPlans(prev, next);
    // Only these carry capacity or traffic; other updates (a CronJob's suspend) cannot matter.
    const relevant = (k: string) => RELEVANT.has(k.split("::")[0]);
    const updates = [...diff.created, ...diff.changed.map((c) => c.key)].filter(relevant).sort();
    const deps = waitsFor(next, new Set(updates));
    // Dependencies first, so each update is decided after everything it waits for.
    const order = [...updates].sort((a, b) => deps.get(a)!.size - deps.get(b)!.size);
    const keep = (r: PlannedResource) => RELEVANT.has(r.type);
    const before = new Map(prev.resources.filter(keep).map((r) => [resourceKey(r), r]));
    const after = new Map(next.resources.filter(keep).map((r) => [resourceKey(r), r]));
    const shortfalls: Shortfall[] = [];
    const check = (applied: string[], resources: PlannedResource[]) => {
        const replicas = guaranteed(resources);
        for (const [service, weight] of deploymentShares(resources)) {
            const needed = replicasForShare(baseline(service), Math.ceil(weight));
            const have = replicas.get(service) ?? 0;
            if (have < needed)
                shortfalls.push({ applied, service, weight, replicas: have, needed });
        }
    };
    // Every set of updates closed under dependencies (a down-set), each exactly once.
    let states = 0;
    const visit = (i: number, done: string[]) => {
        if (i === order.length) {
            if (++states > 100_000)
                throw new Error(`too many states to walk: ${updates.length} updates`);
            const state = new Map(before);
            for (const k of done) state.set(k, after.get(k)!);
            check(done, [...state.values()]);
            return;
        }
        visit(i + 1, done);
        const k = order[i];
        if ([...deps.get(k)!].every((d) => done.includes(d))) visit(i + 1, [...done, k]);
    };
    visit(0, []);
    check([...updates, "(deletions)"], next.resources.filter(keep));
    return shortfalls;
}

export function describeShortfall(s: Shortfall): string {
    const steps = s.applied.map((k) => k.split("::")[1]).join(", ") || "nothing yet";
    return `${s.service} serves ${s.weight} % with ${s.replicas} replicas (needs ${s.needed}) after: ${steps}`;
}
