// Kubernetes workload rules (CL-01, CL-04, CL-23 … CL-27). Resource rules check every pod-running
// kind; stack rules look at the workloads behind the router.
import * as k8s from "@pulumi/kubernetes";
import {
    validateResourceOfType,
    type ResourceValidation,
    type ResourceValidationPolicy,
    type StackValidationPolicy,
} from "@pulumi/policy";
import {
    containersOf,
    podLabelsOf,
    podSpecOf,
    routedDeployments,
    selectorMatches,
    namespaceOf,
    nameOf,
    TYPES,
    writesStopped,
    type Args,
    type Props,
    type Report,
} from "./util";
import { isSecretEnvName, NOT_SECRET_ENV_PATTERN, SECRET_ENV_PATTERN } from "./secretNames";

type WorkloadCheck = (props: Props, args: Args, report: Report) => void;

/** One typed validation per pod-running kind, so each runs only on its own type. */
function forWorkloads(check: WorkloadCheck, longRunningOnly = false): ResourceValidation[] {
    const wrap =
        (kind: string) =>
        (props: unknown, args: Args, report: Report): void => {
            const p = props as Props;
            if (!podSpecOf(p)) args.notApplicable(`${kind} has no pod template`);
            check(p, args, report);
        };
    const longRunning = [
        validateResourceOfType(k8s.apps.v1.Deployment, wrap("Deployment")),
        validateResourceOfType(k8s.apps.v1.StatefulSet, wrap("StatefulSet")),
        validateResourceOfType(k8s.apps.v1.DaemonSet, wrap("DaemonSet")),
    ];
    if (longRunningOnly) return longRunning;
    return [
        ...longRunning,
        validateResourceOfType(k8s.batch.v1.Job, wrap("Job")),
        validateResourceOfType(k8s.batch.v1.CronJob, wrap("CronJob")),
    ];
}

/** True when the image names a digest, or a tag other than `latest`. */
export function isPinnedImage(image: string | undefined): boolean {
    if (!image) return false;
    // A digest pins on its own, but only a whole one: the kubelet refuses `@sha256:abc`.
    const at = image.indexOf("@");
    if (at >= 0) return /^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/.test(image.slice(at + 1));
    const lastSlash = image.lastIndexOf("/");
    const colon = image.indexOf(":", lastSlash + 1);
    if (colon < 0) return false;
    const tag = image.slice(colon + 1);
    return /^\w[\w.-]{0,127}$/.test(tag) && tag !== "latest";
}

export function imagePinned(): ResourceValidationPolicy {
    return {
        name: "k8s-image-pinned",
        description:
            "Every container image must be pinned to a version tag or a digest, never latest.",
        validateResource: forWorkloads((props, _args, report) => {
            for (const { c, label } of containersOf(podSpecOf(props))) {
                if (!isPinnedImage(c.image)) {
                    report(
                        `${label} image must be pinned to a version tag other than latest or a digest (got "${c.image ?? ""}")`,
                    );
                }
            }
        }),
    };
}

export function resourcesSet(): ResourceValidationPolicy {
    return {
        name: "k8s-resources-set",
        description: "Every container must declare CPU and memory requests and limits.",
        validateResource: forWorkloads((props, _args, report) => {
            for (const { c, label } of containersOf(podSpecOf(props))) {
                const missing: string[] = [];
                for (const kind of ["requests", "limits"] as const) {
                    for (const res of ["cpu", "memory"]) {
                        if (c.resources?.[kind]?.[res] === undefined)
                            missing.push(`${kind}.${res}`);
                    }
                }
                if (missing.length > 0) {
                    report(`${label} must set resources ${missing.join(", ")}`);
                }
            }
        }),
    };
}

export function probesSet(): ResourceValidationPolicy {
    return {
        name: "k8s-probes-set",
        description: "Every long-running container must have liveness and readiness probes.",
        validateResource: forWorkloads((props, _args, report) => {
            for (const { c, label } of containersOf({ containers: podSpecOf(props)?.containers })) {
                const missing = (["livenessProbe", "readinessProbe"] as const).filter((p) => !c[p]);
                if (missing.length > 0) report(`${label} must have a ${missing.join(" and a ")}`);
            }
        }, true),
    };
}

