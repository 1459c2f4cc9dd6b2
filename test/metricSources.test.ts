// Every metric the rendered rules and dashboard read is in the catalogue, and its source is deployed
// by the same plan or is a documented prerequisite. Also: the CloudWatch exporter the data alerts
// depend on is really in the plan, hardened, scraped, and finds exactly the stack's stores.
import * as assert from "assert";
import { CLOUDWATCH_EXPORTER, CLOUDWATCH_EXPORTER_ACTIONS } from "../decisions/cloudwatchExporter";
import type { MetricOverrides } from "../decisions/metricsCatalogue";
import { parsedConfig } from "../scripts/lib/analysis";
import {
    metricSourceProblems,
    plannedQueries,
    releaseQueries,
    type DriftInput,
} from "../scripts/lib/metricSources";
import type { Plan } from "../scripts/lib/plan";
import { runPolicies } from "../scripts/lib/policyRunner";
import { loadStackInput } from "../scripts/lib/stackFile";
import { resolveWorkloads } from "../config";
import { byType, configProblems, inputs, planStack, type StackName } from "./helpers";
import { EXAMPLE_STACKS } from "./workloadFixtures";

const T = {
    deployment: "kubernetes:apps/v1:Deployment",
    configMap: "kubernetes:core/v1:ConfigMap",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    rds: "aws:rds/instance:Instance",
    redis: "aws:elasticache/replicationGroup:ReplicationGroup",
};

/** The stack file's release:monitoring.metrics renames. */
const overridesOf = (stack: StackName) =>
    ((loadStackInput(stack).config["release:monitoring"] as any)?.metrics ?? {}) as Record<
        string,
        string
    >;

/** The app metrics the stack file declares (release:monitoring.appMetrics). */
const appMetricsOf = (stack: StackName) =>
    (
        ((loadStackInput(stack).config["release:monitoring"] as any)?.appMetrics ?? []) as {
            name: string;
        }[]
    ).map((m) => m.name);

const named = (plan: Plan, type: string, component: string) =>
    byType(plan, type).filter(
        (r) => inputs(r).metadata?.labels?.["app.kubernetes.io/name"] === component,
    );

/** The plan without the CloudWatch exporter's objects. */
const withoutExporter = (plan: Plan): Plan => ({
    ...plan,
    resources: plan.resources.filter(
        (r) => inputs(r).metadata?.labels?.["app.kubernetes.io/name"] !== CLOUDWATCH_EXPORTER,
    ),
});

