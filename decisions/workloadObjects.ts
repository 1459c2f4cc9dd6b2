// Pure builders for the Kubernetes objects of each workload kind, per colour. The app components
// wrap these in Pulumi resources; tests call them directly. A new kind adds its builder here.
import { WRITES_ANNOTATION, cronRuns } from "./writes";
import type { Color } from "../config/app";
import type { Workload } from "../config/workloads";
import { objectLabels, podTemplate, selectorLabels, type PodInputs } from "./podTemplate";

/** Port every colour Service of a web workload listens on; routers send here. */
export const WEB_SERVICE_PORT = 80;

export interface ObjectMeta {
    name: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
}

export function colorObjectName(w: Workload, color: Color): string {
    return `${w.name}-${color}`;
}

function meta(i: PodInputs): ObjectMeta {
    return {
        name: colorObjectName(i.workload, i.color),
        labels: objectLabels(i.workload, i.color, i.version, i.appName),
    };
}

/**
 * `replicas` is a number, or whatever the caller resolves later (the ordering's output). With writes
 * stopped the Deployment says so, for the policy pack.
 */
export function deploymentObject<R = number>(i: PodInputs, replicas: R, writesStopped = false) {
    const m = meta(i);
    return {
        metadata: writesStopped ? { ...m, annotations: { [WRITES_ANNOTATION]: "stopped" } } : m,
        spec: {
            replicas,
            selector: { matchLabels: selectorLabels(i.workload, i.color) },
            strategy: {
                type: "RollingUpdate",
                rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 },
            },
            template: podTemplate(i),
        },
    };
}

/** The colour's own ClusterIP Service: the router's backend (web) or an in-cluster preview (tcp). */
export function colorServiceObject(i: PodInputs) {
    const w = i.workload;
    const port =
        w.kind === "tcp"
            ? { name: "tcp", port: w.servicePort, targetPort: "tcp", protocol: "TCP" }
            : { name: "http", port: WEB_SERVICE_PORT, targetPort: "http", protocol: "TCP" };
    return {
        metadata: meta(i),
        spec: { type: "ClusterIP", selector: selectorLabels(w, i.color), ports: [port] },
    };
}

export function hpaObject<R = number>(
    i: PodInputs,
    bounds: { readonly minReplicas: R; readonly maxReplicas: R },
) {
    const a = i.workload.autoscaling;
    const target = (name: string, averageUtilization: number) => ({
        type: "Resource",
        resource: { name, target: { type: "Utilization", averageUtilization } },
    });
    return {
        metadata: meta(i),
        spec: {
            scaleTargetRef: {
                apiVersion: "apps/v1",
                kind: "Deployment",
                name: colorObjectName(i.workload, i.color),
            },
            minReplicas: bounds.minReplicas,
            maxReplicas: bounds.maxReplicas,
            metrics: [
                target("cpu", a.targetCpuUtilization),
                target("memory", a.targetMemoryUtilization),
            ],
            behavior: {
                scaleDown: {
                    stabilizationWindowSeconds: a.scaleDownStabilizationSeconds,
                    policies: [{ type: "Percent", value: 50, periodSeconds: 60 }],
                },
                scaleUp: {
                    stabilizationWindowSeconds: 0,
                    policies: [{ type: "Percent", value: 100, periodSeconds: 30 }],
                },
            },
        },
    };
}

/** maxUnavailable stays constant so a traffic shift never has to touch the PDB. */
export function pdbObject(i: PodInputs) {
    return {
        metadata: meta(i),
        spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(i.workload, i.color) } },
    };
}

/**
 * A cron workload's CronJob in one colour. Only the stable colour's runs: the other is suspended,
 * so promotion flips `spec.suspend` and nothing else. Forbid: a run never overlaps the previous one.
 * With writes stopped, both are suspended.
 */
export function cronJobObject(i: PodInputs, stable: Color, writesStopped = false) {
    const c = i.workload.cron;
    if (!c) throw new Error(`workload ${i.workload.key} must be a cron workload`);
    return {
        metadata: meta(i),
        spec: {
            schedule: c.schedule,
            timeZone: c.timeZone,
            concurrencyPolicy: "Forbid",
            suspend: !cronRuns(i.color, stable, writesStopped),
            startingDeadlineSeconds: c.startingDeadlineSeconds,
            successfulJobsHistoryLimit: c.successfulJobsHistoryLimit,
            failedJobsHistoryLimit: c.failedJobsHistoryLimit,
            jobTemplate: {
                metadata: { labels: objectLabels(i.workload, i.color, i.version, i.appName) },
                spec: {
                    backoffLimit: c.backoffLimit,
                    activeDeadlineSeconds: c.activeDeadlineSeconds,
                    template: podTemplate(i),
                },
            },
        },
    };
}

/**
 * A tcp workload's public Service: an AWS NLB (Load Balancer Controller, IP targets) whose
 * selector is the stable colour. L4 cannot be weighted, so it switches only at promotion or
 * rollback; the drain delay matches the preStop sleep.
 */
export function loadBalancerServiceObject(w: Workload, stable: Color, appName: string) {
    return {
        metadata: {
            name: w.name,
            labels: {
                "app.kubernetes.io/name": w.name,
                "app.kubernetes.io/component": w.key,
                "app.kubernetes.io/part-of": appName,
                "app.kubernetes.io/managed-by": "pulumi",
            },
            annotations: {
                "service.beta.kubernetes.io/aws-load-balancer-type": "external",
                "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
                "service.beta.kubernetes.io/aws-load-balancer-scheme": w.loadBalancer.scheme,
                "service.beta.kubernetes.io/aws-load-balancer-attributes":
                    "load_balancing.cross_zone.enabled=true",
                "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": `deregistration_delay.timeout_seconds=${w.preStopSleepSeconds}`,
            },
        },
        spec: {
            type: "LoadBalancer",
            loadBalancerClass: "service.k8s.aws/nlb",
            selector: selectorLabels(w, stable),
            ports: [{ name: "tcp", port: w.servicePort, targetPort: "tcp", protocol: "TCP" }],
            ...(w.loadBalancer.sourceRanges.length > 0
                ? { loadBalancerSourceRanges: w.loadBalancer.sourceRanges }
                : {}),
        },
    };
}
