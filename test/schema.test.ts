// Rendered Kubernetes objects are checked against the upstream OpenAPI schemas (kubernetes-models
// and its CRD packages): one valid and one broken object per kind, then every object the program
// renders for both stacks and every router kind.
import * as assert from "assert";
import {
    dottedPath,
    formatSchemaProblem,
    validateManifest,
    validatePlanManifests,
} from "../scripts/lib/k8sSchema";
import { planStack } from "./helpers";
import { ROUTER_VARIANTS } from "./routerVariants";

type Obj = Record<string, any>;

const meta = (name: string) => ({ name, namespace: "nova-prod", labels: { app: "nova-api" } });
const podSpec = () => ({
    containers: [
        {
            name: "app",
            image: "registry.example.com/nova/user-service:v1.2.4",
            ports: [{ name: "http", containerPort: 8080 }],
            resources: { requests: { cpu: "250m", memory: "384Mi" } },
        },
    ],
});

interface Case {
    valid: Obj;
    /** Breaks one field of a copy of `valid`. */
    breakIt: (o: Obj) => void;
    /** Dotted path the schema must name. */
    path: string;
    message: RegExp;
}

const CASES: Record<string, Case> = {
    Deployment: {
        valid: {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: meta("nova-api-green"),
            spec: {
                replicas: 3,
                selector: { matchLabels: { app: "nova-api", color: "green" } },
                template: {
                    metadata: { labels: { app: "nova-api", color: "green" } },
                    spec: podSpec(),
                },
            },
        },
        breakIt: (o) => (o.spec.replicas = "3"),
        path: "spec.replicas",
        message: /must be integer/,
    },
    Service: {
        valid: {
            apiVersion: "v1",
            kind: "Service",
            metadata: meta("nova-api-green"),
            spec: {
                selector: { app: "nova-api" },
                ports: [{ name: "http", port: 80, targetPort: "http" }],
            },
        },
        breakIt: (o) => (o.spec.ports[0].port = "http"),
        path: "spec.ports[0].port",
        message: /must be integer/,
    },
    HorizontalPodAutoscaler: {
        valid: {
            apiVersion: "autoscaling/v2",
            kind: "HorizontalPodAutoscaler",
            metadata: meta("nova-api-green"),
            spec: {
                scaleTargetRef: {
                    apiVersion: "apps/v1",
                    kind: "Deployment",
                    name: "nova-api-green",
                },
                minReplicas: 3,
                maxReplicas: 10,
                metrics: [
                    {
                        type: "Resource",
                        resource: {
                            name: "cpu",
                            target: { type: "Utilization", averageUtilization: 70 },
                        },
                    },
                ],
            },
        },
        breakIt: (o) => delete o.spec.maxReplicas,
        path: "spec",
        message: /required property maxReplicas/,
    },
    PodDisruptionBudget: {
        valid: {
            apiVersion: "policy/v1",
            kind: "PodDisruptionBudget",
            metadata: meta("nova-api-green"),
            spec: { maxUnavailable: 1, selector: { matchLabels: { app: "nova-api" } } },
        },
        breakIt: (o) => (o.spec.selector.matchLabels.app = 7),
        path: "spec.selector.matchLabels.app",
        message: /must be string/,
    },
    Job: {
        valid: {
            apiVersion: "batch/v1",
            kind: "Job",
            metadata: meta("nova-api-migrate-v1-2-4"),
            spec: {
                backoffLimit: 0,
                template: { spec: { ...podSpec(), restartPolicy: "Never" } },
            },
        },
        breakIt: (o) => delete o.spec.template.spec.containers[0].name,
        path: "spec.template.spec.containers[0]",
        message: /required property name/,
    },
    Secret: {
        valid: {
            apiVersion: "v1",
            kind: "Secret",
            metadata: meta("nova-api-datastores"),
            type: "Opaque",
            stringData: { LOG_TOKEN: "not-a-real-secret" },
        },
        breakIt: (o) => (o.stringData.LOG_TOKEN = { nested: true }),
        path: "stringData.LOG_TOKEN",
        message: /must be string/,
    },
    ConfigMap: {
        valid: {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: meta("nova-api-dashboard"),
            data: { "dashboard.json": "{}" },
        },
        breakIt: (o) => (o.data["dashboard.json"] = 1),
        path: "data.dashboard.json",
        message: /must be string/,
    },
    Ingress: {
        valid: {
            apiVersion: "networking.k8s.io/v1",
            kind: "Ingress",
            metadata: meta("nova-api"),
            spec: {
                ingressClassName: "nginx",
                rules: [
                    {
                        host: "api.nova.example.com",
                        http: {
                            paths: [
                                {
                                    path: "/",
                                    pathType: "Prefix",
                                    backend: {
                                        service: { name: "nova-api-blue", port: { number: 80 } },
                                    },
                                },
                            ],
                        },
                    },
                ],
            },
        },
        breakIt: (o) => delete o.spec.rules[0].http.paths[0].pathType,
        path: "spec.rules[0].http.paths[0]",
        message: /required property pathType/,
    },
    Namespace: {
        valid: { apiVersion: "v1", kind: "Namespace", metadata: { name: "nova-prod" } },
        breakIt: (o) => (o.metadata.labels = { team: 42 }),
        path: "metadata.labels.team",
        message: /must be string/,
    },
    PrometheusRule: {
        valid: {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: meta("nova-api-alerts"),
            spec: {
                groups: [
                    {
                        name: "nova-api",
                        rules: [
                            {
                                alert: "NovaApiHighErrorRate",
                                expr: 'sum(rate(http_requests_total{code=~"5.."}[5m])) > 0',
                                for: "5m",
                                labels: { severity: "critical" },
                            },
                        ],
                    },
                ],
            },
        },
        breakIt: (o) => delete o.spec.groups[0].rules[0].expr,
        path: "spec.groups[0].rules[0]",
        message: /required property expr/,
    },
    ServiceMonitor: {
        valid: {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "ServiceMonitor",
            metadata: meta("nova-api"),
            spec: {
                selector: { matchLabels: { app: "nova-api" } },
                endpoints: [{ port: "http", path: "/metrics", interval: "30s" }],
            },
        },
        breakIt: (o) => (o.spec.endpoints[0].port = 8080),
        path: "spec.endpoints[0].port",
        message: /must be string/,
    },
    Gateway: {
        valid: {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "Gateway",
            metadata: meta("nova-api"),
            spec: {
                gatewayClassName: "aws-application-load-balancer",
                listeners: [
                    {
                        name: "https",
                        protocol: "HTTPS",
                        port: 443,
                        hostname: "api.nova.example.com",
                        tls: { mode: "Terminate", certificateRefs: [{ name: "api-nova-tls" }] },
                    },
                ],
            },
        },
        breakIt: (o) => (o.spec.listeners[0].port = 0),
        path: "spec.listeners[0].port",
        message: /must be >= 1/,
    },
    HTTPRoute: {
        valid: {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata: meta("nova-api"),
            spec: {
                parentRefs: [{ name: "nova-api", sectionName: "https" }],
                hostnames: ["api.nova.example.com"],
                rules: [
                    {
                        matches: [{ path: { type: "PathPrefix", value: "/" } }],
                        backendRefs: [
                            { name: "nova-api-blue", port: 80, weight: 75 },
                            { name: "nova-api-green", port: 80, weight: 25 },
                        ],
                    },
                ],
            },
        },
        breakIt: (o) => (o.spec.rules[0].backendRefs[1].weight = -25),
        path: "spec.rules[0].backendRefs[1].weight",
        message: /must be >= 0/,
    },
};