describe("metric sources (drift)", () => {
    for (const stack of ["staging", "prod"] as StackName[]) {
        describe(stack, () => {
            let plan: Plan;
            before(async () => (plan = await planStack(stack)));

            it("reads only catalogue metrics whose source the plan deploys or the docs require", () => {
                const { queries, recorded } = plannedQueries(plan);
                // Sanity: the rules and the dashboard were both found.
                assert.ok(queries.some((q) => q.where.includes("alert DatabaseStorageLow")));
                assert.ok(queries.some((q) => q.where.startsWith("dashboard")));
                assert.ok(recorded.size >= 5);
                const problems = metricSourceProblems({
                    plan,
                    appName: "nova-api",
                    overrides: overridesOf(stack),
                    appMetrics: appMetricsOf(stack),
                });
                assert.deepEqual(problems, []);
            });

            it("fails when the CloudWatch exporter is removed from the plan", () => {
                const problems = metricSourceProblems({
                    plan: withoutExporter(plan),
                    appName: "nova-api",
                    overrides: overridesOf(stack),
                    appMetrics: appMetricsOf(stack),
                });
                assert.ok(
                    problems.some((p) =>
                        /alert DatabaseStorageLow reads aws_rds_free_storage_space_average from YACE .* the plan deploys no such exporter/.test(
                            p,
                        ),
                    ),
                    problems.join("\n"),
                );
            });
        });
    }

    it("fails when a source is neither deployed nor a documented prerequisite", async () => {
        const plan = await planStack("prod");
        const problems = metricSourceProblems({
            plan,
            appName: "nova-api",
            prerequisites: new Set(["prometheus", "cadvisor"]),
        });
        assert.ok(
            problems.some((p) =>
                p.includes(
                    "reads kube_horizontalpodautoscaler_spec_max_replicas from kube-state-metrics",
                ),
            ),
            problems.join("\n"),
        );
        // The postgres exporter's Deployment gone: its metrics have no source either.
        const noPg = metricSourceProblems({
            plan: {
                ...plan,
                resources: plan.resources.filter(
                    (r) =>
                        !(
                            r.type === T.deployment &&
                            inputs(r).metadata.labels["app.kubernetes.io/name"] ===
                                "postgres-exporter"
                        ),
                ),
            },
            appName: "nova-api",
        });
        assert.ok(noPg.some((p) => p.startsWith("nova-api.data: alert DatabaseDown reads pg_up")));
    });

    it("fails on a metric outside the catalogue and on an unparsable query", async () => {
        const plan = await planStack("prod");
        const problems = metricSourceProblems({
            plan,
            appName: "nova-api",
            appMetrics: appMetricsOf("prod"),
            extraQueries: [
                { where: "analyze step 1", expr: "rate(nova_ws_drops_total[5m]) > 1" },
                { where: "analyze step 2", expr: "sum(rate(http_requests_total[5m])" },
            ],
        });
        assert.deepEqual(problems, [
            "analyze step 1 reads nova_ws_drops_total, which is not in the metrics catalogue",
            "analyze step 2: cannot parse at offset 33 (at the end)",
        ]);
        // Declared app metrics count as the app's.
        assert.deepEqual(
            metricSourceProblems({
                plan,
                appName: "nova-api",
                appMetrics: [...appMetricsOf("prod"), "nova_ws_drops_total"],
                extraQueries: [{ where: "analyze", expr: "rate(nova_ws_drops_total[5m]) > 1" }],
            }),
            [],
        );
    });
});