export function restrictedSecurityContext(): ResourceValidationPolicy {
    return {
        name: "k8s-restricted-security-context",
        description:
            "Containers must run as non-root, without privilege escalation, on a read-only root filesystem.",
        validateResource: forWorkloads((props, _args, report) => {
            const pod = podSpecOf(props) ?? {};
            const podSc = (pod.securityContext ?? {}) as Props;
            for (const { c, label } of containersOf(pod)) {
                const sc = c.securityContext ?? {};
                const nonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
                const uid = sc.runAsUser ?? podSc.runAsUser;
                if (nonRoot !== true || uid === 0) {
                    report(`${label} must run as non-root (securityContext.runAsNonRoot: true)`);
                }
                if (sc.allowPrivilegeEscalation !== false || sc.privileged === true) {
                    report(
                        `${label} must set securityContext.allowPrivilegeEscalation: false and not be privileged`,
                    );
                }
                if (sc.readOnlyRootFilesystem !== true) {
                    report(`${label} must set securityContext.readOnlyRootFilesystem: true`);
                }
            }
        }),
    };
}

/** Names that hold secrets: the list the stack config checks too (secretNames.ts). */
export const DEFAULT_SECRET_ENV_PATTERN = SECRET_ENV_PATTERN;

/**
 * `$(VAR)?k=v&…` where VAR was read from a Secret earlier in the same container: Kubernetes expands
 * it at start, so the credential stays in the Secret and only URL parameters are literal.
 */
export function expandsSecret(value: string, fromSecret: ReadonlySet<string>): boolean {
    const m =
        /^\$\(([A-Za-z_][A-Za-z0-9_]*)\)(\?[A-Za-z0-9_.~%-]+=[A-Za-z0-9_.~%-]*(&[A-Za-z0-9_.~%-]+=[A-Za-z0-9_.~%-]*)*)?$/.exec(
            value,
        );
    return m !== null && fromSecret.has(m[1]);
}

export function noLiteralSecretEnv(): ResourceValidationPolicy {
    return {
        name: "k8s-no-literal-secret-env",
        description:
            "Environment variables whose names look like secrets must come from a Secret (valueFrom), not a literal.",
        configSchema: {
            properties: {
                namePattern: {
                    type: "string",
                    default: DEFAULT_SECRET_ENV_PATTERN,
                    description: "Case-insensitive regular expression for secret-looking names.",
                },
                notNamePattern: {
                    type: "string",
                    default: NOT_SECRET_ENV_PATTERN,
                    description:
                        "Case-insensitive regular expression for names that match namePattern but hold no credential (token lifetimes); empty for none.",
                },
            },
        },
        validateResource: forWorkloads((props, args, report) => {
            const { namePattern, notNamePattern } = args.getConfig<{
                namePattern: string;
                notNamePattern: string;
            }>();
            for (const { c, label } of containersOf(podSpecOf(props))) {
                const fromSecret = new Set<string>();
                for (const e of c.env ?? []) {
                    if (e.valueFrom?.secretKeyRef) fromSecret.add(e.name);
                    if (
                        isSecretEnvName(e.name, namePattern, notNamePattern) &&
                        e.value !== undefined &&
                        e.valueFrom === undefined &&
                        !expandsSecret(e.value, fromSecret)
                    ) {
                        report(
                            `${label} env ${e.name} must come from a Secret (valueFrom.secretKeyRef), not a literal value`,
                        );
                    }
                }
            }
        }),
    };
}

