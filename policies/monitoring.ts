// Alerting and scraping (CL-12, CL-14, CL-15; the AL-xx catalogue).
import type {
    PolicyResource,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import { ALERT_CATALOGUE, STORE_ALERT_IDS } from "./alertCatalogue";
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

function namesOf(ids: readonly string[]) {
    return ids.flatMap((id) => ALERT_CATALOGUE[id] ?? []);
}
const storeAlertIds = new Set(Object.values(STORE_ALERT_IDS).flat());

/** Catalogue alerts every stack needs: those that watch the app, whatever its stores. */
export const DEFAULT_APP_ALERTS: string[] = namesOf(
    Object.keys(ALERT_CATALOGUE).filter((id) => !storeAlertIds.has(id)),
);
/** Alerts over RDS (AL-07 … AL-10), required when the stack has an RDS instance. */
export const DEFAULT_DATABASE_ALERTS: string[] = namesOf(STORE_ALERT_IDS.database);
/** Alerts over Redis (AL-11), required when the stack has an ElastiCache replication group. */
export const DEFAULT_CACHE_ALERTS: string[] = namesOf(STORE_ALERT_IDS.cache);

interface RequiredAlertsConfig {
    alerts: string[];
    databaseAlerts: string[];
    cacheAlerts: string[];
}

/** Every alerting rule of a PrometheusRule's props. */
export function alertRules(props: Props): Props[] {
    return ((props.spec?.groups ?? []) as Props[]).flatMap((g) =>
        ((g.rules ?? []) as Props[]).filter((r) => typeof r.alert === "string"),
    );
}

export function requiredAlerts(): StackValidationPolicy {
    return {
        name: "prometheus-required-alerts",
        description:
            "A PrometheusRule must define every alert of the catalogue that applies to the stack's workloads and data stores.",
        configSchema: {
            properties: {
                alerts: {
                    type: "array",
                    items: { type: "string" },
                    default: DEFAULT_APP_ALERTS,
                    description:
                        "Alert names every stack must define (default AL-01 … AL-06, AL-12 … AL-14).",
                },
                databaseAlerts: {
                    type: "array",
                    items: { type: "string" },
                    default: DEFAULT_DATABASE_ALERTS,
                    description:
                        "Alert names required when the stack has an RDS instance (default AL-07 … AL-10).",
                },
                cacheAlerts: {
                    type: "array",
                    items: { type: "string" },
                    default: DEFAULT_CACHE_ALERTS,
                    description:
                        "Alert names required when the stack has an ElastiCache replication group (default AL-11).",
                },
            },
        },
        validateStack: (args, report) => {
            const cfg = args.getConfig<RequiredAlertsConfig>();
            const has = (type: string) => args.resources.some((r) => r.type === type);
            const alerts = [
                ...cfg.alerts,
                ...(has(TYPES.rdsInstance) ? cfg.databaseAlerts : []),
                ...(has(TYPES.replicationGroup) ? cfg.cacheAlerts : []),
            ];
            const rules = args.resources.filter((r) => r.type === TYPES.prometheusRule);
            if (rules.length === 0) {
                report(
                    `The stack must define a PrometheusRule with the alerts ${alerts.join(", ")}`,
                );
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
}

export function alertLabels(): ResourceValidationPolicy {
    return {
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
}

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

export function serviceMonitorTargetsApp(): StackValidationPolicy {
    return {
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
}

export function monitoringPolicies() {
    return [requiredAlerts(), alertLabels(), serviceMonitorTargetsApp()];
}
