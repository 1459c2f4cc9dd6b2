// Each policy on its own: a passing resource (or graph), then one mutation per rule, each asserting
// the message; plus the not-applicable path.
import { strict as assert } from "assert";
import type {
    ResourceValidation,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import * as cache from "../policies/cache";
import * as db from "../policies/database";
import * as k8s from "../policies/kubernetes";
import * as mon from "../policies/monitoring";
import * as net from "../policies/network";
import { policies } from "../policies/policies";
import * as rel from "../policies/release";
import * as sec from "../policies/secrets";
import { SECRET_MARKER, TYPES, WRITES_ANNOTATION } from "../policies/util";
import { WRITES_ANNOTATION as PROGRAM_WRITES_ANNOTATION } from "../decisions/writes";
import { CREDENTIAL_KEY, CREDENTIAL_VALUE } from "../config/credentials";
import type { PlannedResource } from "../scripts/lib/plan";
import { checkResource, checkStack, planned, resourceArgs, type Props } from "./policyArgs";

const JOB = "kubernetes:batch/v1:Job";

function deployment(color = "blue", version = "v1.0.0", replicas = 3): Props {
    const labels = { "app.kubernetes.io/name": "app", color };
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: `app-${color}`, namespace: "ns", labels },
        spec: {
            replicas,
            selector: { matchLabels: labels },
            template: {
                metadata: { labels: { ...labels, version } },
                spec: {
                    terminationGracePeriodSeconds: 45,
                    securityContext: { runAsNonRoot: true, runAsUser: 10001 },
                    containers: [
                        {
                            name: "app",
                            image: `registry.example.com/app:${version}`,
                            env: [
                                { name: "PORT", value: "8080" },
                                { name: "CORS_ORIGINS", value: "https://app.example.com" },
                                {
                                    name: "DB_PASSWORD",
                                    valueFrom: { secretKeyRef: { name: "s", key: "pw" } },
                                },
                            ],
                            resources: {
                                requests: { cpu: "100m", memory: "128Mi" },
                                limits: { cpu: "1", memory: "512Mi" },
                            },
                            livenessProbe: { httpGet: { path: "/live", port: "http" } },
                            readinessProbe: { httpGet: { path: "/ready", port: "http" } },
                            lifecycle: { preStop: { sleep: { seconds: 10 } } },
                            securityContext: {
                                allowPrivilegeEscalation: false,
                                readOnlyRootFilesystem: true,
                            },
                        },
                    ],
                },
            },
        },
    };
}

const container = (p: Props) => p.spec.template.spec.containers[0];

interface Case {
    name: string;
    mutate: (p: Props) => void;
    message: string;
    protect?: boolean;
}

interface ResourceSuite {
    /** The policy's name, as the engine and the pack config know it. */
    name: string;
    policy: () => ResourceValidationPolicy;
    type: string;
    happy: () => Props;
    protect?: boolean;
    cases: Case[];
    /** A resource of another type the policy must call not applicable. */
    other: { type: string; props: Props };
}

const rdsInstance = (): Props => ({
    identifier: "db",
    engine: "postgres",
    engineVersion: "16.3",
    storageEncrypted: true,
    publiclyAccessible: false,
    backupRetentionPeriod: 7,
    multiAz: true,
    deletionProtection: true,
    skipFinalSnapshot: false,
    finalSnapshotIdentifier: "db-final",
    parameterGroupName: "db-pg",
    password: SECRET_MARKER,
});

const replicationGroup = (): Props => ({
    replicationGroupId: "cache",
    engine: "redis",
    engineVersion: "7.1",
    transitEncryptionEnabled: true,
    atRestEncryptionEnabled: true,
    authToken: SECRET_MARKER,
    automaticFailoverEnabled: true,
    multiAzEnabled: true,
    numCacheClusters: 2,
    snapshotRetentionLimit: 7,
});

const prometheusRule = (): Props => ({
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name: "rules", namespace: "ns" },
    spec: {
        groups: [
            {
                name: "app",
                rules: [
                    { record: "job:errors:ratio", expr: "0" },
                    {
                        alert: "HighErrorRate",
                        expr: "x > 1",
                        labels: { severity: "critical", team: "api" },
                        annotations: {
                            runbook_url: "https://runbooks.example.com/high-error-rate",
                        },
                    },
                ],
            },
        ],
    },
});

/** An HPA spec inside every default band but the replica floor. */
const sizedHpaSpec = (minReplicas: number) => ({
    minReplicas,
    maxReplicas: 10,
    metrics: ["cpu", "memory"].map((name, i) => ({
        type: "Resource",
        resource: { name, target: { type: "Utilization", averageUtilization: [70, 80][i] } },
    })),
});

const notAService = { type: TYPES.service, props: { metadata: { name: "s" } } };
const notAnRds = { type: TYPES.replicationGroup, props: replicationGroup() };
const notACache = { type: TYPES.rdsInstance, props: rdsInstance() };