export function corsNotWildcard(): ResourceValidationPolicy {
    return {
        name: "k8s-cors-not-wildcard",
        description: "The app's CORS origins must list explicit domains, never `*`.",
        configSchema: {
            properties: {
                envNames: {
                    type: "array",
                    items: { type: "string" },
                    default: [
                        "CORS_ORIGINS",
                        "CORS_ORIGIN",
                        "CORS_ALLOWED_ORIGINS",
                        "ALLOWED_ORIGINS",
                        "ACCESS_CONTROL_ALLOW_ORIGIN",
                    ],
                    description: "Environment variables holding the allowed CORS origins.",
                },
            },
        },
        validateResource: forWorkloads((props, args, report) => {
            const { envNames } = args.getConfig<{ envNames: string[] }>();
            const names = new Set(envNames.map((n) => n.toUpperCase()));
            for (const { c, label } of containersOf(podSpecOf(props))) {
                for (const e of c.env ?? []) {
                    if (!names.has(e.name.toUpperCase()) || typeof e.value !== "string") continue;
                    const origins = e.value.split(/[\s,]+/).filter((o) => o !== "");
                    if (origins.some((o) => o.includes("*"))) {
                        report(
                            `${label} env ${e.name} must list explicit origins, not a wildcard (got "${e.value}")`,
                        );
                    }
                }
            }
        }),
    };
}

/** The averageUtilization an autoscaling/v2 HPA targets for a resource, if it has one. */
function utilizationTarget(spec: Props | undefined, resource: string): number | undefined {
    const metric = ((spec?.metrics ?? []) as Props[]).find(
        (m) => m.type === "Resource" && m.resource?.name === resource,
    );
    const target = metric?.resource?.target;
    return target?.type === "Utilization" ? target.averageUtilization : undefined;
}

function percent(description: string, value: number) {
    return {
        type: "integer" as const,
        minimum: 1,
        maximum: 100,
        default: value,
        description,
    };
}

export function hpaSizing(): ResourceValidationPolicy {
    return {
        name: "k8s-hpa-sizing",
        description:
            "Every HorizontalPodAutoscaler must keep a replica floor, headroom above it, and CPU and memory utilization targets within the configured bands.",
        configSchema: {
            properties: {
                minReplicas: {
                    type: "integer",
                    minimum: 1,
                    default: 3,
                    description: "Lowest allowed spec.minReplicas (3 in prod).",
                },
                minHeadroom: {
                    type: "integer",
                    minimum: 0,
                    default: 2,
                    description: "spec.maxReplicas must be at least spec.minReplicas plus this.",
                },
                cpuTargetMin: percent("Lowest allowed CPU averageUtilization target.", 50),
                cpuTargetMax: percent("Highest allowed CPU averageUtilization target.", 70),
                memoryTargetMin: percent("Lowest allowed memory averageUtilization target.", 60),
                memoryTargetMax: percent("Highest allowed memory averageUtilization target.", 80),
            },
        },
        validateResource: validateResourceOfType(
            k8s.autoscaling.v2.HorizontalPodAutoscaler,
            (hpa, args, report) => {
                const c = args.getConfig<{
                    minReplicas: number;
                    minHeadroom: number;
                    cpuTargetMin: number;
                    cpuTargetMax: number;
                    memoryTargetMin: number;
                    memoryTargetMax: number;
                }>();
                const name = `HorizontalPodAutoscaler ${hpa.metadata?.name ?? args.name}`;
                const min = hpa.spec?.minReplicas ?? 1;
                const max = hpa.spec?.maxReplicas;
                if (min < c.minReplicas) {
                    report(
                        `${name} spec.minReplicas must be at least ${c.minReplicas} (got ${min})`,
                    );
                }
                if (typeof max === "number" && max < min + c.minHeadroom) {
                    report(
                        `${name} spec.maxReplicas must be at least spec.minReplicas + ${c.minHeadroom} = ${min + c.minHeadroom} so it can scale out (got ${max})`,
                    );
                }
                const spec = hpa.spec as Props | undefined;
                for (const [resource, lo, hi] of [
                    ["cpu", c.cpuTargetMin, c.cpuTargetMax],
                    ["memory", c.memoryTargetMin, c.memoryTargetMax],
                ] as const) {
                    const target = utilizationTarget(spec, resource);
                    if (target === undefined) {
                        report(
                            `${name} must scale on ${resource} utilization (a Resource metric with an averageUtilization target ${lo}–${hi} %)`,
                        );
                    } else if (target < lo || target > hi) {
                        report(
                            `${name} ${resource} averageUtilization target must be ${lo}–${hi} % (got ${target})`,
                        );
                    }
                }
            },
        ),
    };
}

