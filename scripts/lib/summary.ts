// Human-readable plan summary, read off the planned graph (not the config) so it shows what
// would really be deployed.
import { previewRoutes, ROUTE_TYPES, routedBackends } from "../../policies/routes";
import type { Plan, PlannedResource } from "./plan";

type Obj = Record<string, unknown>;
const get = (o: unknown, ...keys: string[]): unknown =>
    keys.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Obj)[k] : undefined), o);

function byKind(plan: Plan, kind: string): PlannedResource[] {
    return plan.resources.filter((r) => r.custom && get(r.inputs, "kind") === kind);
}

/** Each routing object with the weights it carries and its preview matches (policies/routes.ts). */
function describeRoutes(plan: Plan): string[] {
    const routes = plan.resources
        .filter((r) => r.custom && Object.values(ROUTE_TYPES).some((t) => t === r.type))
        .map((r) => ({ type: r.type, props: r.inputs }));
    const live = routedBackends(routes);
    const previews = previewRoutes(routes);
    const lines: string[] = [];
    for (const route of routes) {
        const hosts =
            (get(route.props, "spec", "hostnames") as string[] | undefined) ??
            ((get(route.props, "spec", "rules") as Obj[] | undefined) ?? []).map((r) => r.host);
        lines.push(
            `  ${String(get(route.props, "kind"))} ${String(get(route.props, "metadata", "name"))} (${hosts.join(", ")})`,
        );
        const weighted = live.filter((b) => b.route === route);
        if (weighted.length > 0) {
            const kind = weighted[0].kind;
            const label = kind === "alb" ? "ALB forward" : (kind ?? "default");
            lines.push(
                `    ${label} → ${weighted.map((b) => `${b.service} ${b.weight}`).join(", ")}`,
            );
        }
        for (const p of previews.filter((x) => x.route === route)) {
            lines.push(`    preview ${p.header}: ${p.values.join(",")} → ${p.services.join(", ")}`);
        }
    }
    return lines;
}

/** Whether pods may write, and to which database: the restore flow's state, said plainly. */
export function describeWrites(outputs: Record<string, unknown>): string[] {
    const w = outputs.writes as
        { mode: string; database: string | null; restoredFrom: string | null } | undefined;
    if (!w || (w.mode !== "stopped" && !w.restoredFrom)) return [];
    const lines = ["", "Data:"];
    if (w.mode === "stopped") {
        lines.push(
            "  NOTICE writes stopped (release:data.writes): every workload colour runs 0 pods and every CronJob is suspended; routes answer 503 until writes resume",
        );
    }
    if (w.restoredFrom) {
        const when =
            w.mode === "stopped"
                ? "it starts only after every workload is at 0 pods, and writes stay stopped after it"
                : "writes serve from it (release:data.servingFrom names it)";
        lines.push(
            `  DANGER restore: the app's database is ${w.database}, restored from ${w.restoredFrom}; the original instance stays, protected and unchanged; ${when}`,
        );
    }
    return lines;
}

export function renderSummary(plan: Plan, file: string): string {
    const out: string[] = [];
    out.push(`Plan for stack ${plan.stack} (${file}): ${plan.resources.length} resources`);
    const weights = (plan.outputs.trafficWeights ?? {}) as Record<string, number>;
    const stable = plan.outputs.stableColor as string | undefined;
    const colors = (plan.outputs.colorsDeployed ?? {}) as Record<string, Obj>;
    out.push("");
    out.push(
        "Traffic: " +
            Object.entries(weights)
                .map(([c, w]) => `${c} ${w} %${c === stable ? " (stable)" : " (canary)"}`)
                .join(" · "),
    );
    out.push("");
    out.push("Colours (per workload):");
    for (const dep of byKind(plan, "Deployment")) {
        const color = get(dep.inputs, "metadata", "labels", "color") as string | undefined;
        if (!color) continue;
        const name = get(dep.inputs, "metadata", "name");
        const workload =
            get(dep.inputs, "metadata", "labels", "app.kubernetes.io/component") ?? "?";
        const image = get(dep.inputs, "spec", "template", "spec", "containers", "0", "image");
        const replicas = get(dep.inputs, "spec", "replicas");
        const hpa = byKind(plan, "HorizontalPodAutoscaler").find(
            (h) => get(h.inputs, "spec", "scaleTargetRef", "name") === name,
        );
        const bounds = hpa
            ? `HPA ${get(hpa.inputs, "spec", "minReplicas")}–${get(hpa.inputs, "spec", "maxReplicas")}`
            : "no HPA (scaled down)";
        const version = get(colors[color], "version") ?? "?";
        // A tcp workload is not weighted: the stable colour carries all of it.
        const kind = get(colors[color], "workloads", String(workload), "kind");
        const share = kind === "tcp" ? (color === stable ? 100 : 0) : (weights[color] ?? 0);
        out.push(
            `  ${color.padEnd(6)} ${String(share).padStart(3)} %  ${String(workload).padEnd(10)} ${String(image)}  (version ${version})  replicas ${replicas}  ${bounds}`,
        );
    }
    for (const cron of byKind(plan, "CronJob")) {
        const color = get(cron.inputs, "metadata", "labels", "color");
        const suspended = get(cron.inputs, "spec", "suspend") === true;
        const why = color === stable ? "writes stopped" : "not the stable colour";
        out.push(
            `  ${String(color).padEnd(6)} cron   ${String(get(cron.inputs, "metadata", "name"))} "${String(get(cron.inputs, "spec", "schedule"))}" ${suspended ? `suspended (${why})` : "runs (stable colour)"}`,
        );
    }
    out.push(...describeWrites(plan.outputs));
    const lbs = byKind(plan, "Service").filter(
        (s) => get(s.inputs, "spec", "type") === "LoadBalancer",
    );
    if (lbs.length > 0) {
        out.push("");
        out.push(
            "TCP load balancers (L4 is not weighted: each follows the stable colour and switches at promotion or rollback):",
        );
        for (const lb of lbs) {
            const port = get(lb.inputs, "spec", "ports", "0", "port");
            out.push(
                `  Service ${String(get(lb.inputs, "metadata", "name"))} :${String(port)} → ${String(get(lb.inputs, "spec", "selector", "color"))}`,
            );
        }
    }
    out.push("");
    out.push(`Routes (preview header ${plan.outputs.previewHeader ?? "?"}):`);
    out.push(...describeRoutes(plan));
    out.push("");
    out.push("Resources by type:");
    const counts = new Map<string, number>();
    for (const r of plan.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    for (const [type, n] of [...counts].sort((a, b) => a[0].localeCompare(b[0]))) {
        out.push(`  ${String(n).padStart(3)}  ${type}`);
    }
    return out.join("\n");
}
