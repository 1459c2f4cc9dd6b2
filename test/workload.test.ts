import * as assert from "assert";
import type { Plan } from "../scripts/lib/plan";
import { byType, planStack, type StackName } from "./helpers";

const T = {
    deployment: "kubernetes:apps/v1:Deployment",
    service: "kubernetes:core/v1:Service",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
};

function colorObjects(plan: Plan, color: string) {
    const pick = (type: string) =>
        byType(plan, type).filter((r) => (r.inputs as any).metadata.labels?.color === color);
    return {
        deployment: pick(T.deployment),
        service: pick(T.service),
        hpa: pick(T.hpa),
        pdb: pick(T.pdb),
    };
}

/** The colours' Deployments (exporters and other workloads carry no colour label). */
const colorDeployments = (plan: Plan) =>
    byType(plan, T.deployment).filter((d) => (d.inputs as any).metadata.labels?.color);

describe("colour workloads", () => {
    for (const stack of ["staging", "prod"] as StackName[]) {
        describe(stack, () => {
            let plan: Plan;
            before(async () => (plan = await planStack(stack)));

            it("gives each colour a Deployment, Service, HPA and PDB under its component", () => {
                for (const color of ["blue", "green"]) {
                    const o = colorObjects(plan, color);
                    for (const [role, list] of Object.entries(o)) {
                        assert.strictEqual(list.length, 1, `${color} ${role}`);
                        assert.strictEqual(
                            list[0].parent,
                            `release:app:ColorDeployment::nova-api-${color}`,
                        );
                    }
                }
            });

            it("hardens every pod: probes, requests/limits, non-root, read-only rootfs, no escalation", () => {
                for (const d of colorDeployments(plan)) {
                    const pod = (d.inputs as any).spec.template.spec;
                    assert.strictEqual(pod.securityContext.runAsNonRoot, true);
                    for (const c of pod.containers) {
                        assert.ok(
                            c.resources.requests.cpu && c.resources.requests.memory,
                            "requests",
                        );
                        assert.ok(c.resources.limits.cpu && c.resources.limits.memory, "limits");
                        assert.strictEqual(c.livenessProbe.httpGet.path, "/health/live");
                        assert.strictEqual(c.readinessProbe.httpGet.path, "/health/ready");
                        assert.strictEqual(c.startupProbe.httpGet.path, "/health/live");
                        assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false);
                        assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
                        assert.deepStrictEqual(c.securityContext.capabilities.drop, ["ALL"]);
                        assert.match(c.image, /:v\d+\.\d+\.\d+$/);
                    }
                }
            });

            it("shuts down gracefully: preStop sleep inside the grace period", () => {
                for (const d of colorDeployments(plan)) {
                    const pod = (d.inputs as any).spec.template.spec;
                    const sleep = pod.containers[0].lifecycle.preStop.sleep.seconds;
                    assert.ok(sleep > 0 && sleep < pod.terminationGracePeriodSeconds);
                }
            });

            it("spreads pods across zones and labels them with colour and version", () => {
                for (const d of colorDeployments(plan)) {
                    const tpl = (d.inputs as any).spec.template;
                    const zone = tpl.spec.topologySpreadConstraints.find(
                        (t: any) => t.topologyKey === "topology.kubernetes.io/zone",
                    );
                    assert.ok(zone);
                    assert.strictEqual(
                        zone.whenUnsatisfiable,
                        stack === "prod" ? "DoNotSchedule" : "ScheduleAnyway",
                    );
                    assert.match(tpl.metadata.labels.color, /^(blue|green)$/);
                    assert.match(tpl.metadata.labels.version, /^v\d/);
                    // The version must stay out of the selector: selectors are immutable.
                    assert.strictEqual(
                        (d.inputs as any).spec.selector.matchLabels.version,
                        undefined,
                    );
                }
            });
        });
    }

    it("sizes prod from the runbook: HPA 3–10 on CPU 70 % and memory 80 %", async () => {
        const plan = await planStack("prod");
        for (const h of byType(plan, T.hpa)) {
            const spec = (h.inputs as any).spec;
            assert.ok(spec.minReplicas >= 3);
            assert.strictEqual(spec.maxReplicas, 10);
            const targets = Object.fromEntries(
                spec.metrics.map((m: any) => [
                    m.resource.name,
                    m.resource.target.averageUtilization,
                ]),
            );
            assert.deepStrictEqual(targets, { cpu: 70, memory: 80 });
            assert.strictEqual(spec.behavior.scaleDown.stabilizationWindowSeconds, 300);
        }
    });

    it("pre-scales the colour that receives traffic to its share of the baseline", async () => {
        const plan = await planStack("prod", (c) => {
            c.traffic.steps = [75, 100].map((weight) => ({ weight, pause: "5m" }));
            c.traffic.canaryWeight = 75;
        });
        const min = (color: string) =>
            (colorObjects(plan, color).hpa[0].inputs as any).spec.minReplicas;
        const replicas = (color: string) =>
            (colorObjects(plan, color).deployment[0].inputs as any).spec.replicas;
        // baseline 6: green at 75 % needs ceil(4.5) = 5; blue at 25 % needs 2 but the floor is 3.
        assert.strictEqual(min("green"), 5);
        assert.strictEqual(replicas("green"), 5);
        assert.strictEqual(min("blue"), 3);
    });

    it("scales a colour at weight 0 with idle replicas 0 to zero, without an HPA", async () => {
        const plan = await planStack("prod", (c) => {
            c.traffic.canaryWeight = 0;
            c.traffic.idleReplicas = 0;
        });
        const green = colorObjects(plan, "green");
        assert.strictEqual(green.hpa.length, 0);
        assert.strictEqual((green.deployment[0].inputs as any).spec.replicas, 0);
        assert.strictEqual(colorObjects(plan, "blue").hpa.length, 1);
    });

    it("does not deploy a colour that has no image", async () => {
        const plan = await planStack("prod", (c) => {
            delete c.colors.green;
            c.traffic.canaryWeight = 0;
        });
        const green = colorObjects(plan, "green");
        assert.deepStrictEqual(
            Object.values(green).map((l) => l.length),
            [0, 0, 0, 0],
        );
        assert.ok(!plan.resources.some((r) => r.name.includes("nova-api-green")));
    });

    it("mounts app secrets from a Secret and never puts their values in the manifests", async () => {
        const plan = await planStack(
            "prod",
            (c) => (c.appSecrets = { JWT_SECRET: "very-secret-jwt" }),
            undefined,
            ["appSecrets"],
        );
        const text = JSON.stringify(plan);
        assert.ok(!text.includes("very-secret-jwt"));
        const secret = byType(plan, "kubernetes:core/v1:Secret").find(
            (s) => (s.inputs as any).metadata.name === "nova-api-app-secrets",
        );
        assert.ok(secret);
        assert.strictEqual((secret.inputs as any).stringData, "[secret]");
        for (const d of colorDeployments(plan)) {
            const envFrom = (d.inputs as any).spec.template.spec.containers[0].envFrom;
            assert.ok(envFrom.some((e: any) => e.secretRef.name === "nova-api-app-secrets"));
        }
    });
});