const resourceSuites: ResourceSuite[] = [
    {
        name: "k8s-image-pinned",
        policy: k8s.imagePinned,
        type: TYPES.deployment,
        happy: deployment,
        other: notAService,
        cases: [
            {
                name: "latest tag",
                mutate: (p) => (container(p).image = "registry.example.com/app:latest"),
                message: `container "app" image must be pinned to a version tag other than latest or a digest (got "registry.example.com/app:latest")`,
            },
            {
                name: "no tag (registry port is not a tag)",
                mutate: (p) => (container(p).image = "registry.example.com:5000/app"),
                message: `container "app" image must be pinned`,
            },
            {
                name: "init container on latest",
                mutate: (p) =>
                    (p.spec.template.spec.initContainers = [{ name: "init", image: "busybox" }]),
                message: `init container "init" image must be pinned`,
            },
        ],
    },
    {
        name: "k8s-resources-set",
        policy: k8s.resourcesSet,
        type: TYPES.deployment,
        happy: deployment,
        other: notAService,
        cases: [
            {
                name: "no memory limit",
                mutate: (p) => delete container(p).resources.limits.memory,
                message: `container "app" must set resources limits.memory`,
            },
            {
                name: "no requests",
                mutate: (p) => delete container(p).resources.requests,
                message: `container "app" must set resources requests.cpu, requests.memory`,
            },
        ],
    },
    {
        name: "k8s-probes-set",
        policy: k8s.probesSet,
        type: TYPES.deployment,
        happy: deployment,
        other: { type: JOB, props: { spec: { template: { spec: { containers: [{}] } } } } },
        cases: [
            {
                name: "no readiness probe",
                mutate: (p) => delete container(p).readinessProbe,
                message: `container "app" must have a readinessProbe`,
            },
            {
                name: "no probes",
                mutate: (p) => {
                    delete container(p).readinessProbe;
                    delete container(p).livenessProbe;
                },
                message: `container "app" must have a livenessProbe and a readinessProbe`,
            },
        ],
    },
    {
        name: "k8s-restricted-security-context",
        policy: k8s.restrictedSecurityContext,
        type: TYPES.deployment,
        happy: deployment,
        other: notAService,
        cases: [
            {
                name: "runs as root",
                mutate: (p) => (p.spec.template.spec.securityContext.runAsNonRoot = false),
                message: `container "app" must run as non-root`,
            },
            {
                name: "uid 0",
                mutate: (p) => (container(p).securityContext.runAsUser = 0),
                message: `container "app" must run as non-root`,
            },
            {
                name: "privilege escalation",
                mutate: (p) => (container(p).securityContext.allowPrivilegeEscalation = true),
                message: `container "app" must set securityContext.allowPrivilegeEscalation: false`,
            },
            {
                name: "writable root filesystem",
                mutate: (p) => delete container(p).securityContext.readOnlyRootFilesystem,
                message: `container "app" must set securityContext.readOnlyRootFilesystem: true`,
            },
        ],
    },
    {
        name: "k8s-no-literal-secret-env",
        policy: k8s.noLiteralSecretEnv,
        type: TYPES.deployment,
        happy: deployment,
        other: notAService,
        cases: [
            {
                name: "literal password",
                mutate: (p) => (container(p).env[2] = { name: "DB_PASSWORD", value: "x" }),
                message: `container "app" env DB_PASSWORD must come from a Secret (valueFrom.secretKeyRef), not a literal value`,
            },
            {
                name: "literal DATABASE_URL",
                mutate: (p) =>
                    container(p).env.push({ name: "DATABASE_URL", value: "postgres://" }),
                message: `env DATABASE_URL must come from a Secret`,
            },
            {
                name: "lower-case api key",
                mutate: (p) => container(p).env.push({ name: "stripe_api_key", value: "k" }),
                message: `env stripe_api_key must come from a Secret`,
            },
        ],
    },
    {
        name: "k8s-cors-not-wildcard",
        policy: k8s.corsNotWildcard,
        type: TYPES.deployment,
        happy: deployment,
        other: notAService,
        cases: [
            {
                name: "star",
                mutate: (p) => (container(p).env[1].value = "*"),
                message: `container "app" env CORS_ORIGINS must list explicit origins, not a wildcard (got "*")`,
            },
            {
                name: "star in a list",
                mutate: (p) => (container(p).env[1].value = "https://a.example.com, *"),
                message: `env CORS_ORIGINS must list explicit origins`,
            },
        ],
    },
    {
        name: "k8s-hpa-sizing",
        policy: k8s.hpaSizing,
        type: TYPES.hpa,
        happy: () => ({
            metadata: { name: "app-blue" },
            spec: {
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
                    {
                        type: "Resource",
                        resource: {
                            name: "memory",
                            target: { type: "Utilization", averageUtilization: 80 },
                        },
                    },
                ],
            },
        }),
        other: { type: TYPES.deployment, props: deployment() },
        cases: [
            {
                name: "min 2",
                mutate: (p) => (p.spec.minReplicas = 2),
                message:
                    "HorizontalPodAutoscaler app-blue spec.minReplicas must be at least 3 (got 2)",
            },
            {
                name: "min unset (Kubernetes default 1)",
                mutate: (p) => delete p.spec.minReplicas,
                message: "spec.minReplicas must be at least 3 (got 1)",
            },
            {
                name: "max 4: no headroom above min 3",
                mutate: (p) => (p.spec.maxReplicas = 4),
                message:
                    "HorizontalPodAutoscaler app-blue spec.maxReplicas must be at least spec.minReplicas + 2 = 5 so it can scale out (got 4)",
            },
            {
                name: "CPU target 95 %",
                mutate: (p) => (p.spec.metrics[0].resource.target.averageUtilization = 95),
                message:
                    "HorizontalPodAutoscaler app-blue cpu averageUtilization target must be 50–70 % (got 95)",
            },
            {
                name: "memory target 99 %",
                mutate: (p) => (p.spec.metrics[1].resource.target.averageUtilization = 99),
                message:
                    "HorizontalPodAutoscaler app-blue memory averageUtilization target must be 60–80 % (got 99)",
            },
            {
                name: "memory target 40 % (below the band)",
                mutate: (p) => (p.spec.metrics[1].resource.target.averageUtilization = 40),
                message: "memory averageUtilization target must be 60–80 % (got 40)",
            },
            {
                name: "no memory metric",
                mutate: (p) => p.spec.metrics.pop(),
                message:
                    "HorizontalPodAutoscaler app-blue must scale on memory utilization (a Resource metric with an averageUtilization target 60–80 %)",
            },
            {
                name: "CPU as an average value, not utilization",
                mutate: (p) =>
                    (p.spec.metrics[0].resource.target = {
                        type: "AverageValue",
                        averageValue: "500m",
                    }),
                message: "HorizontalPodAutoscaler app-blue must scale on cpu utilization",
            },
        ],
    },
    {
        name: "rds-storage-encrypted",
        policy: db.rdsStorageEncrypted,
        type: TYPES.rdsInstance,
        happy: rdsInstance,
        other: notAnRds,
        cases: [
            {
                name: "unencrypted",
                mutate: (p) => (p.storageEncrypted = false),
                message: "RDS instance db storageEncrypted must be true",
            },
        ],
    },
    {
        name: "rds-not-public",
        policy: db.rdsNotPublic,
        type: TYPES.rdsInstance,
        happy: rdsInstance,
        other: notAnRds,
        cases: [
            {
                name: "public",
                mutate: (p) => (p.publiclyAccessible = true),
                message: "RDS instance db publiclyAccessible must be false",
            },
        ],
    },
    {
        name: "rds-backup-retention",
        policy: db.rdsBackupRetention,
        type: TYPES.rdsInstance,
        happy: rdsInstance,
        other: notAnRds,
        cases: [
            {
                name: "3 days",
                mutate: (p) => (p.backupRetentionPeriod = 3),
                message: "RDS instance db backupRetentionPeriod must be at least 7 days (got 3)",
            },
        ],
    },
    {
        name: "rds-multi-az",
        policy: db.rdsMultiAz,
        type: TYPES.rdsInstance,
        happy: rdsInstance,
        other: notAnRds,
        cases: [
            {
                name: "single AZ",
                mutate: (p) => (p.multiAz = false),
                message: "RDS instance db multiAz must be true",
            },
        ],
    },
    {
        name: "rds-deletion-protection",
        policy: db.rdsDeletionProtection,
        type: TYPES.rdsInstance,
        happy: rdsInstance,
        other: notAnRds,
        cases: [
            {
                name: "no deletion protection",
                mutate: (p) => (p.deletionProtection = false),
                message: "RDS instance db deletionProtection must be true",
            },
            {
                name: "skips the final snapshot",
                mutate: (p) => (p.skipFinalSnapshot = true),
                message: "RDS instance db must take a final snapshot",
            },
        ],
    },
    {
        name: "rds-protected",
        policy: db.rdsProtected,
        type: TYPES.rdsInstance,
        happy: rdsInstance,
        protect: true,
        other: notAnRds,
        cases: [
            {
                name: "not protected",
                mutate: () => undefined,
                protect: false,
                message: "RDS instance db must have the protect resource option",
            },
        ],
    },
    {
        name: "rds-engine-version",
        policy: db.rdsEngineVersion,
        type: TYPES.rdsInstance,
        happy: rdsInstance,
        other: notAnRds,
        cases: [
            {
                name: "PostgreSQL 14",
                mutate: (p) => (p.engineVersion = "14.11"),
                message: "RDS instance db engineVersion must be PostgreSQL 15 or later (got 14.11)",
            },
            {
                name: "unpinned",
                mutate: (p) => delete p.engineVersion,
                message: "engineVersion must be PostgreSQL 15 or later (got unset)",
            },
        ],
    },
    {
        name: "cache-encrypted",
        policy: cache.cacheEncrypted,
        type: TYPES.replicationGroup,
        happy: replicationGroup,
        other: notACache,
        cases: [
            {
                name: "no TLS",
                mutate: (p) => (p.transitEncryptionEnabled = false),
                message:
                    "ElastiCache replication group cache transitEncryptionEnabled must be true",
            },
            {
                name: "unencrypted at rest",
                mutate: (p) => delete p.atRestEncryptionEnabled,
                message: "ElastiCache replication group cache atRestEncryptionEnabled must be true",
            },
        ],
    },
    {
        name: "cache-auth-token",
        policy: cache.cacheAuthToken,
        type: TYPES.replicationGroup,
        happy: replicationGroup,
        other: notACache,
        cases: [
            {
                name: "no AUTH",
                mutate: (p) => delete p.authToken,
                message: "ElastiCache replication group cache authToken must be set",
            },
        ],
    },
    {
        name: "cache-high-availability",
        policy: cache.cacheHighAvailability,
        type: TYPES.replicationGroup,
        happy: replicationGroup,
        other: notACache,
        cases: [
            {
                name: "one node",
                mutate: (p) => (p.numCacheClusters = 1),
                message: "must have at least one replica (got 1 node)",
            },
            {
                name: "no failover",
                mutate: (p) => (p.automaticFailoverEnabled = false),
                message: "automaticFailoverEnabled must be true",
            },
            {
                name: "single AZ",
                mutate: (p) => (p.multiAzEnabled = false),
                message: "multiAzEnabled must be true",
            },
        ],
    },
    {
        name: "cache-snapshot-retention",
        policy: cache.cacheSnapshotRetention,
        type: TYPES.replicationGroup,
        happy: replicationGroup,
        other: notACache,
        cases: [
            {
                name: "no snapshots",
                mutate: (p) => (p.snapshotRetentionLimit = 0),
                message: "snapshotRetentionLimit must be at least 1 (got 0)",
            },
        ],
    },
    {
        name: "cache-engine-version",
        policy: cache.cacheEngineVersion,
        type: TYPES.replicationGroup,
        happy: replicationGroup,
        other: notACache,
        cases: [
            {
                name: "Redis 6",
                mutate: (p) => (p.engineVersion = "6.2"),
                message: "must run redis or valkey 7 or later (got redis 6.2)",
            },
            {
                name: "memcached",
                mutate: (p) => (p.engine = "memcached"),
                message: "(got memcached 7.1)",
            },
        ],
    },
    {
        name: "network-no-public-data-ingress",
        policy: net.noPublicDataIngress,
        type: TYPES.securityGroup,
        happy: () => ({
            name: "db",
            ingress: [
                { protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: ["sg-app"] },
                { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
            ],
        }),
        other: notACache,
        cases: [
            {
                name: "PostgreSQL from anywhere",
                mutate: (p) => (p.ingress[0].cidrBlocks = ["0.0.0.0/0"]),
                message:
                    "Security group db ingress must not allow 0.0.0.0/0 on data-store port 5432",
            },
            {
                name: "all protocols from anywhere over IPv6",
                mutate: (p) =>
                    p.ingress.push({
                        protocol: "-1",
                        fromPort: 0,
                        toPort: 0,
                        ipv6CidrBlocks: ["::/0"],
                    }),
                message: "must not allow ::/0 on data-store ports 5432, 6379",
            },
        ],
    },
    {
        name: "random-password-length",
        policy: sec.randomPasswordLength,
        type: TYPES.randomPassword,
        happy: () => ({ length: 32, special: true }),
        other: notACache,
        cases: [
            {
                name: "12 characters",
                mutate: (p) => (p.length = 12),
                message: "RandomPassword subject length must be at least 16 (got 12)",
            },
        ],
    },
    {
        name: "prometheus-alert-labels",
        policy: mon.alertLabels,
        type: TYPES.prometheusRule,
        happy: prometheusRule,
        other: { type: TYPES.serviceMonitor, props: {} },
        cases: [
            {
                name: "no team",
                mutate: (p) => delete p.spec.groups[0].rules[1].labels.team,
                message: "Alert HighErrorRate must have a team label",
            },
            {
                name: "unknown severity",
                mutate: (p) => (p.spec.groups[0].rules[1].labels.severity = "page"),
                message: "Alert HighErrorRate must have a severity label (critical|warning|info)",
            },
            {
                name: "no runbook",
                mutate: (p) => delete p.spec.groups[0].rules[1].annotations,
                message: "Alert HighErrorRate must have a runbook_url annotation",
            },
        ],
    },
];

