// Alerting and scraping (CL-12, CL-14, CL-15; the AL-xx catalogue).
import type {
    PolicyResource,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import { ALERT_CATALOGUE } from "./alertCatalogue";
import {
    namespaceOf,
    routedBackends,
    selectorMatches,
    serviceNamed,
    TYPES,
    type Props,
} from "./util";

/** AL-01 … AL-14 alert names from the catalogue the alerting component builds. */
export const DEFAULT_REQUIRED_ALERTS: string[] = Object.values(ALERT_CATALOGUE).flat();

/** Every alerting rule of a PrometheusRule's props. */
export function alertRules(props: Props): Props[] {
    return ((props.spec?.groups ?? []) as Props[]).flatMap((g) =>
        ((g.rules ?? []) as Props[]).filter((r) => typeof r.alert === "string"),
    );
}

export const requiredAlerts: StackValidationPolicy = {
    name: "prometheus-required-alerts",
    description: "A PrometheusRule must define every alert of the catalogue.",
    configSchema: {
        properties: {
            alerts: {
                type: "array",
                items: { type: "string" },
                default: DEFAULT_REQUIRED_ALERTS,
                description: "Alert names that must exist (default AL-01 … AL-14).",
            },
        },
    },
    validateStack: (args, report) => {
        const { alerts } = args.getConfig<{ alerts: string[] }>();
        const rules = args.resources.filter((r) => r.type === TYPES.prometheusRule);
        if (rules.length === 0) {
            report(`The stack must define a PrometheusRule with the alerts ${alerts.join(", ")}`);
            return;
        }
        const defined = new Set(rules.flatMap((r) => alertRules(r.props).map((a) => a.alert)));
        const missing = alerts.filter((a) => !defined.has(a));
        if (missing.length > 0) {
            report(
                `The PrometheusRules must define the alert${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
            );
        }
    },
};

export const alertLabels: ResourceValidationPolicy = {
    name: "prometheus-alert-labels",
    description:
        "Every alert must carry severity and team labels and a runbook_url annotation so it can be routed.",
    configSchema: {
        properties: {
            severities: {
                type: "array",
                items: { type: "string" },
                default: ["critical", "warning", "info"],
                description: "Allowed values of the severity label.",
            },
        },
    },
    // PrometheusRule is a CustomResource: @pulumi/kubernetes has no class to narrow on.
    validateResource: (args, report) => {
        if (args.type !== TYPES.prometheusRule) {
            args.notApplicable(
                `Policy only applies to resources of type '${TYPES.prometheusRule}'`,
            );
        }
        const { severities } = args.getConfig<{ severities: string[] }>();
        for (const rule of alertRules(args.props)) {
            const labels = (rule.labels ?? {}) as Record<string, string>;
            const annotations = (rule.annotations ?? {}) as Record<string, string>;
            const problems: string[] = [];
            if (!severities.includes(labels.severity)) {
                problems.push(`a severity label (${severities.join("|")})`);
            }
            if (!labels.team) problems.push("a team label");
            if (!/^https?:\/\//.test(annotations.runbook_url ?? "")) {
                problems.push("a runbook_url annotation");
            }
            if (problems.length > 0) {
                report(`Alert ${rule.alert} must have ${problems.join(", ")}`);
            }
        }
    },
};

function monitors(m: PolicyResource, svc: PolicyResource): boolean {
    const nsSel = m.props.spec?.namespaceSelector ?? {};
    const svcNs = namespaceOf(svc.props);
    const nsOk =
        nsSel.any === true ||
        (Array.isArray(nsSel.matchNames)
            ? nsSel.matchNames.includes(svcNs)
            : namespaceOf(m.props) === svcNs);
    const ports = ((svc.props.spec?.ports ?? []) as Props[]).map((p) => p.name);
    const endpoints = ((m.props.spec?.endpoints ?? []) as Props[]).filter(
        (e) => e.targetPort !== undefined || ports.includes(e.port),
    );
    return (
        nsOk &&
        endpoints.length > 0 &&
        selectorMatches(m.props.spec?.selector?.matchLabels, svc.props.metadata?.labels ?? {})
    );
}

export const serviceMonitorTargetsApp: StackValidationPolicy = {
    name: "service-monitor-targets-app",
    description: "Every Service behind the router must be scraped by a ServiceMonitor.",
    validateStack: (args, report) => {
        const services = new Set<PolicyResource>();
        for (const b of routedBackends(args.resources)) {
            const svc = serviceNamed(args.resources, b.service, b.namespace);
            if (svc) services.add(svc);
        }
        if (services.size === 0) args.notApplicable("no Service behind a routing object");
        const monitorsList = args.resources.filter((r) => r.type === TYPES.serviceMonitor);
        for (const svc of services) {
            if (!monitorsList.some((m) => monitors(m, svc))) {
                report(
                    `Service ${svc.props.metadata?.name ?? svc.name} must be scraped by a ServiceMonitor whose selector matches its labels and whose endpoint names one of its ports`,
                    svc.urn,
                );
            }
        }
    },
};

export const monitoringPolicies = [requiredAlerts, alertLabels, serviceMonitorTargetsApp];
