// The per-colour Kubernetes objects of each workload kind, compared whole: what the API server
// receives, field by field (the pod template itself is pinned in test/podTemplate.test.ts).
import * as assert from "assert";
import { parseStackConfig, resolveWorkloads, type Workload } from "../config";
import {
    objectLabels,
    podTemplate,
    selectorLabels,
    type PodInputs,
} from "../decisions/podTemplate";
import {
    colorObjectName,
    colorServiceObject,
    cronJobObject,
    deploymentObject,
    hpaObject,
    loadBalancerServiceObject,
    pdbObject,
} from "../decisions/workloadObjects";
import { WRITES_ANNOTATION } from "../decisions/writes";

function workload(spec: Record<string, unknown>): Workload {
    const cfg = parseStackConfig({
        stage: "staging",
        app: {
            name: "shop",
            namespace: "shop",
            host: "shop.example.com",
            repository: "registry.example.com/shop/app",
        },
        workloads: { w: spec },
        colors: { blue: { version: "v1.0.0" }, green: { version: "v1.1.0" } },
        traffic: { stable: "blue", canaryWeight: 20 },
        router: { tls: { secretName: "shop-tls" } },
        appSecrets: {},
    });
    return resolveWorkloads(cfg)[0];
}
const pod = (w: Workload, color: "blue" | "green" = "green"): PodInputs => ({
    workload: w,
    color,
    version: color === "green" ? "v1.1.0" : "v1.0.0",
    appName: "shop",
});
const WEB = () => workload({ kind: "web" });
const TCP = (over: Record<string, unknown> = {}) =>
    workload({ kind: "tcp", image: "registry.example.com/shop/rtmp:1.25.3", port: 1935, ...over });
const meta = (w: Workload, color: "blue" | "green" = "green") => ({
    name: `shop-w-${color}`,
    labels: objectLabels(w, color, color === "green" ? "v1.1.0" : "v1.0.0", "shop"),
});

describe("workload objects, whole", () => {
    it("names colour objects <workload>-<colour>", () => {
        assert.strictEqual(colorObjectName(WEB(), "blue"), "shop-w-blue");
    });

    it("Deployment: rolls out with surge only, never below its replicas", () => {
        const w = WEB();
        assert.deepStrictEqual(deploymentObject(pod(w), 3), {
            metadata: meta(w),
            spec: {
                replicas: 3,
                selector: { matchLabels: selectorLabels(w, "green") },
                strategy: {
                    type: "RollingUpdate",
                    rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 },
                },
                template: podTemplate(pod(w)),
            },
        });
    });

    it("colour Service: port 80 to the http port for web, the tcp port for tcp", () => {
        const w = WEB();
        assert.deepStrictEqual(colorServiceObject(pod(w)), {
            metadata: meta(w),
            spec: {
                type: "ClusterIP",
                selector: selectorLabels(w, "green"),
                ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
            },
        });
        const t = TCP();
        assert.deepStrictEqual(colorServiceObject(pod(t)).spec.ports, [
            { name: "tcp", port: 1935, targetPort: "tcp", protocol: "TCP" },
        ]);
    });

    it("HPA: scales the colour's Deployment on CPU and memory, down slowly and up fast", () => {
        const w = WEB();
        assert.deepStrictEqual(hpaObject(pod(w), { minReplicas: 2, maxReplicas: 4 }), {
            metadata: meta(w),
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "shop-w-green" },
                minReplicas: 2,
                maxReplicas: 4,
                metrics: [
                    {
                        type: "Resource",
                        resource: {
                            name: "cpu",
                            target: { type: "Utilization", averageUtilization: 70 },
                        },
                    },
                    {
                        type: "Resource",
                        resource: {
                            name: "memory",
                            target: { type: "Utilization", averageUtilization: 80 },
                        },
                    },
                ],
                behavior: {
                    scaleDown: {
                        stabilizationWindowSeconds: 300,
                        policies: [{ type: "Percent", value: 50, periodSeconds: 60 }],
                    },
                    scaleUp: {
                        stabilizationWindowSeconds: 0,
                        policies: [{ type: "Percent", value: 100, periodSeconds: 30 }],
                    },
                },
            },
        });
    });

    it("PDB: one pod at a time, whatever the replicas", () => {
        const w = WEB();
        assert.deepStrictEqual(pdbObject(pod(w)), {
            metadata: meta(w),
            spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(w, "green") } },
        });
    });

    it("CronJob: only the stable colour runs, never overlapping, with the configured limits", () => {
        const w = workload({ kind: "cron", schedule: "0 3 * * *", command: ["./cleanup"] });
        assert.deepStrictEqual(cronJobObject(pod(w), "blue"), {
            metadata: meta(w),
            spec: {
                schedule: "0 3 * * *",
                timeZone: "Etc/UTC",
                concurrencyPolicy: "Forbid",
                suspend: true,
                startingDeadlineSeconds: 300,
                successfulJobsHistoryLimit: 3,
                failedJobsHistoryLimit: 3,
                jobTemplate: {
                    metadata: { labels: meta(w).labels },
                    spec: {
                        backoffLimit: 1,
                        activeDeadlineSeconds: 3600,
                        template: podTemplate(pod(w)),
                    },
                },
            },
        });
        assert.strictEqual(cronJobObject(pod(w, "blue"), "blue").spec.suspend, false);
    });

    it("tcp load balancer: an NLB on IP targets selecting the stable colour, drained like the pods", () => {
        const t = TCP();
        assert.deepStrictEqual(loadBalancerServiceObject(t, "blue", "shop"), {
            metadata: {
                name: "shop-w",
                labels: {
                    "app.kubernetes.io/name": "shop-w",
                    "app.kubernetes.io/component": "w",
                    "app.kubernetes.io/part-of": "shop",
                    "app.kubernetes.io/managed-by": "pulumi",
                },
                annotations: {
                    "service.beta.kubernetes.io/aws-load-balancer-type": "external",
                    "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
                    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
                    "service.beta.kubernetes.io/aws-load-balancer-attributes":
                        "load_balancing.cross_zone.enabled=true",
                    "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes":
                        "deregistration_delay.timeout_seconds=15",
                },
            },
            spec: {
                type: "LoadBalancer",
                loadBalancerClass: "service.k8s.aws/nlb",
                selector: selectorLabels(t, "blue"),
                ports: [{ name: "tcp", port: 1935, targetPort: "tcp", protocol: "TCP" }],
            },
        });
    });

    it("tcp load balancer: source ranges only when configured", () => {
        const t = TCP({ loadBalancer: { sourceRanges: ["10.0.0.0/8"] } });
        const spec = loadBalancerServiceObject(t, "blue", "shop").spec as Record<string, unknown>;
        assert.deepStrictEqual(spec.loadBalancerSourceRanges, ["10.0.0.0/8"]);
    });

    it("a Deployment with writes stopped says so in an annotation, for the policy pack", () => {
        const w = WEB();
        const d = deploymentObject(pod(w), 0, true);
        assert.deepStrictEqual(d.metadata, {
            ...meta(w),
            annotations: { [WRITES_ANNOTATION]: "stopped" },
        });
        assert.deepStrictEqual(deploymentObject(pod(w), 0, false).metadata, meta(w));
    });
});