describe("policy pack: resource policies", () => {
    it("every policy has a kebab-case name, a one-sentence description and a unique name", () => {
        const names = policies().map((p) => p.name);
        assert.equal(new Set(names).size, names.length);
        for (const p of policies()) {
            assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)+$/, p.name);
            assert.match(p.description, /^[A-Z][^.]*(\.[^ .][^.]*)*\.$/, p.description);
            assert.match(p.description, / must /, p.description);
        }
    });

    for (const suite of resourceSuites) {
        describe(suite.name, () => {
            it("passes the happy-path resource", async () => {
                assert.equal(suite.policy().name, suite.name);
                const f = await checkResource(suite.policy, suite.type, suite.happy(), {
                    protect: suite.protect,
                });
                assert.deepEqual(f, { messages: [], notApplicable: [] });
            });
            for (const c of suite.cases) {
                it(`reports: ${c.name}`, async () => {
                    const props = suite.happy();
                    c.mutate(props);
                    const f = await checkResource(suite.policy, suite.type, props, {
                        protect: c.protect ?? suite.protect,
                    });
                    assert.ok(
                        f.messages.some((m) => m.includes(c.message)),
                        `expected "${c.message}" in ${JSON.stringify(f.messages)}`,
                    );
                    for (const m of f.messages) assert.match(m, / must /);
                });
            }
            it("is not applicable to other types", async () => {
                const f = await checkResource(suite.policy, suite.other.type, suite.other.props);
                assert.deepEqual(f.messages, []);
                assert.equal(f.notApplicable.length > 0, true);
            });
        });
    }

    it("a digest pins an image; a registry port does not", async () => {
        assert.equal(k8s.isPinnedImage(`r.example.com/app@sha256:${"a".repeat(64)}`), true);
        assert.equal(k8s.isPinnedImage("r.example.com:5000/app"), false);
        assert.equal(k8s.isPinnedImage("r.example.com:5000/app:1.2"), true);
    });

    it("read replicas are exempt from backups, final snapshot and Multi-AZ", async () => {
        const replica = {
            ...rdsInstance(),
            replicateSourceDb: "db",
            backupRetentionPeriod: 0,
            skipFinalSnapshot: true,
            multiAz: false,
        };
        for (const p of [db.rdsBackupRetention, db.rdsMultiAz, db.rdsDeletionProtection]) {
            const f = await checkResource(p, TYPES.rdsInstance, replica);
            assert.deepEqual(f.messages, [], p.name);
        }
    });

    it("config overrides the schema default (staging HPA floor 1)", async () => {
        const hpa = { metadata: { name: "h" }, spec: sizedHpaSpec(1) };
        const strict = await checkResource(k8s.hpaSizing, TYPES.hpa, hpa);
        const staging = await checkResource(k8s.hpaSizing, TYPES.hpa, hpa, {
            config: { "k8s-hpa-sizing": { minReplicas: 1 } },
        });
        assert.equal(strict.messages.length, 1);
        assert.deepEqual(staging.messages, []);
    });

    it("the pack's policies apply schema defaults even when the engine sends no config", async () => {
        const policy = policies().find((p) => p.name === "k8s-hpa-sizing")!;
        const args = resourceArgs(policy, TYPES.hpa, { spec: sizedHpaSpec(1) });
        const messages: string[] = [];
        const fn = (policy as ResourceValidationPolicy).validateResource as ResourceValidation;
        await fn({ ...args, getConfig: <T extends object>() => ({}) as T }, (m) =>
            messages.push(m),
        );
        assert.deepEqual(messages, [
            "HorizontalPodAutoscaler subject spec.minReplicas must be at least 3 (got 1)",
        ]);
    });

    it("egress rules are not applicable to the public-ingress check", async () => {
        const f = await checkResource(net.noPublicDataIngress, TYPES.securityGroupRule, {
            type: "egress",
            protocol: "-1",
            fromPort: 0,
            toPort: 0,
            cidrBlocks: ["0.0.0.0/0"],
        });
        assert.deepEqual(f.messages, []);
    });

    it("a standalone ingress rule opening 6379 to ::/0 is reported", async () => {
        const f = await checkResource(net.noPublicDataIngress, TYPES.vpcIngressRule, {
            ipProtocol: "tcp",
            fromPort: 6379,
            toPort: 6379,
            cidrIpv6: "::/0",
        });
        assert.deepEqual(f.messages, [
            "Ingress rule subject must not allow ::/0 on data-store port 6379",
        ]);
    });
});