describe("CloudWatch exporter in the plan", () => {
    let plan: Plan;
    before(async () => (plan = await planStack("prod")));

    it("runs one hardened, pinned, resourced exporter under its own ServiceAccount", () => {
        const [dep] = named(plan, T.deployment, CLOUDWATCH_EXPORTER);
        assert.ok(dep, "no cloudwatch-exporter Deployment");
        const pod = inputs(dep).spec.template.spec;
        assert.equal(pod.serviceAccountName, CLOUDWATCH_EXPORTER);
        assert.equal(pod.securityContext.runAsNonRoot, true);
        assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
        const [c] = pod.containers;
        assert.match(c.image, /yet-another-cloudwatch-exporter:v\d+\.\d+\.\d+$/);
        assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"]);
        assert.equal(c.securityContext.readOnlyRootFilesystem, true);
        assert.equal(c.securityContext.allowPrivilegeEscalation, false);
        assert.ok(c.resources.limits.cpu && c.resources.limits.memory);
        assert.ok(c.resources.requests.cpu && c.resources.requests.memory);
        assert.equal(c.readinessProbe.httpGet.path, "/healthz");
        assert.ok(c.args.includes("--config.file=/etc/yace/config.yml"));
    });

    it("rolls the pod when its config changes", async () => {
        const checksum = (p: Plan) =>
            inputs(named(p, T.deployment, CLOUDWATCH_EXPORTER)[0]).spec.template.metadata
                .annotations["checksum/config"];
        const noCache = await planStack("prod", (c) => delete c.cache);
        assert.notEqual(checksum(noCache), checksum(plan));
    });

    it("gives it an IAM role only its ServiceAccount can assume, with read-only CloudWatch access", () => {
        const sa = byType(plan, T.serviceAccount).find(
            (r) => inputs(r).metadata.name === CLOUDWATCH_EXPORTER,
        );
        assert.ok(sa, "no cloudwatch-exporter ServiceAccount");
        const roles = byType(plan, T.role).filter((r) =>
            JSON.stringify(inputs(r).assumeRolePolicy).includes(
                `system:serviceaccount:nova-prod:${CLOUDWATCH_EXPORTER}`,
            ),
        );
        assert.equal(roles.length, 1);
        const trust = JSON.parse(inputs(roles[0]).assumeRolePolicy);
        assert.equal(trust.Statement.length, 1);
        const subs = Object.values(trust.Statement[0].Condition.StringEquals);
        assert.deepEqual(
            subs.filter((v) => String(v).startsWith("system:serviceaccount:")),
            [`system:serviceaccount:nova-prod:${CLOUDWATCH_EXPORTER}`],
        );
        const policy = byType(plan, T.rolePolicy).find((p) =>
            String(inputs(p).policy).includes("cloudwatch:GetMetricData"),
        );
        assert.ok(policy, "no permission policy");
        const doc = JSON.parse(inputs(policy).policy);
        assert.deepEqual(
            doc.Statement.flatMap((s: any) => s.Action).sort(),
            [...CLOUDWATCH_EXPORTER_ACTIONS].sort(),
        );
    });

    it("discovers the stack's RDS instances and replication group by the tags they carry", () => {
        const cm = named(plan, T.configMap, CLOUDWATCH_EXPORTER)[0];
        const yace = JSON.parse(inputs(cm).data["config.yml"]);
        const jobOf = (type: string) => yace.discovery.jobs.find((j: any) => j.type === type);
        const matches = (job: any, tags: Record<string, string>) =>
            job.searchTags.every((t: any) => new RegExp(t.value).test(tags[t.key] ?? ""));
        const instances = byType(plan, T.rds);
        assert.ok(instances.length >= 2, "primary and replica");
        for (const db of instances) {
            assert.ok(matches(jobOf("AWS/RDS"), inputs(db).tags), inputs(db).identifier);
            assert.ok(!matches(jobOf("AWS/ElastiCache"), inputs(db).tags));
        }
        const [rg] = byType(plan, T.redis);
        assert.ok(matches(jobOf("AWS/ElastiCache"), inputs(rg).tags));
        assert.deepEqual(jobOf("AWS/RDS").regions, ["eu-west-1"]);
    });

    it("is not deployed without a database or a cache", async () => {
        const appOnly = await planStack("prod", (c) => {
            delete c.database;
            delete c.cache;
        });
        assert.deepEqual(named(appOnly, T.deployment, CLOUDWATCH_EXPORTER), []);
    });

    it("requires the cluster's OIDC provider when the stack has a data store", async () => {
        const problems = await configProblems("prod", (c) => delete c.cluster);
        assert.deepEqual(problems, [
            "release:cluster.oidcProviderArn must be set when release:database or release:cache is set: the CloudWatch exporter behind the storage and cache-memory alerts runs under a pod identity that trusts it (not set)",
        ]);
    });
});

describe("metric sources (drift) on every example stack", () => {
    for (const file of EXAMPLE_STACKS) {
        describe(file, () => {
            let plan: Plan;
            let drift: DriftInput;
            before(async () => {
                plan = await planStack(file);
                const cfg = parsedConfig(loadStackInput(file));
                const web = resolveWorkloads(cfg).find((w) => w.kind === "web")!;
                drift = {
                    plan,
                    appName: web.name,
                    overrides: cfg.monitoring?.metrics as MetricOverrides,
                    appMetrics: cfg.monitoring?.appMetrics.map((m) => m.name),
                    // What `analyze` and the capacity preflight ask Prometheus, too.
                    extraQueries: releaseQueries(cfg),
                };
            });

            it("reads only metrics whose source it deploys or the docs require: rules, dashboard, analysis, preflight", () => {
                assert.ok(drift.extraQueries!.some((q) => q.where.startsWith("preflight")));
                assert.ok(drift.extraQueries!.some((q) => q.where.startsWith("analyze")));
                assert.deepEqual(metricSourceProblems(drift), []);
            });

            it("fails when the CloudWatch exporter is removed from the plan", () => {
                const problems = metricSourceProblems({ ...drift, plan: withoutExporter(plan) });
                // Every example has a database: its storage alert, panel and preflight lose their source.
                for (const where of [
                    /\.data: alert DatabaseStorageLow reads aws_rds_free_storage_space_average from YACE/,
                    /^dashboard "Database free storage" reads aws_rds_free_storage_space_average/,
                    /^preflight "database storage" \(free\) reads aws_rds_free_storage_space_average/,
                ]) {
                    assert.ok(
                        problems.some((p) => where.test(p)),
                        `${where}:\n${problems.join("\n")}`,
                    );
                }
            });
        });
    }
});

