import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { buildRuleGroups, type AlertRulesInput, type RuleGroup } from "../../decisions/alertRules";
import { buildDashboard } from "../../decisions/dashboard";
import {
    alertCount,
    dashboardConfigMap,
    operatorLabels,
    podMonitorObject,
    prometheusRuleObject,
    serviceMonitorObject,
    serviceScrapes,
    type ExtraRuleGroup,
    type ScrapedWorkload,
} from "../../decisions/monitors";

export interface AlertingArgs {
    /** App, colours and `release:monitoring` the rules, monitors and dashboard are built from (no default). */
    readonly rules: AlertRulesInput;
    /** Rule groups beyond the catalogue (e.g. backup staleness), appended as given; default none. */
    readonly extraGroups?: readonly ExtraRuleGroup[];
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
    readonly workloads?: readonly ScrapedWorkload[];
    /**
     * Worker workloads (no Service) whose pods to scrape on their `http` port, each through its
     * own PodMonitor; default none.
     */
    readonly workers?: readonly ScrapedWorkload[];
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
        const labels = operatorLabels(cfg, r.appName);
        const at = {
            namespace: args.namespace,
            watchNamespace: r.namespace,
            labels,
            scrapeInterval: cfg.scrapeInterval,
        };

        this.ruleGroups = buildRuleGroups(r);
        const extraGroups = args.extraGroups ?? [];
        this.alertCount = alertCount(this.ruleGroups, extraGroups);
        this.rule = new k8s.apiextensions.CustomResource(
            `${name}-rules`,
            prometheusRuleObject(r.appName, args.namespace, labels, [
                ...this.ruleGroups,
                ...extraGroups,
            ]),
            { parent: this },
        );
        this.monitors = serviceScrapes({ ...args, appName: r.appName }).map(
            (s) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-${s.role}-monitor`,
                    serviceMonitorObject(s, at),
                    { parent: this },
                ),
        );
        this.podMonitors = (args.workers ?? []).map(
            (w) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-${w.name}-pod-monitor`,
                    podMonitorObject(w, at),
                    { parent: this },
                ),
        );

        const dashboard = buildDashboard(r);
        this.dashboard = new k8s.core.v1.ConfigMap(
            `${name}-dashboard`,
            dashboardConfigMap(
                r.appName,
                cfg.dashboardNamespace ?? args.namespace,
                labels,
                dashboard,
            ),
            { parent: this },
        );

        this.registerOutputs({
            ruleName: this.rule.metadata.name,
            alertCount: this.alertCount,
            dashboardUid: dashboard.uid,
        });
    }
}