// ---- stack policies on small graphs ----

const ns = "ns";
function service(color: string): PlannedResource {
    return planned(TYPES.service, `svc-${color}`, {
        kind: "Service",
        metadata: {
            name: `app-${color}`,
            namespace: ns,
            labels: { "app.kubernetes.io/name": "app", color },
        },
        spec: {
            selector: { "app.kubernetes.io/name": "app", color },
            ports: [{ name: "http", port: 80 }],
        },
    });
}
function route(weights: Record<string, number>, deps: string[] = []): PlannedResource {
    return planned(
        TYPES.httpRoute,
        "route",
        {
            kind: "HTTPRoute",
            metadata: { name: "app", namespace: ns },
            spec: {
                parentRefs: [{ kind: "Gateway", name: "gw", namespace: ns, sectionName: "https" }],
                rules: [
                    {
                        matches: [{ headers: [{ name: "X-Preview", value: "green" }] }],
                        backendRefs: [{ name: "app-green", port: 80, weight: 1 }],
                    },
                    {
                        backendRefs: Object.entries(weights).map(([c, w]) => ({
                            name: `app-${c}`,
                            port: 80,
                            weight: w,
                        })),
                    },
                ],
            },
        },
        { dependsOn: deps },
    );
}
const gateway = (protocol = "HTTPS") =>
    planned(TYPES.gateway, "gw", {
        kind: "Gateway",
        metadata: { name: "gw", namespace: ns },
        spec: {
            listeners: [
                {
                    name: "https",
                    protocol,
                    port: 443,
                    tls: protocol === "HTTPS" ? { certificateRefs: [{ name: "cert" }] } : undefined,
                },
            ],
        },
    });