describe("Kubernetes schema validation", () => {
    for (const [kind, c] of Object.entries(CASES)) {
        describe(kind, () => {
            it("accepts a valid object", () => {
                assert.deepStrictEqual(validateManifest(structuredClone(c.valid)), []);
            });

            it(`rejects a broken one naming ${c.path}`, () => {
                const broken = structuredClone(c.valid);
                c.breakIt(broken);
                const problems = validateManifest(broken);
                const hit = problems.find((p) => p.path === c.path && c.message.test(p.message));
                assert.ok(
                    hit,
                    `expected ${c.path} ${c.message}, got:\n${problems.map(formatSchemaProblem).join("\n")}`,
                );
                assert.strictEqual(hit.kind, kind);
                assert.strictEqual(
                    hit.object,
                    `${broken.metadata.namespace ?? ""}/${broken.metadata.name}`.replace(/^\//, ""),
                );
                assert.match(hit.schemaPath, /^#\//);
                assert.match(formatSchemaProblem(hit), new RegExp(`^${kind} \\S+: `));
            });
        });
    }

    it("reports a kind it has no schema for instead of passing it", () => {
        const problems = validateManifest({
            apiVersion: "example.com/v1",
            kind: "Widget",
            metadata: { name: "w" },
        });
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0].message, /must be a kind with a schema/);
    });

    it("does not judge a value that is a redacted secret", () => {
        const secret = structuredClone(CASES.Secret.valid);
        secret.stringData = "[secret]"; // pulumi.secret() over the whole map, redacted by the plan
        assert.deepStrictEqual(validateManifest(secret), []);
        secret.type = 3;
        assert.deepStrictEqual(
            validateManifest(secret).map((p) => p.path),
            ["type"],
        );
    });

    it("turns JSON pointers into dotted paths", () => {
        assert.strictEqual(
            dottedPath("/spec/rules/0/backendRefs/1/weight"),
            "spec.rules[0].backendRefs[1].weight",
        );
        assert.strictEqual(dottedPath("/metadata/annotations/a~1b"), "metadata.annotations.a/b");
        assert.strictEqual(dottedPath(""), "");
    });

    describe("every object the program renders", () => {
        for (const stack of ["staging", "prod"] as const) {
            it(`passes for ${stack}`, async () => {
                const problems = validatePlanManifests(await planStack(stack));
                assert.deepStrictEqual(problems.map(formatSchemaProblem), []);
            });
        }
        for (const [kind, edit] of Object.entries(ROUTER_VARIANTS)) {
            it(`passes for prod with the ${kind} router`, async () => {
                const plan = await planStack("prod", edit);
                assert.deepStrictEqual(validatePlanManifests(plan).map(formatSchemaProblem), []);
            });
        }
    });
});