describe("pod template, the fields around the app's own settings", () => {
    const spreadOver = (w: Workload, zone: string) => [
        {
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: zone,
            labelSelector: { matchLabels: selectorLabels(w, "green") },
        },
        {
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector: { matchLabels: selectorLabels(w, "green") },
        },
    ];

    it("a web pod: one app container on its http port, draining before it stops, with a writable /tmp", () => {
        const w = WEB();
        const t = podTemplate(pod(w));
        const [c] = t.spec.containers as Record<string, unknown>[];
        assert.deepStrictEqual(
            [c.name, c.imagePullPolicy, c.ports, c.lifecycle, c.volumeMounts, "command" in c],
            [
                "app",
                "IfNotPresent",
                [{ name: "http", containerPort: w.port }],
                { preStop: { sleep: { seconds: 15 } } },
                [{ name: "tmp", mountPath: "/tmp" }],
                false,
            ],
        );
        assert.deepStrictEqual(t.spec.volumes, [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }]);
        assert.strictEqual(t.spec.automountServiceAccountToken, false);
        assert.deepStrictEqual(
            (t.spec as Record<string, unknown>).topologySpreadConstraints,
            spreadOver(w, "ScheduleAnyway"),
        );
        assert.ok(!("restartPolicy" in t.spec));
    });

    it("spreads over zones strictly only when asked", () => {
        const w = WEB();
        const t = podTemplate({ ...pod(w), strictZoneSpread: true });
        assert.deepStrictEqual(
            (t.spec as Record<string, unknown>).topologySpreadConstraints,
            spreadOver(w, "DoNotSchedule"),
        );
    });

    it("a tcp pod listens on its tcp port; a cron pod has no port, no drain and never restarts", () => {
        const [tc] = podTemplate(pod(TCP())).spec.containers as Record<string, unknown>[];
        assert.deepStrictEqual(tc.ports, [{ name: "tcp", containerPort: 1935 }]);
        const cron = workload({ kind: "cron", schedule: "0 3 * * *", command: ["./cleanup"] });
        const t = podTemplate(pod(cron));
        const [cc] = t.spec.containers as Record<string, unknown>[];
        assert.deepStrictEqual(
            [cc.command, "ports" in cc, "lifecycle" in cc],
            [["./cleanup"], false, false],
        );
        assert.strictEqual((t.spec as Record<string, unknown>).restartPolicy, "Never");
        assert.ok(!("topologySpreadConstraints" in t.spec));
    });
});