function colour(color: string, version: string, replicas = 3): PlannedResource[] {
    return [
        planned(TYPES.deployment, `dep-${color}`, deployment(color, version, replicas)),
        service(color),
        planned(TYPES.hpa, `hpa-${color}`, {
            metadata: { name: `app-${color}`, namespace: ns },
            spec: { scaleTargetRef: { kind: "Deployment", name: `app-${color}` }, minReplicas: 3 },
        }),
        planned(TYPES.pdb, `pdb-${color}`, {
            metadata: { name: `app-${color}`, namespace: ns },
            spec: { selector: { matchLabels: { "app.kubernetes.io/name": "app", color } } },
        }),
    ];
}
const serviceMonitor = () =>
    planned(TYPES.serviceMonitor, "sm", {
        metadata: { name: "app", namespace: ns },
        spec: {
            selector: { matchLabels: { "app.kubernetes.io/name": "app" } },
            endpoints: [{ port: "http", path: "/metrics" }],
        },
    });
const appGraph = () => [
    ...colour("blue", "v1"),
    ...colour("green", "v1"),
    gateway(),
    route({ blue: 75, green: 25 }),
    serviceMonitor(),
];
const without = (graph: PlannedResource[], name: string) => graph.filter((r) => r.name !== name);
const edit = (graph: PlannedResource[], name: string, fn: (inputs: Props) => void) => {
    fn(graph.find((r) => r.name === name)!.inputs);
    return graph;
};
/** A colour scaled to zero because writes are stopped: 0 replicas, annotated, no HPA. */
const stopWritesOn = (graph: PlannedResource[], color: string) =>
    edit(without(graph, `hpa-${color}`), `dep-${color}`, (d) => {
        d.spec.replicas = 0;
        d.metadata.annotations = { "release/writes": "stopped" };
    });
/** The app with writes stopped (the restore flow): both colours at zero, routes unchanged. */
const stoppedGraph = () => stopWritesOn(stopWritesOn(appGraph(), "blue"), "green");

function dataGraph(): PlannedResource[] {
    return [
        planned(TYPES.securityGroup, "db-sg", { name: "db" }),
        planned(TYPES.vpcIngressRule, "db-from-app", {
            securityGroupId: "db-sg-id",
            referencedSecurityGroupId: "sg-app",
            ipProtocol: "tcp",
            fromPort: 5432,
            toPort: 5432,
        }),
        planned(TYPES.rdsParameterGroup, "db-pg", {
            name: "db-pg",
            parameters: [{ name: "rds.force_ssl", value: "1" }],
        }),
        planned(TYPES.randomPassword, "db-password", { length: 32 }),
        planned(TYPES.rdsInstance, "db", { ...rdsInstance(), vpcSecurityGroupIds: ["db-sg-id"] }),
        planned(TYPES.rdsSnapshot, "snap", {
            dbInstanceIdentifier: "db",
            dbSnapshotIdentifier: "db-pre-v2",
        }),
    ];
}

interface StackCase {
    name: string;
    graph: () => PlannedResource[];
    message: string;
}
interface StackSuite {
    /** The policy's name, as the engine and the pack config know it. */
    name: string;
    policy: () => StackValidationPolicy;
    happy: () => PlannedResource[];
    cases: StackCase[];
    /** A graph the policy must call not applicable. */
    notApplicable?: () => PlannedResource[];
    config?: Record<string, unknown>;
}

const twoVersions = () => [
    ...colour("blue", "v1"),
    ...colour("green", "v2"),
    gateway(),
    ...dataGraph(),
];

const releaseSnapshotOf = (version: string) =>
    planned(TYPES.rdsSnapshot, `snap-${version}`, {
        dbInstanceIdentifier: "db",
        dbSnapshotIdentifier: `db-pre-${version}`,
        tags: { "release/version": version, "release/kind": "pre-release" },
    });

/** Blue v1 stable, green v2 canary, each version's snapshot; the route waits for `deps`. */
const releaseGraph = (deps = ["snap-v1", "snap-v2"], weights = { blue: 75, green: 25 }) => [
    ...twoVersions().filter((r) => r.name !== "snap"),
    releaseSnapshotOf("v1"),
    releaseSnapshotOf("v2"),
    route(
        weights,
        deps.map((d) => `aws:rds/snapshot:Snapshot::${d}`),
    ),
];

