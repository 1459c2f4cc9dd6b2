// The alerting component's objects, called directly: the PrometheusRule, a ServiceMonitor per web
// workload and exporter (with the pod labels each keeps), a PodMonitor per worker, the dashboard's
// ConfigMap, all under the labels the Prometheus Operator selects by.
import * as assert from "assert";
import { monitoringSchema } from "../config/monitoring";
import type { RuleGroup } from "../decisions/alertRules";
import { buildDashboard } from "../decisions/dashboard";
import {
    alertCount,
    dashboardConfigMap,
    MONITORING_API_VERSION,
    operatorLabels,
    podMonitorObject,
    prometheusRuleObject,
    serviceMonitorObject,
    serviceScrapes,
} from "../decisions/monitors";

const monitoring = monitoringSchema.parse({
    team: "shop",
    runbookBaseUrl: "https://runbooks.example.com/",
})!;
const labels = {
    release: "kube-prometheus-stack",
    "app.kubernetes.io/part-of": "shop-api",
    "app.kubernetes.io/managed-by": "pulumi",
};
const at = { namespace: "shop", watchNamespace: "shop-ns", labels, scrapeInterval: "15s" };

describe("monitoring objects: rules", () => {
    it("labels every object for the operator's selector and as part of the app", () => {
        assert.deepStrictEqual(operatorLabels(monitoring, "shop-api"), labels);
        assert.deepStrictEqual(
            operatorLabels({ selectorLabels: { prometheus: "main", team: "shop" } }, "shop-api"),
            {
                prometheus: "main",
                team: "shop",
                "app.kubernetes.io/part-of": "shop-api",
                "app.kubernetes.io/managed-by": "pulumi",
            },
        );
    });

    it("puts the catalogue's groups, then the extra ones, in the app's PrometheusRule", () => {
        const groups = [{ name: "shop-api.http", rules: [] }];
        const extra = [{ name: "backups", rules: [{ alert: "DatabaseBackupStale" }] }];
        assert.deepStrictEqual(
            prometheusRuleObject("shop-api", "shop", labels, [...groups, ...extra]),
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: { name: "shop-api-alerts", namespace: "shop", labels },
                spec: { groups: [...groups, ...extra] },
            },
        );
        assert.strictEqual(MONITORING_API_VERSION, "monitoring.coreos.com/v1");
    });

    it("counts alerting rules in both the catalogue's and the extra groups, not recording rules", () => {
        const alert = (name: string) => ({
            alert: name,
            expr: "vector(1)",
            for: "5m",
            labels: { severity: "warning" as const, team: "shop" },
            annotations: { summary: "s", description: "d", runbook_url: "https://r/" },
        });
        const groups: RuleGroup[] = [
            { name: "a", rules: [alert("A"), { record: "r:x", expr: "vector(1)" }] },
            { name: "b", rules: [alert("B"), alert("C")] },
        ];
        const extra = [{ name: "x", rules: [{ alert: "D" }, { record: "r:y" }] }];
        assert.strictEqual(alertCount(groups, []), 3);
        assert.strictEqual(alertCount(groups, extra), 4);
        assert.strictEqual(alertCount([], extra), 1);
    });
});

describe("monitoring objects: scrapes", () => {
    it("scrapes the app, each further web workload and each exporter, in that order", () => {
        assert.deepStrictEqual(
            serviceScrapes({
                appName: "shop-api",
                metricsPath: "/internal/metrics",
                workloads: [{ name: "shop-admin", metricsPath: "/admin/metrics" }],
                exporters: ["postgres-exporter", "redis-exporter"],
            }),
            [
                {
                    role: "app",
                    service: "shop-api",
                    endpoint: { port: "http", path: "/internal/metrics" },
                    podTargetLabels: ["color", "version"],
                },
                {
                    role: "shop-admin",
                    service: "shop-admin",
                    endpoint: { port: "http", path: "/admin/metrics" },
                    podTargetLabels: ["color", "version"],
                },
                {
                    role: "postgres-exporter",
                    service: "postgres-exporter",
                    endpoint: { port: "metrics", path: "/metrics" },
                    podTargetLabels: ["role"],
                },
                {
                    role: "redis-exporter",
                    service: "redis-exporter",
                    endpoint: { port: "metrics", path: "/metrics" },
                    podTargetLabels: ["role"],
                },
            ],
        );
    });

    it("scrapes the app alone on /metrics by default", () => {
        const [app, ...rest] = serviceScrapes({ appName: "shop-api" });
        assert.deepStrictEqual(app.endpoint, { port: "http", path: "/metrics" });
        assert.deepStrictEqual(rest, []);
    });

    it("selects the Service by name in the app's namespace and keeps its pods' labels", () => {
        const [app] = serviceScrapes({ appName: "shop-api" });
        assert.deepStrictEqual(serviceMonitorObject(app, at), {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata: { name: "shop-api", namespace: "shop", labels },
            spec: {
                jobLabel: "app.kubernetes.io/name",
                selector: { matchLabels: { "app.kubernetes.io/name": "shop-api" } },
                namespaceSelector: { matchNames: ["shop-ns"] },
                endpoints: [{ interval: "15s", scheme: "http", port: "http", path: "/metrics" }],
                podTargetLabels: ["color", "version"],
            },
        });
    });

    it("scrapes a worker's pods on their http port, keeping colour and version", () => {
        assert.deepStrictEqual(podMonitorObject({ name: "shop-jobs", metricsPath: "/m" }, at), {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PodMonitor",
            metadata: { name: "shop-jobs", namespace: "shop", labels },
            spec: {
                jobLabel: "app.kubernetes.io/name",
                selector: { matchLabels: { "app.kubernetes.io/name": "shop-jobs" } },
                namespaceSelector: { matchNames: ["shop-ns"] },
                podTargetLabels: ["color", "version"],
                podMetricsEndpoints: [
                    { port: "http", path: "/m", interval: "15s", scheme: "http" },
                ],
            },
        });
    });
});

describe("monitoring objects: dashboard", () => {
    it("hands the dashboard to the Grafana sidecar as JSON in a labelled ConfigMap", () => {
        const dashboard = buildDashboard({ appName: "shop-api", namespace: "shop", monitoring });
        const cm = dashboardConfigMap("shop-api", "grafana", labels, dashboard);
        assert.deepStrictEqual(cm.metadata, {
            name: "shop-api-release-dashboard",
            namespace: "grafana",
            labels: { ...labels, grafana_dashboard: "1" },
        });
        assert.deepStrictEqual(Object.keys(cm.data), ["shop-api-release.json"]);
        const text = cm.data["shop-api-release.json"];
        assert.deepStrictEqual(JSON.parse(text), dashboard);
        // Indented, so a diff of the plan shows which panel changed.
        assert.ok(text.startsWith('{\n  "uid": "release-shop-api-shop"'), text.slice(0, 40));
    });
});