export function routedGracefulShutdown(): StackValidationPolicy {
    return {
        name: "k8s-routed-graceful-shutdown",
        description:
            "Workloads behind the router must have a termination grace period and a preStop hook on every container.",
        configSchema: {
            properties: {
                minGracePeriodSeconds: {
                    type: "integer",
                    minimum: 1,
                    default: 30,
                    description: "Lowest allowed terminationGracePeriodSeconds.",
                },
            },
        },
        validateStack: (args, report) => {
            const routed = routedDeployments(args.resources);
            if (routed.length === 0) args.notApplicable("no Deployment is behind a routing object");
            const { minGracePeriodSeconds } = args.getConfig<{ minGracePeriodSeconds: number }>();
            for (const { deployment: d } of routed) {
                const pod = podSpecOf(d.props) ?? {};
                // Kubernetes' default grace period is 30 s when the field is absent.
                const grace = pod.terminationGracePeriodSeconds ?? 30;
                if (grace < minGracePeriodSeconds) {
                    report(
                        `Deployment ${nameOf(d.props)} terminationGracePeriodSeconds must be at least ${minGracePeriodSeconds} (got ${grace})`,
                        d.urn,
                    );
                }
                for (const { c, label } of containersOf({ containers: pod.containers })) {
                    if (!c.lifecycle?.preStop) {
                        report(
                            `Deployment ${nameOf(d.props)} ${label} must have a lifecycle.preStop hook so routers drain it before it stops`,
                            d.urn,
                        );
                    }
                }
            }
        },
    };
}

export function routedColourHasHpaAndPdb(): StackValidationPolicy {
    return {
        name: "k8s-routed-colour-has-hpa-and-pdb",
        description:
            "Every Deployment that receives traffic must have a HorizontalPodAutoscaler and a PodDisruptionBudget.",
        validateStack: (args, report) => {
            const live = routedDeployments(args.resources).filter((x) => x.weight > 0);
            if (live.length === 0) args.notApplicable("no Deployment receives traffic");
            for (const { deployment: d, weight } of live) {
                const name = nameOf(d.props);
                // Scaled to zero with writes stopped: an HPA cannot hold zero pods, so there is none.
                const hpaNeeded = !writesStopped(d);
                const ns = namespaceOf(d.props);
                const hpa = args.resources.find(
                    (h) =>
                        h.type === TYPES.hpa &&
                        namespaceOf(h.props) === ns &&
                        h.props.spec?.scaleTargetRef?.kind === "Deployment" &&
                        h.props.spec?.scaleTargetRef?.name === name,
                );
                if (!hpa && hpaNeeded) {
                    report(
                        `Deployment ${name} receives ${weight} % of traffic, so it must have a HorizontalPodAutoscaler`,
                        d.urn,
                    );
                }
                const labels = podLabelsOf(d.props);
                const pdb = args.resources.find(
                    (p) =>
                        p.type === TYPES.pdb &&
                        namespaceOf(p.props) === ns &&
                        selectorMatches(p.props.spec?.selector?.matchLabels, labels),
                );
                if (!pdb) {
                    report(
                        `Deployment ${name} receives ${weight} % of traffic, so it must have a PodDisruptionBudget selecting its pods`,
                        d.urn,
                    );
                }
            }
        },
    };
}

export function kubernetesPolicies() {
    return [
        imagePinned(),
        resourcesSet(),
        probesSet(),
        restrictedSecurityContext(),
        noLiteralSecretEnv(),
        corsNotWildcard(),
        hpaSizing(),
        routedGracefulShutdown(),
        routedColourHasHpaAndPdb(),
    ];
}