/** The app, a plain ConfigMap, and a Secret that legitimately holds a URL with a password. */
const credentialGraph = () => [
    ...colour("blue", "v1"),
    ...colour("green", "v1"),
    planned("kubernetes:core/v1:ConfigMap", "settings", {
        kind: "ConfigMap",
        metadata: { name: "settings", namespace: ns },
        data: { LOG_LEVEL: "info", DOCS: "https://example.com/docs" },
    }),
    planned("kubernetes:core/v1:Secret", "urls", {
        kind: "Secret",
        metadata: { name: "urls", namespace: ns, annotations: { "api-token": "x" } },
        stringData: { DATABASE_URL: "postgresql://app:hunter2@db:5432/app" },
    }),
];

const stackSuites: StackSuite[] = [
    {
        name: "k8s-routed-graceful-shutdown",
        policy: k8s.routedGracefulShutdown,
        happy: appGraph,
        notApplicable: () => colour("blue", "v1"),
        cases: [
            {
                name: "short grace period",
                graph: () =>
                    edit(
                        appGraph(),
                        "dep-green",
                        (d) => (d.spec.template.spec.terminationGracePeriodSeconds = 5),
                    ),
                message:
                    "Deployment app-green terminationGracePeriodSeconds must be at least 30 (got 5)",
            },
            {
                name: "no preStop",
                graph: () => edit(appGraph(), "dep-blue", (d) => delete container(d).lifecycle),
                message: `Deployment app-blue container "app" must have a lifecycle.preStop hook`,
            },
        ],
    },
    {
        name: "k8s-routed-colour-has-hpa-and-pdb",
        policy: k8s.routedColourHasHpaAndPdb,
        happy: appGraph,
        notApplicable: () => colour("blue", "v1"),
        cases: [
            {
                name: "no HPA",
                graph: () => without(appGraph(), "hpa-green"),
                message:
                    "Deployment app-green receives 25 % of traffic, so it must have a HorizontalPodAutoscaler",
            },
            {
                name: "no PDB",
                graph: () => without(appGraph(), "pdb-blue"),
                message:
                    "Deployment app-blue receives 75 % of traffic, so it must have a PodDisruptionBudget",
            },
            {
                name: "writes-stopped annotation on a colour that still runs pods, without HPA",
                graph: () => edit(stoppedGraph(), "dep-green", (d) => (d.spec.replicas = 2)),
                message:
                    "Deployment app-green receives 25 % of traffic, so it must have a HorizontalPodAutoscaler",
            },
            {
                name: "a colour at zero without HPA and without the writes-stopped annotation",
                graph: () => edit(stoppedGraph(), "dep-blue", (d) => delete d.metadata.annotations),
                message:
                    "Deployment app-blue receives 75 % of traffic, so it must have a HorizontalPodAutoscaler",
            },
        ],
    },
    {
        name: "traffic-weights-consistent",
        policy: rel.weightsConsistent,
        happy: appGraph,
        notApplicable: () => colour("blue", "v1"),
        cases: [
            {
                name: "weights add up to 90",
                graph: () => [...without(appGraph(), "route"), route({ blue: 75, green: 15 })],
                message:
                    "HTTPRoute app rule 1 backend weights must add up to 100 (got 75 + 15 = 90)",
            },
            {
                name: "fractional weight",
                graph: () => [...without(appGraph(), "route"), route({ blue: 74.5, green: 25.5 })],
                message: "backend weights must be whole numbers 0–100 (got 74.5, 25.5)",
            },
        ],
    },
    {
        name: "traffic-to-ready-colors",
        policy: rel.trafficToReadyColors,
        happy: appGraph,
        notApplicable: () => colour("blue", "v1"),
        cases: [
            {
                name: "weight to a colour scaled to zero",
                graph: () => edit(appGraph(), "dep-green", (d) => (d.spec.replicas = 0)),
                message:
                    "HTTPRoute app sends 25 % to Service app-green, whose Deployment must have replicas > 0 (got 0)",
            },
            {
                name: "weight to a colour at zero whose writes annotation is not stopped",
                graph: () =>
                    edit(
                        stoppedGraph(),
                        "dep-green",
                        (d) => (d.metadata.annotations["release/writes"] = "serving"),
                    ),
                message:
                    "HTTPRoute app sends 25 % to Service app-green, whose Deployment must have replicas > 0 (got 0)",
            },
            {
                name: "weight to a colour that does not exist",
                graph: () => without(without(appGraph(), "dep-green"), "svc-green"),
                message:
                    "HTTPRoute app sends 25 % to Service app-green, which must exist in the stack",
            },
        ],
    },
    {
        name: "traffic-public-route-tls",
        policy: rel.publicRouteTls,
        happy: appGraph,
        notApplicable: () => colour("blue", "v1"),
        cases: [
            {
                name: "plain HTTP listener",
                graph: () => [...without(appGraph(), "gw"), gateway("HTTP")],
                message:
                    "HTTPRoute app attaches to Gateway gw listener https, which must be HTTPS with a TLS certificate (got HTTP)",
            },
        ],
    },
    {
        name: "rds-force-ssl",
        policy: db.rdsForceSsl,
        happy: dataGraph,
        notApplicable: appGraph,
        cases: [
            {
                name: "force_ssl 0",
                graph: () => edit(dataGraph(), "db-pg", (pg) => (pg.parameters[0].value = "0")),
                message: "RDS parameter group db-pg must set rds.force_ssl = 1 (got 0)",
            },
            {
                name: "default parameter group",
                graph: () => edit(dataGraph(), "db", (d) => delete d.parameterGroupName),
                message:
                    "RDS instance db must use a parameter group from this stack that sets rds.force_ssl = 1 (got the engine default)",
            },
        ],
    },
    {
        name: "rds-release-snapshot",
        policy: db.releaseSnapshot,
        happy: releaseGraph,
        notApplicable: appGraph,
        cases: [
            {
                name: "the routed canary version's snapshot is not a dependency",
                graph: () => releaseGraph(["snap-v1"]),
                message:
                    "HTTPRoute app sends traffic to version v2, so it must depend on the aws.rds.Snapshot of db tagged release/version=v2",
            },
            {
                name: "the stable version's snapshot is not a dependency",
                graph: () => releaseGraph(["snap-v2"]),
                message: "HTTPRoute app sends traffic to version v1, so it must depend on",
            },
            {
                name: "the snapshot is tagged for another version",
                graph: () =>
                    edit(releaseGraph(), "snap-v2", (r) => (r.tags["release/version"] = "v3")),
                message: "sends traffic to version v2, so it must depend on",
            },
            {
                name: "the snapshot is of another database",
                graph: () =>
                    edit(releaseGraph(), "snap-v2", (r) => (r.dbInstanceIdentifier = "other-db")),
                message: "sends traffic to version v2, so it must depend on",
            },
            {
                name: "only an aws.rds.Snapshot counts, not another resource with its fields",
                graph: () => {
                    const cluster = "aws:rds/clusterSnapshot:ClusterSnapshot";
                    const g = releaseGraph(["snap-v1"]).filter((r) => r.name !== "snap-v2");
                    const r = g.find((x) => x.type.includes("HTTPRoute"))!;
                    r.options.dependsOn.push(`${cluster}::snap-v2`);
                    return [...g, { ...releaseSnapshotOf("v2"), type: cluster }];
                },
                message: "sends traffic to version v2, so it must depend on",
            },
        ],
    },
    {
        name: "network-data-stores-app-only",
        policy: net.dataStoresAppOnly,
        happy: dataGraph,
        config: { appSecurityGroupIds: ["sg-app"] },
        notApplicable: appGraph,
        cases: [
            {
                name: "CIDR source",
                graph: () =>
                    edit(dataGraph(), "db-from-app", (r) => {
                        delete r.referencedSecurityGroupId;
                        r.cidrIpv4 = "10.0.0.0/8";
                    }),
                message:
                    "Security group db of Instance db must admit only the app security group, not address ranges (got 10.0.0.0/8)",
            },
            {
                name: "another security group",
                graph: () =>
                    edit(
                        dataGraph(),
                        "db-from-app",
                        (r) => (r.referencedSecurityGroupId = "sg-bastion"),
                    ),
                message:
                    "Security group db of Instance db must admit only the app security group (got sg-bastion)",
            },
            {
                name: "no security group of its own",
                graph: () => edit(dataGraph(), "db", (d) => delete d.vpcSecurityGroupIds),
                message:
                    "Instance db vpcSecurityGroupIds must name a security group defined in this stack",
            },
        ],
    },
    {
        name: "password-inputs-secret",
        policy: sec.passwordInputsSecret,
        happy: dataGraph,
        notApplicable: appGraph,
        cases: [
            {
                name: "plain-text password",
                graph: () => edit(dataGraph(), "db", (d) => (d.password = "hunter2hunter2!!")),
                message:
                    "Instance db input password must be a secret output such as a RandomPassword result, not a plain value",
            },
        ],
    },
    {
        name: "no-plaintext-credentials",
        policy: sec.noPlaintextCredentials,
        happy: credentialGraph,
        notApplicable: () => credentialGraph().filter((r) => r.name === "urls"),
        cases: [
            {
                name: "a database URL with its password as a literal env value",
                graph: () =>
                    edit(credentialGraph(), "dep-blue", (d) =>
                        container(d).env.push({
                            name: "UPSTREAM",
                            value: "postgresql://app:hunter2@db:5432/app",
                        }),
                    ),
                message:
                    "Deployment app-blue spec.template.spec.containers[0].env[3].value must not hold a credential in plain text (a URL with a password or a webhook URL): put it in a Secret and reference it",
            },
            {
                name: "a webhook URL in a ConfigMap",
                graph: () =>
                    edit(
                        credentialGraph(),
                        "settings",
                        (c) => (c.data.NOTIFY = "https://hooks.slack.com/services/T0/B0/x"),
                    ),
                message: "ConfigMap settings data.NOTIFY must not hold a credential in plain text",
            },
            {
                name: "a credential-named ConfigMap key",
                graph: () => edit(credentialGraph(), "settings", (c) => (c.data.API_TOKEN = "abc")),
                message:
                    "ConfigMap settings data.API_TOKEN must not hold a credential in plain text: put it in a Secret and reference it",
            },
            {
                name: "a credential-named annotation",
                graph: () =>
                    edit(
                        credentialGraph(),
                        "dep-green",
                        (d) => (d.metadata.annotations = { "deploy-token": "t0k3n" }),
                    ),
                message: "Deployment app-green metadata.annotations.deploy-token must not hold",
            },
        ],
    },
    {
        name: "prometheus-required-alerts",
        policy: mon.requiredAlerts,
        happy: () => [planned(TYPES.prometheusRule, "rules", prometheusRule())],
        config: { alerts: ["HighErrorRate"] },
        cases: [
            {
                name: "an alert is missing",
                graph: () =>
                    edit(
                        [planned(TYPES.prometheusRule, "rules", prometheusRule())],
                        "rules",
                        (p) => (p.spec.groups[0].rules[1].alert = "HighErrors"),
                    ),
                message: "The PrometheusRules must define the alert HighErrorRate",
            },
            {
                name: "no PrometheusRule",
                graph: () => appGraph(),
                message: "The stack must define a PrometheusRule with the alerts HighErrorRate",
            },
        ],
    },
    {
        name: "service-monitor-targets-app",
        policy: mon.serviceMonitorTargetsApp,
        happy: appGraph,
        notApplicable: () => colour("blue", "v1"),
        cases: [
            {
                name: "no ServiceMonitor",
                graph: () => without(appGraph(), "sm"),
                message: "Service app-blue must be scraped by a ServiceMonitor",
            },
            {
                name: "endpoint names no Service port",
                graph: () => edit(appGraph(), "sm", (m) => (m.spec.endpoints[0].port = "metrics")),
                message: "Service app-green must be scraped by a ServiceMonitor",
            },
        ],
    },
];