describe("CloudWatch exporter under the policy pack", () => {
    let plan: Plan;
    before(async () => (plan = await planStack("prod")));

    const exporterDeployment = (p: Plan) => inputs(named(p, T.deployment, CLOUDWATCH_EXPORTER)[0]);
    const exporterRole = (p: Plan) =>
        byType(p, T.role).find((r) =>
            String(inputs(r).assumeRolePolicy).includes(`:${CLOUDWATCH_EXPORTER}"`),
        )!;
    /** The mandatory violations of the prod pack on the plan with one fault in the exporter. */
    const violations = async (fault: (p: Plan) => void) => {
        const p = structuredClone(plan);
        fault(p);
        const run = await runPolicies(p);
        return run.violations
            .filter((v) => v.enforcementLevel === "mandatory")
            .map((v) => `${v.policy}: ${v.message}`);
    };

    it("passes the pack as planned", async () => {
        assert.deepEqual(await violations(() => undefined), []);
    });

    const cases: [string, RegExp, (p: Plan) => void][] = [
        [
            "an unpinned image",
            /^k8s-image-pinned: .*cloudwatch-exporter.* must be pinned/,
            (p) => {
                const c = exporterDeployment(p).spec.template.spec.containers[0];
                c.image = c.image.replace(/:v[\d.]+$/, ":latest");
            },
        ],
        [
            "no memory limit",
            /^k8s-resources-set: .*cloudwatch-exporter.* must set resources limits\.memory/,
            (p) =>
                delete exporterDeployment(p).spec.template.spec.containers[0].resources.limits
                    .memory,
        ],
        [
            "a writable root filesystem",
            /^k8s-restricted-security-context: .*cloudwatch-exporter.* must set securityContext\.readOnlyRootFilesystem: true/,
            (p) =>
                (exporterDeployment(
                    p,
                ).spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false),
        ],
        [
            "running as root",
            /^k8s-restricted-security-context: .*cloudwatch-exporter.* must run as non-root/,
            (p) => {
                const pod = exporterDeployment(p).spec.template.spec;
                pod.securityContext.runAsNonRoot = false;
                delete pod.containers[0].securityContext.runAsNonRoot;
            },
        ],
        [
            "a role trusted by a second ServiceAccount",
            /^iam-service-account-role-scoped: IAM role .* must name exactly one namespace and ServiceAccount/,
            (p) => {
                const role = inputs(exporterRole(p));
                const trust = JSON.parse(role.assumeRolePolicy);
                const cond = trust.Statement[0].Condition.StringEquals;
                const sub = Object.keys(cond).find((k) => k.endsWith(":sub"))!;
                cond[sub] = [cond[sub], "system:serviceaccount:nova-prod:default"];
                role.assumeRolePolicy = JSON.stringify(trust);
            },
        ],
    ];
    for (const [name, expected, fault] of cases) {
        it(`fails on ${name}`, async () => {
            const found = await violations(fault);
            assert.ok(
                found.some((v) => expected.test(v)),
                `${expected} not among:\n${found.join("\n")}`,
            );
        });
    }
});
