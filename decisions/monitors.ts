// Pure: the Prometheus Operator objects of one app's alerting (its PrometheusRule, a ServiceMonitor
// per web workload and exporter, a PodMonitor per worker) and the ConfigMap that carries the release
// dashboard to Grafana. The Alerting component wraps these in resources.
import type { MonitoringConfig } from "../config/monitoring";
import { alertingRules, type RuleGroup } from "./alertRules";
import type { Dashboard } from "./dashboard";

export const MONITORING_API_VERSION = "monitoring.coreos.com/v1";

/** A rule group beyond the catalogue (e.g. backup staleness), as given. */
export interface ExtraRuleGroup {
    readonly name: string;
    readonly rules: readonly object[];
}

/** A workload scraped on its own path (a further web workload, or a worker). */
export interface ScrapedWorkload {
    readonly name: string;
    readonly metricsPath: string;
}

/** The Prometheus Operator picks rules and monitors up by these labels (kube-prometheus-stack: release). */
export function operatorLabels(m: Pick<MonitoringConfig, "selectorLabels">, appName: string) {
    return {
        ...m.selectorLabels,
        "app.kubernetes.io/part-of": appName,
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

/** Alerting rules in the catalogue's groups and in the extra ones (recording rules not counted). */
export function alertCount(groups: readonly RuleGroup[], extra: readonly ExtraRuleGroup[]) {
    const extraAlerts = extra.flatMap((g) => g.rules).filter((rule) => "alert" in rule);
    return alertingRules(groups).length + extraAlerts.length;
}

export function prometheusRuleObject<N>(
    appName: string,
    namespace: N,
    labels: Record<string, string>,
    groups: readonly (RuleGroup | ExtraRuleGroup)[],
) {
    return {
        apiVersion: MONITORING_API_VERSION,
        kind: "PrometheusRule",
        metadata: { name: `${appName}-alerts`, namespace, labels },
        spec: { groups: [...groups] },
    };
}

/** One ServiceMonitor: the resource role, the Service it selects, its endpoint and pod labels kept. */
export interface ServiceScrape {
    readonly role: string;
    readonly service: string;
    readonly endpoint: { readonly port: string; readonly path: string };
    readonly podTargetLabels: readonly string[];
}

export interface ServiceScrapesInput {
    /** The web workload the rules are named after: its Service is `appName`. */
    readonly appName: string;
    /** Its metrics path; default "/metrics". */
    readonly metricsPath?: string;
    /** The other web workloads; default none. */
    readonly workloads?: readonly ScrapedWorkload[];
    /** Exporter Services (`app.kubernetes.io/name`, port `metrics`); default none. */
    readonly exporters?: readonly string[];
}

/** The ServiceMonitors of an app: its web workloads, then the data tier's exporters. */
export function serviceScrapes(i: ServiceScrapesInput): ServiceScrape[] {
    // Pod labels copied onto every series: the per-colour signals of AL-13.
    const web = (role: string, service: string, path: string): ServiceScrape => ({
        role,
        service,
        endpoint: { port: "http", path },
        podTargetLabels: ["color", "version"],
    });
    return [
        web("app", i.appName, i.metricsPath ?? "/metrics"),
        ...(i.workloads ?? []).map((w) => web(w.name, w.name, w.metricsPath)),
        // The exporters label their pods role=primary|replica (decisions/metricsExporters.ts).
        ...(i.exporters ?? []).map((svc) => ({
            role: svc,
            service: svc,
            endpoint: { port: "metrics", path: "/metrics" },
            podTargetLabels: ["role"],
        })),
    ];
}

/** Where monitors live and what they watch: the app's namespace, at the configured interval. */
export interface MonitorPlacement<N> {
    /** Namespace of the monitor (the Namespace resource's output). */
    readonly namespace: N;
    /** Namespace of the scraped Services and pods. */
    readonly watchNamespace: string;
    readonly labels: Record<string, string>;
    readonly scrapeInterval: string;
}

export function serviceMonitorObject<N>(s: ServiceScrape, at: MonitorPlacement<N>) {
    return {
        apiVersion: MONITORING_API_VERSION,
        kind: "ServiceMonitor",
        metadata: { name: s.service, namespace: at.namespace, labels: at.labels },
        spec: {
            // job = the Service's app name, so both colours share job="<app>".
            jobLabel: "app.kubernetes.io/name",
            selector: { matchLabels: { "app.kubernetes.io/name": s.service } },
            namespaceSelector: { matchNames: [at.watchNamespace] },
            endpoints: [{ interval: at.scrapeInterval, scheme: "http", ...s.endpoint }],
            podTargetLabels: [...s.podTargetLabels],
        },
    };
}

/** A worker has no Service: its pods are scraped on their `http` port, with the same labels. */
export function podMonitorObject<N>(w: ScrapedWorkload, at: MonitorPlacement<N>) {
    return {
        apiVersion: MONITORING_API_VERSION,
        kind: "PodMonitor",
        metadata: { name: w.name, namespace: at.namespace, labels: at.labels },
        spec: {
            jobLabel: "app.kubernetes.io/name",
            selector: { matchLabels: { "app.kubernetes.io/name": w.name } },
            namespaceSelector: { matchNames: [at.watchNamespace] },
            podTargetLabels: ["color", "version"],
            podMetricsEndpoints: [
                { port: "http", path: w.metricsPath, interval: at.scrapeInterval, scheme: "http" },
            ],
        },
    };
}

/** The dashboard as the kube-prometheus-stack Grafana sidecar loads it (label grafana_dashboard). */
export function dashboardConfigMap<N>(
    appName: string,
    namespace: N,
    labels: Record<string, string>,
    dashboard: Dashboard,
) {
    return {
        metadata: {
            name: `${appName}-release-dashboard`,
            namespace,
            labels: { ...labels, grafana_dashboard: "1" },
        },
        data: { [`${appName}-release.json`]: JSON.stringify(dashboard, null, 2) },
    };
}
