import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    alertingRules,
    buildRuleGroups,
    type AlertRulesInput,
    type RuleGroup,
} from "../../decisions/alertRules";
import { buildDashboard } from "../../decisions/dashboard";

export interface AlertingArgs {
    /** App, colours and `release:monitoring` the rules, monitors and dashboard are built from (no default). */
    readonly rules: AlertRulesInput;
    /** Rule groups beyond the catalogue (e.g. backup staleness), appended as given; default none. */
    readonly extraGroups?: readonly { readonly name: string; readonly rules: readonly object[] }[];
    /** Namespace of the rule, monitors and (by default) dashboard; pass the Namespace's output (no default). */
    readonly namespace: pulumi.Input<string>;
    /** Path the app serves Prometheus metrics on; default "/metrics". */
    readonly metricsPath?: string;
    /**
     * `app.kubernetes.io/name` values of exporter Services (port `metrics`) in the namespace to
     * scrape, e.g. postgres-exporter, redis-exporter; default none.
     */
    readonly exporters?: readonly string[];
    /**
     * Further HTTP workloads of the release to scrape (their Services' `app.kubernetes.io/name` and
     * metrics path), each with its own ServiceMonitor; `rules.webJobs` decides what the rules
     * watch. Default none.
     */
    readonly workloads?: readonly { readonly name: string; readonly metricsPath: string }[];
    /**
     * Worker workloads (no Service) whose pods to scrape on their `http` port, each through its
     * own PodMonitor; default none.
     */
    readonly workers?: readonly { readonly name: string; readonly metricsPath: string }[];
}

/**
 * Alerting and observability for one app: a PrometheusRule with the AL-01 … AL-14 catalogue, a
 * ServiceMonitor per web workload and a PodMonitor per worker that carry each pod's `color` and
 * `version` onto its series, ServiceMonitors for the data-tier exporters, and a Grafana dashboard
 * ConfigMap for the kube-prometheus-stack sidecar.
 */
export class Alerting extends pulumi.ComponentResource {
    public readonly rule: k8s.apiextensions.CustomResource;
    public readonly monitors: k8s.apiextensions.CustomResource[];
    /** One PodMonitor per worker workload. */
    public readonly podMonitors: k8s.apiextensions.CustomResource[];
    public readonly dashboard: k8s.core.v1.ConfigMap;
    /** The rule groups in the PrometheusRule; the offline plan writes the same to prometheus-rules.yaml. */
    public readonly ruleGroups: RuleGroup[];
    /** Number of alerting rules (recording rules excluded). */
    public readonly alertCount: number;

    constructor(name: string, args: AlertingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:monitoring:Alerting", name, {}, opts);
        const r = args.rules;
        const cfg = r.monitoring;
        // The Prometheus Operator picks rules and monitors up by these labels (kube-prometheus-stack: release).
        const labels = {
            ...cfg.selectorLabels,
            "app.kubernetes.io/part-of": r.appName,
            "app.kubernetes.io/managed-by": "pulumi",
        };

        this.ruleGroups = buildRuleGroups(r);
        const extraGroups = args.extraGroups ?? [];
        this.alertCount =
            alertingRules(this.ruleGroups).length +
            extraGroups.flatMap((g) => g.rules).filter((rule) => "alert" in rule).length;
        this.rule = new k8s.apiextensions.CustomResource(
            `${name}-rules`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name: `${r.appName}-alerts`, namespace: args.namespace, labels },
                spec: { groups: [...this.ruleGroups, ...extraGroups] },
            },
            { parent: this },
        );

        const monitor = (
            role: string,
            serviceName: string,
            endpoint: Record<string, unknown>,
            extra: Record<string, unknown> = {},
        ) =>
            new k8s.apiextensions.CustomResource(
                `${name}-${role}-monitor`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "ServiceMonitor",
                    metadata: { name: serviceName, namespace: args.namespace, labels },
                    spec: {
                        // job = the Service's app name, so both colours share job="<app>".
                        jobLabel: "app.kubernetes.io/name",
                        selector: { matchLabels: { "app.kubernetes.io/name": serviceName } },
                        namespaceSelector: { matchNames: [r.namespace] },
                        endpoints: [{ interval: cfg.scrapeInterval, scheme: "http", ...endpoint }],
                        ...extra,
                    },
                },
                { parent: this },
            );
        this.monitors = [
            // Pod labels copied onto every series: the per-colour signals of AL-13.
            monitor(
                "app",
                r.appName,
                { port: "http", path: args.metricsPath ?? "/metrics" },
                { podTargetLabels: ["color", "version"] },
            ),
            ...(args.workloads ?? []).map((w) =>
                monitor(
                    w.name,
                    w.name,
                    { port: "http", path: w.metricsPath },
                    { podTargetLabels: ["color", "version"] },
                ),
            ),
            ...(args.exporters ?? []).map((svc) =>
                // The exporters label their pods role=primary|replica (components/monitoring/metricsExporters.ts).
                monitor(
                    svc,
                    svc,
                    { port: "metrics", path: "/metrics" },
                    { podTargetLabels: ["role"] },
                ),
            ),
        ];

        // Same job and colour labels as the ServiceMonitors, so worker series read like the rest.
        this.podMonitors = (args.workers ?? []).map(
            (w) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-${w.name}-pod-monitor`,
                    {
                        apiVersion: "monitoring.coreos.com/v1",
                        kind: "PodMonitor",
                        metadata: { name: w.name, namespace: args.namespace, labels },
                        spec: {
                            jobLabel: "app.kubernetes.io/name",
                            selector: { matchLabels: { "app.kubernetes.io/name": w.name } },
                            namespaceSelector: { matchNames: [r.namespace] },
                            podTargetLabels: ["color", "version"],
                            podMetricsEndpoints: [
                                {
                                    port: "http",
                                    path: w.metricsPath,
                                    interval: cfg.scrapeInterval,
                                    scheme: "http",
                                },
                            ],
                        },
                    },
                    { parent: this },
                ),
        );

        const dashboard = buildDashboard(r);
        this.dashboard = new k8s.core.v1.ConfigMap(
            `${name}-dashboard`,
            {
                metadata: {
                    name: `${r.appName}-release-dashboard`,
                    namespace: cfg.dashboardNamespace ?? args.namespace,
                    // The kube-prometheus-stack Grafana sidecar loads ConfigMaps with this label.
                    labels: { ...labels, grafana_dashboard: "1" },
                },
                data: { [`${r.appName}-release.json`]: JSON.stringify(dashboard, null, 2) },
            },
            { parent: this },
        );

        this.registerOutputs({
            ruleName: this.rule.metadata.name,
            alertCount: this.alertCount,
            dashboardUid: dashboard.uid,
        });
    }
}
