// Every metric a plan's rules, dashboard and queries read must be in the catalogue, and its source
// must be deployed by that plan or be a documented prerequisite. PromQL is parsed with Prometheus'
// own grammar (@prometheus-io/lezer-promql), so names inside functions, aggregations and binary
// operations are all found, and an unparsable expression is a finding too.
import * as fs from "fs";
import * as path from "path";
import { parser } from "@prometheus-io/lezer-promql";
import {
    METRIC_SOURCES,
    catalogueByName,
    type MetricOverrides,
    type MetricSourceId,
} from "../../decisions/metricsCatalogue";
import type { StackConfig } from "../../config";
import { analysisChecks } from "../../decisions/analysis";
import { preflightChecks } from "../../decisions/preflight";
import { analysisInputFor } from "./analysis";
import { REPO_ROOT, type Plan, type PlannedResource } from "./plan";

/** Metric names an expression selects (recording-rule names included), or a parse error. */
export function metricNamesIn(expr: string): { names: string[]; error?: string } {
    const tree = parser.parse(expr);
    const names = new Set<string>();
    let error: string | undefined;
    const cursor = tree.cursor();
    do {
        const node = cursor.node;
        if (node.type.isError && error === undefined) {
            const near = expr.slice(node.from, node.from + 30);
            error = `cannot parse at offset ${node.from} (${near ? `near ${JSON.stringify(near)}` : "at the end"})`;
        }
        if (node.name === "VectorSelector") {
            const id = node.getChild("Identifier");
            if (id) names.add(expr.slice(id.from, id.to));
            // {__name__="x"} selects by name too.
            for (const m of expr
                .slice(node.from, node.to)
                .matchAll(/__name__\s*=\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"/g)) {
                names.add(m[1]);
            }
        }
    } while (cursor.next());
    return { names: [...names].sort(), error };
}

/** One expression the plan would make Prometheus or Grafana evaluate, and where it came from. */
export interface PlannedQuery {
    readonly where: string;
    readonly expr: string;
}

/** Plan inputs as loosely typed JSON (manifests and custom resources alike). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const labelsOf = (r: PlannedResource) =>
    ((r.inputs as { metadata?: { labels?: Record<string, string> } }).metadata?.labels ??
        {}) as Record<string, string>;

/** The rules (alerting and recording) and dashboard queries in a plan, and the names recorded. */
export function plannedQueries(plan: Plan): { queries: PlannedQuery[]; recorded: Set<string> } {
    const queries: PlannedQuery[] = [];
    const recorded = new Set<string>();
    for (const r of plan.resources) {
        const inputs = r.inputs as Json;
        if (r.custom && inputs.kind === "PrometheusRule") {
            for (const g of inputs.spec?.groups ?? []) {
                for (const rule of g.rules ?? []) {
                    if (rule.record) recorded.add(rule.record);
                    const what = rule.alert ? `alert ${rule.alert}` : `record ${rule.record}`;
                    queries.push({ where: `${g.name}: ${what}`, expr: rule.expr });
                }
            }
        }
        if (labelsOf(r).grafana_dashboard === "1") {
            for (const json of Object.values(inputs.data ?? {})) {
                const dash = JSON.parse(json as string);
                for (const p of dash.panels ?? []) {
                    for (const t of p.targets ?? []) {
                        queries.push({ where: `dashboard "${p.title}"`, expr: t.expr });
                    }
                }
            }
        }
    }
    return { queries, recorded };
}

/** The queries `npm run analyze` and the capacity preflight send for a stack. */
export function releaseQueries(cfg: StackConfig): PlannedQuery[] {
    if (!cfg.monitoring) return [];
    const input = analysisInputFor(cfg);
    const analysis = analysisChecks(input).flatMap((c) => [
        { where: `analyze "${c.name}" (canary)`, expr: c.canaryQuery },
        ...(c.stableQuery ? [{ where: `analyze "${c.name}" (stable)`, expr: c.stableQuery }] : []),
    ]);
    const preflight = preflightChecks(cfg).flatMap((c) =>
        Object.entries(c.queries).map(([role, expr]) => ({
            where: `preflight "${c.name}" (${role})`,
            expr,
        })),
    );
    return [...analysis, ...preflight];
}

/** Sources the docs list as prerequisites: rows of docs/metrics.md's prerequisites table. */
export function documentedPrerequisites(
    file = path.join(REPO_ROOT, "docs", "metrics.md"),
): Set<string> {
    const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    const section = text.split(/^## /m).find((s) => s.startsWith("Prerequisites")) ?? "";
    const out = new Set<string>();
    // | `kube-state-metrics` | version … | — a row must name a version to count.
    for (const m of section.matchAll(/^\|\s*`([a-z-]+)`\s*\|([^|]*\d+\.\d+[^|]*)\|/gm)) {
        out.add(m[1]);
    }
    return out;
}

/** True when the plan deploys pods of the component and a ServiceMonitor scrapes its Service. */
export function planDeploys(plan: Plan, component: string): boolean {
    const named = (r: PlannedResource) => labelsOf(r)["app.kubernetes.io/name"] === component;
    const deployment = plan.resources.some(
        (r) => r.type === "kubernetes:apps/v1:Deployment" && named(r),
    );
    const monitor = plan.resources.some((r) => {
        const inputs = r.inputs as Json;
        return (
            r.custom &&
            inputs.kind === "ServiceMonitor" &&
            inputs.spec?.selector?.matchLabels?.["app.kubernetes.io/name"] === component
        );
    });
    return deployment && monitor;
}

export interface DriftInput {
    readonly plan: Plan;
    /** The app's name: the app source is deployed when its pods and ServiceMonitor are. */
    readonly appName: string;
    readonly overrides?: MetricOverrides;
    /** App metrics the stack declares beyond the catalogue's (e.g. for its extra alerts). */
    readonly appMetrics?: readonly string[];
    /** Extra queries (e.g. `analyze`'s), checked like the plan's own. */
    readonly extraQueries?: readonly PlannedQuery[];
    readonly prerequisites?: ReadonlySet<string>;
}

/** Every problem with the metrics a plan reads; empty when each has a deployed or documented source. */
export function metricSourceProblems(input: DriftInput): string[] {
    const { queries, recorded } = plannedQueries(input.plan);
    const catalogue = catalogueByName(input.overrides);
    const appMetrics = new Set(input.appMetrics ?? []);
    const prerequisites = input.prerequisites ?? documentedPrerequisites();
    const deployed = (source: MetricSourceId) => {
        const s = METRIC_SOURCES[source];
        if (s.deployedBy === "prerequisite") return prerequisites.has(source);
        return planDeploys(input.plan, s.component ?? input.appName);
    };
    const problems: string[] = [];
    for (const q of [...queries, ...(input.extraQueries ?? [])]) {
        const { names, error } = metricNamesIn(q.expr);
        if (error) problems.push(`${q.where}: ${error}`);
        for (const name of names) {
            if (recorded.has(name)) continue;
            const source = appMetrics.has(name) ? "app" : catalogue.get(name)?.source;
            if (!source) {
                problems.push(`${q.where} reads ${name}, which is not in the metrics catalogue`);
            } else if (!deployed(source)) {
                const how =
                    METRIC_SOURCES[source].deployedBy === "plan"
                        ? "the plan deploys no such exporter with a ServiceMonitor"
                        : "docs/metrics.md does not list it as a prerequisite with a version";
                problems.push(
                    `${q.where} reads ${name} from ${METRIC_SOURCES[source].title}, but ${how}`,
                );
            }
        }
    }
    return [...new Set(problems)];
}