describe("policy pack: stack policies", () => {
    for (const suite of stackSuites) {
        const config = suite.config ? { [suite.name]: suite.config } : {};
        describe(suite.name, () => {
            it("passes the happy-path graph", async () => {
                assert.equal(suite.policy().name, suite.name);
                const f = await checkStack(suite.policy, suite.happy(), config);
                assert.deepEqual(f, { messages: [], notApplicable: [] });
            });
            for (const c of suite.cases) {
                it(`reports: ${c.name}`, async () => {
                    const f = await checkStack(suite.policy, c.graph(), config);
                    assert.ok(
                        f.messages.some((m) => m.includes(c.message)),
                        `expected "${c.message}" in ${JSON.stringify(f.messages)}`,
                    );
                });
            }
            if (suite.notApplicable) {
                it("is not applicable without its resources", async () => {
                    const f = await checkStack(suite.policy, suite.notApplicable!(), config);
                    assert.deepEqual(f.messages, []);
                    assert.equal(f.notApplicable.length, 1);
                });
            }
        });
    }

    it("rds-release-snapshot: a version at weight 0 needs no snapshot before the route", async () => {
        const graph = releaseGraph(["snap-v1"], { blue: 100, green: 0 });
        const f = await checkStack(db.releaseSnapshot, graph, {});
        assert.deepEqual(f.messages, []);
    });

    it("rds-release-snapshot: judges each route by the versions it sends traffic to", async () => {
        // Two routes in one stack: the main one sends everything to blue (v1) and waits for v1's
        // snapshot; a second one sends everything to green (v2) and waits for v2's.
        const snap = (v: string) => `aws:rds/snapshot:Snapshot::snap-${v}`;
        const main = route({ blue: 100 }, [snap("v1")]);
        const admin = route({ green: 100 }, [snap("v2")]);
        const graph = [
            ...releaseGraph().filter((r) => r.type !== TYPES.httpRoute),
            main,
            {
                ...admin,
                name: "route-admin",
                inputs: { ...admin.inputs, metadata: { name: "admin", namespace: ns } },
            },
        ];
        assert.deepEqual((await checkStack(db.releaseSnapshot, graph, {})).messages, []);
        // The second route waiting for the wrong snapshot is reported on its own name.
        const wrong = graph.map((r) =>
            r.name === "route-admin"
                ? { ...r, options: { ...r.options, dependsOn: [snap("v1")] } }
                : r,
        );
        const f = await checkStack(db.releaseSnapshot, wrong, {});
        assert.equal(f.messages.length, 1, JSON.stringify(f.messages));
        assert.ok(
            f.messages[0].startsWith("HTTPRoute admin sends traffic to version v2"),
            f.messages[0],
        );
    });

    it("the nginx canary weight must be a whole percentage", async () => {
        const ingress = (name: string, ann: Record<string, string>, svc: string) =>
            planned(TYPES.ingress, name, {
                kind: "Ingress",
                metadata: { name, namespace: ns, annotations: ann },
                spec: {
                    tls: [{ hosts: ["a.example.com"], secretName: "cert" }],
                    rules: [
                        {
                            host: "a.example.com",
                            http: {
                                paths: [
                                    { backend: { service: { name: svc, port: { number: 80 } } } },
                                ],
                            },
                        },
                    ],
                },
            });
        const graph = (w: string) => [
            ...colour("blue", "v1"),
            ...colour("green", "v2"),
            ingress("primary", {}, "app-blue"),
            ingress(
                "canary",
                {
                    "nginx.ingress.kubernetes.io/canary": "true",
                    "nginx.ingress.kubernetes.io/canary-weight": w,
                },
                "app-green",
            ),
        ];
        assert.deepEqual((await checkStack(rel.weightsConsistent, graph("30"))).messages, []);
        const bad = await checkStack(rel.weightsConsistent, graph("130"));
        assert.deepEqual(bad.messages, [
            'Ingress canary nginx.ingress.kubernetes.io/canary-weight must be a whole number 0–100 (got "130")',
        ]);
        // The primary keeps 70 %; a canary at 0 replicas taking 30 % is caught as well.
        const down = graph("30");
        (down.find((r) => r.name === "dep-green")!.inputs as Props).spec.replicas = 0;
        const ready = await checkStack(rel.trafficToReadyColors, down);
        assert.deepEqual(ready.messages, [
            "Ingress canary sends 30 % to Service app-green, whose Deployment must have replicas > 0 (got 0)",
        ]);
    });
});

describe("writes stopped (the restore flow)", () => {
    it("passes both routed-colour policies with every colour at zero pods and no HPA", async () => {
        for (const policy of [k8s.routedColourHasHpaAndPdb, rel.trafficToReadyColors]) {
            assert.deepEqual((await checkStack(policy, stoppedGraph())).messages, [], policy.name);
        }
    });

    it("reads the annotation the program writes", () => {
        assert.equal(WRITES_ANNOTATION, PROGRAM_WRITES_ANNOTATION);
    });
});

describe("no-plaintext-credentials mirrors the stack-file rule", () => {
    it("uses the same credential names and value shapes as config/credentials.ts", () => {
        assert.equal(sec.DEFAULT_CREDENTIAL_KEY_PATTERN, CREDENTIAL_KEY.source);
        assert.deepEqual(
            sec.DEFAULT_CREDENTIAL_VALUE_PATTERNS.map((p) => new RegExp(p, "i").source),
            CREDENTIAL_VALUE.map((re) => re.source),
        );
    });
});
