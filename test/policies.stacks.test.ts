// The pack on the program's own stacks: both plan clean, the checked-in pack configs are valid and
// match the stacks, and single faults injected into the planned prod graph are each caught by the
// policy meant to catch them.
import { strict as assert } from "assert";
import * as aws from "@pulumi/aws";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { Plan, PlannedResource } from "../scripts/lib/plan";
import {
    enforcementLevelOf,
    loadPackConfig,
    packConfigProblems,
    PolicyConfigError,
    policyResources,
    runPolicies,
} from "../scripts/lib/policyRunner";
import { policies } from "../policies/policies";
import { SECRET_MARKER } from "../policies/util";
import { planStack, type StackName } from "./helpers";
import { ROUTER_VARIANTS } from "./routerVariants";

type Any = any;

const plans: Partial<Record<StackName, Plan>> = {};
async function planOf(stack: StackName): Promise<Plan> {
    plans[stack] ??= await planStack(stack);
    return plans[stack]!;
}

describe("policy pack on the stacks", () => {
    for (const stack of ["staging", "prod"] as const) {
        it(`${stack} plans with zero mandatory violations`, async () => {
            const run = await runPolicies(await planOf(stack));
            const mandatory = run.violations.filter((v) => v.enforcementLevel === "mandatory");
            assert.deepEqual(mandatory, []);
            assert.equal(run.stage, stack);
        });

        it(`policy-config.${stack}.json is a valid pack config that names no stack's security group`, () => {
            const config = loadPackConfig(stack);
            assert.deepEqual(packConfigProblems(config), []);
            // The allowed source comes from each stack's own graph, so a second app needs no edit.
            assert.doesNotMatch(JSON.stringify(config), /sg-[0-9a-f]/);
        });
    }

    it("prod is mandatory and staging advisory for every policy, per the pack configs", () => {
        const prod = loadPackConfig("prod");
        const staging = loadPackConfig("staging");
        for (const p of policies()) {
            assert.equal(enforcementLevelOf(p, prod), "mandatory", p.name);
            // A credential in plain text leaks the moment it is applied, in any stage.
            const stagingLevel =
                p.name === "no-plaintext-credentials" ? ["mandatory"] : ["advisory", "disabled"];
            assert.ok(stagingLevel.includes(enforcementLevelOf(p, staging)), p.name);
        }
        // Without any config the pack is strict.
        for (const p of policies()) assert.equal(enforcementLevelOf(p, {}), "mandatory");
    });

    it("staging's relaxed rules still fire, as advisory, under the staging config", async () => {
        const plan = structuredClone(await planOf("staging"));
        const rds = plan.resources.find((r) => r.type === "aws:rds/instance:Instance")!;
        rds.inputs.storageEncrypted = false;
        const run = await runPolicies(plan);
        assert.deepEqual(
            run.violations.map((v) => [v.policy, v.enforcementLevel]),
            [["rds-storage-encrypted", "advisory"]],
        );
    });

    it("hands stack policies PolicyResources with URNs, parents, options and dependencies", async () => {
        const nodes = policyResources(await planOf("prod"));
        const byKey = new Map(nodes.map((n) => [n.key, n.resource]));
        const route = byKey.get(
            "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute::nova-api-router-route",
        )!;
        assert.equal(
            route.urn,
            "urn:pulumi:prod::release::release:traffic:TrafficRouter$kubernetes:gateway.networking.k8s.io/v1:HTTPRoute::nova-api-router-route",
        );
        assert.equal(route.parent?.type, "release:traffic:TrafficRouter");
        assert.equal(route.opts.parent, route.parent?.urn);
        assert.ok(route.dependencies.some((d) => d.type === "aws:rds/snapshot:Snapshot"));
        const rds = nodes.find((n) => /Instance::.*primary$/.test(n.key))!.resource;
        assert.equal(rds.opts.protect, true);
        // Implicit dependency: vpcSecurityGroupIds holds the security group's (mock) id.
        assert.deepEqual(
            rds.propertyDependencies.vpcSecurityGroupIds.map((d) => d.type),
            ["aws:ec2/securityGroup:SecurityGroup"],
        );
        assert.ok(rds.isType(aws.rds.Instance));
        assert.equal(rds.asType(aws.rds.Instance), rds.props as unknown);
        assert.equal(rds.asType(aws.rds.Snapshot), undefined);
        // Policies read a frozen copy: they cannot change the plan or each other's view.
        assert.throws(() => ((rds.props as Any).storageEncrypted = false), TypeError);
    });

    it("rejects a pack config with unknown policies, settings or levels", async () => {
        const bad = {
            all: "strict",
            "k8s-hpa-min-replica": { minReplicas: 2 },
            "k8s-hpa-sizing": { minimum: 2 },
            "rds-backup-retention": { minDays: "7" },
        } as Any;
        assert.deepEqual(packConfigProblems(bad), [
            'all must be one of advisory, mandatory, remediate, disabled (got "strict")',
            "k8s-hpa-min-replica must be a policy of the pack (check the spelling)",
            "k8s-hpa-sizing.minimum must be a setting of the policy (known: minReplicas, minHeadroom, cpuTargetMin, cpuTargetMax, memoryTargetMin, memoryTargetMax)",
            'rds-backup-retention.minDays must be of type integer (got "7")',
        ]);
        await assert.rejects(runPolicies(await planOf("prod"), { config: bad }), PolicyConfigError);
    });

    it("importing the rules starts nothing; index.ts starts the engine's analyzer", async function () {
        this.timeout(60000);
        // The TypeScript loader the engine uses for a pack, or this repo's cached one.
        const node = (code: string, cwd: string, loader = "ts-node/register/transpile-only") =>
            spawn(process.execPath, ["-r", loader, "-e", code], {
                cwd,
                env: {
                    ...process.env,
                    TS_NODE_PROJECT: path.join(__dirname, "..", "tsconfig.json"),
                },
            });
        const root = path.join(__dirname, "..");
        // A module with side effects would keep a gRPC server (and the process) alive.
        const plain = node(`require("./policies/policies")`, root, "./scripts/register.js");
        const code = await new Promise<number | null>((resolve) => plain.on("exit", resolve));
        assert.equal(code, 0);

        // As the engine runs it: cwd is the pack (its package.json has the version), and the
        // PolicyPack prints the port of its analyzer server.
        const pack = node(`require("./index.ts")`, path.join(root, "policies"));
        const port = await new Promise<string>((resolve, reject) => {
            let out = "";
            pack.stdout.on("data", (d) => {
                out += String(d);
                if (/^\d+\n/.test(out)) resolve(out.trim());
            });
            pack.on("exit", (c) => reject(new Error(`policy pack exited ${c}: ${out}`)));
        });
        pack.kill();
        assert.match(port, /^\d+$/);
    });
});

describe("docs/checklist-coverage.md", () => {
    const doc = fs.readFileSync(
        path.join(__dirname, "..", "docs", "checklist-coverage.md"),
        "utf8",
    );
    const rows = new Map(
        [...doc.matchAll(/^\| ((?:CL|AL)-\d\d) \|.*\| (.+) \|$/gm)].map((m) => [m[1], m[2]]),
    );

    it("has one row per checklist and alert ID", () => {
        const ids = [
            ...Array.from({ length: 37 }, (_, i) => `CL-${String(i + 1).padStart(2, "0")}`),
            ...Array.from({ length: 14 }, (_, i) => `AL-${String(i + 1).padStart(2, "0")}`),
        ];
        assert.deepEqual([...rows.keys()], ids);
        for (const [id, how] of rows) assert.ok(how.trim().length > 10, id);
    });

    it("names every policy of the pack, and only policies that exist", () => {
        const named = new Set([...doc.matchAll(/`([a-z0-9]+(?:-[a-z0-9]+)+)`/g)].map((m) => m[1]));
        const pack = new Set(policies().map((p) => p.name));
        for (const p of pack) assert.ok(named.has(p), `${p} is not in the coverage doc`);
        const unknown = [...named].filter(
            (n) =>
                !pack.has(n) &&
                /^(k8s|rds|cache|network|traffic|prometheus|random|password|service)-/.test(n),
        );
        assert.deepEqual(unknown, []);
    });
});

describe("policy pack on every router kind", () => {
    for (const [kind, edit] of Object.entries(ROUTER_VARIANTS)) {
        it(`prod on ${kind}: clean, and a broken weight or a 0-replica colour is caught`, async () => {
            const plan = await planStack("prod", edit);
            assert.deepEqual((await runPolicies(plan)).violations, []);

            const broken = structuredClone(plan);
            const routes = broken.resources.filter(
                (r) => r.type.endsWith(":HTTPRoute") || r.type.endsWith(":Ingress"),
            );
            for (const r of routes as Any[]) {
                const ann = r.inputs.metadata?.annotations ?? {};
                if (r.type.endsWith(":HTTPRoute")) {
                    r.inputs.spec.rules.at(-1).backendRefs[0].weight = 80; // 80 + 25
                } else if (ann["alb.ingress.kubernetes.io/actions.weighted-routing"]) {
                    const action = JSON.parse(
                        ann["alb.ingress.kubernetes.io/actions.weighted-routing"],
                    );
                    action.forwardConfig.targetGroups[0].weight = 80;
                    ann["alb.ingress.kubernetes.io/actions.weighted-routing"] =
                        JSON.stringify(action);
                } else if (ann["nginx.ingress.kubernetes.io/canary"] === "true") {
                    ann["nginx.ingress.kubernetes.io/canary-weight"] = "125";
                }
            }
            const weights = await runPolicies(broken);
            assert.ok(
                weights.violations.some((v) => v.policy === "traffic-weights-consistent"),
                JSON.stringify(weights.violations),
            );

            const down = structuredClone(plan);
            (find(down, DEP, "nova-api-green-deployment").inputs as Any).spec.replicas = 0;
            const ready = await runPolicies(down);
            assert.deepEqual(
                [...new Set(ready.violations.map((v) => v.policy))],
                ["traffic-to-ready-colors"],
            );
        });
    }
});

// ---- fault injection into the planned prod graph ----

interface Fault {
    name: string;
    policy: string;
    inject: (plan: Plan) => void;
}

function find(plan: Plan, type: string, name?: string | RegExp): PlannedResource {
    const r = plan.resources.find(
        (x) =>
            x.type === type &&
            (name === undefined ||
                (typeof name === "string" ? x.name === name : name.test(x.name))),
    );
    if (!r) throw new Error(`fault target ${type} ${String(name ?? "")} is not in the prod plan`);
    return r;
}
const inputs = (plan: Plan, type: string, name?: string | RegExp): Any =>
    find(plan, type, name).inputs;

const DEP = "kubernetes:apps/v1:Deployment";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const RDS = "aws:rds/instance:Instance";
const RG = "aws:elasticache/replicationGroup:ReplicationGroup";
const ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const app = (plan: Plan, color = "green") => inputs(plan, DEP, `nova-api-${color}-deployment`);
const appContainer = (plan: Plan, color = "green") =>
    app(plan, color).spec.template.spec.containers[0];
const primary = (plan: Plan) => inputs(plan, RDS, /primary$/);
const cacheRg = (plan: Plan) => inputs(plan, RG);
const defaultRule = (plan: Plan) =>
    inputs(plan, ROUTE).spec.rules.find((r: Any) => !r.matches?.some((m: Any) => m.headers));
const alerts = (plan: Plan): Any[] =>
    inputs(plan, RULE).spec.groups.flatMap((g: Any) => g.rules.filter((r: Any) => r.alert));
const drop = (plan: Plan, pred: (r: PlannedResource) => boolean) => {
    const before = plan.resources.length;
    plan.resources = plan.resources.filter((r) => !pred(r));
    if (plan.resources.length === before) throw new Error("fault removed nothing");
};

/** The CloudWatch exporter's container: it gets the same workload rules as the app. */
const cloudwatchContainer = (plan: Plan) =>
    inputs(plan, DEP, /cloudwatch-deployment$/).spec.template.spec.containers[0];

const FAULTS: Fault[] = [
    // The CloudWatch exporter (a Deployment like any other).
    {
        name: "CloudWatch exporter on latest",
        policy: "k8s-image-pinned",
        inject: (p) =>
            (cloudwatchContainer(p).image =
                "quay.io/prometheuscommunity/yet-another-cloudwatch-exporter:latest"),
    },
    {
        name: "CloudWatch exporter without a CPU limit",
        policy: "k8s-resources-set",
        inject: (p) => delete cloudwatchContainer(p).resources.limits.cpu,
    },
    {
        name: "CloudWatch exporter with a writable root filesystem",
        policy: "k8s-restricted-security-context",
        inject: (p) => (cloudwatchContainer(p).securityContext.readOnlyRootFilesystem = false),
    },
    // Kubernetes workloads
    {
        name: "image on latest",
        policy: "k8s-image-pinned",
        inject: (p) => (appContainer(p).image = "registry.example.com/nova/user-service:latest"),
    },
    {
        name: "image without a tag",
        policy: "k8s-image-pinned",
        inject: (p) => (appContainer(p, "blue").image = "registry.example.com/nova/user-service"),
    },
    {
        name: "migration Job on latest",
        policy: "k8s-image-pinned",
        inject: (p) =>
            (inputs(p, "kubernetes:batch/v1:Job", /v1-2-4/).spec.template.spec.containers[0].image =
                "migrate:latest"),
    },
    {
        name: "no memory limit",
        policy: "k8s-resources-set",
        inject: (p) => delete appContainer(p).resources.limits.memory,
    },
    {
        name: "no readiness probe",
        policy: "k8s-probes-set",
        inject: (p) => delete appContainer(p).readinessProbe,
    },
    {
        name: "no liveness probe",
        policy: "k8s-probes-set",
        inject: (p) => delete appContainer(p, "blue").livenessProbe,
    },
    {
        name: "runs as root",
        policy: "k8s-restricted-security-context",
        inject: (p) => {
            appContainer(p).securityContext.runAsNonRoot = false;
            app(p).spec.template.spec.securityContext.runAsNonRoot = false;
        },
    },
    {
        name: "privilege escalation",
        policy: "k8s-restricted-security-context",
        inject: (p) => (appContainer(p).securityContext.allowPrivilegeEscalation = true),
    },
    {
        name: "writable root filesystem",
        policy: "k8s-restricted-security-context",
        inject: (p) => (appContainer(p).securityContext.readOnlyRootFilesystem = false),
    },
    {
        name: "literal password env",
        policy: "k8s-no-literal-secret-env",
        inject: (p) => appContainer(p).env.push({ name: "DB_PASSWORD", value: "hunter2" }),
    },
    {
        name: "literal DATABASE_URL env",
        policy: "k8s-no-literal-secret-env",
        inject: (p) =>
            appContainer(p, "blue").env.push({
                name: "DATABASE_URL",
                value: "postgresql://u:p@h/db",
            }),
    },
    {
        name: "CORS *",
        policy: "k8s-cors-not-wildcard",
        inject: (p) =>
            (appContainer(p).env.find((e: Any) => e.name === "CORS_ORIGINS").value = "*"),
    },
    {
        name: "HPA min 1",
        policy: "k8s-hpa-sizing",
        inject: (p) => (inputs(p, HPA, "nova-api-green-hpa").spec.minReplicas = 1),
    },
    {
        name: "HPA max leaves no headroom above min",
        policy: "k8s-hpa-sizing",
        inject: (p) => {
            const spec = inputs(p, HPA, "nova-api-blue-hpa").spec;
            spec.maxReplicas = spec.minReplicas + 1;
        },
    },
    {
        name: "HPA CPU target 95 %",
        policy: "k8s-hpa-sizing",
        inject: (p) =>
            (inputs(p, HPA, "nova-api-green-hpa").spec.metrics.find(
                (m: Any) => m.resource.name === "cpu",
            ).resource.target.averageUtilization = 95),
    },
    {
        name: "HPA memory target 99 %",
        policy: "k8s-hpa-sizing",
        inject: (p) =>
            (inputs(p, HPA, "nova-api-blue-hpa").spec.metrics.find(
                (m: Any) => m.resource.name === "memory",
            ).resource.target.averageUtilization = 99),
    },
    {
        name: "no termination grace",
        policy: "k8s-routed-graceful-shutdown",
        inject: (p) => (app(p).spec.template.spec.terminationGracePeriodSeconds = 0),
    },
    {
        name: "no preStop",
        policy: "k8s-routed-graceful-shutdown",
        inject: (p) => delete appContainer(p, "blue").lifecycle,
    },
    {
        name: "canary colour without HPA",
        policy: "k8s-routed-colour-has-hpa-and-pdb",
        inject: (p) => drop(p, (r) => r.name === "nova-api-green-hpa"),
    },
    {
        name: "stable colour without PDB",
        policy: "k8s-routed-colour-has-hpa-and-pdb",
        inject: (p) => drop(p, (r) => r.name === "nova-api-blue-pdb"),
    },
    // Traffic
    {
        name: "weights add up to 110",
        policy: "traffic-weights-consistent",
        inject: (p) => (defaultRule(p).backendRefs[1].weight += 10),
    },
    {
        name: "canary weight between steps (75/25 hand-edited to 60/40)",
        policy: "traffic-weight-on-step",
        inject: (p) => {
            defaultRule(p).backendRefs[0].weight = 60;
            defaultRule(p).backendRefs[1].weight = 40;
        },
    },
    {
        name: "route without its declared steps",
        policy: "traffic-weight-on-step",
        inject: (p) =>
            delete inputs(p, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").metadata
                .annotations["release.pulumi.com/traffic-steps"],
    },
    {
        name: "weight to a colour at 0 replicas",
        policy: "traffic-to-ready-colors",
        inject: (p) => (app(p).spec.replicas = 0),
    },
    {
        name: "weight to a missing Service",
        policy: "traffic-to-ready-colors",
        inject: (p) => drop(p, (r) => r.name === "nova-api-green-service"),
    },
    {
        name: "plain HTTP listener",
        policy: "traffic-public-route-tls",
        inject: (p) => {
            const l = inputs(p, "kubernetes:gateway.networking.k8s.io/v1:Gateway").spec
                .listeners[0];
            l.protocol = "HTTP";
            delete l.tls;
        },
    },
    // Database
    {
        name: "unencrypted DB",
        policy: "rds-storage-encrypted",
        inject: (p) => (primary(p).storageEncrypted = false),
    },
    {
        name: "public DB",
        policy: "rds-not-public",
        inject: (p) => (primary(p).publiclyAccessible = true),
    },
    {
        name: "1-day backups",
        policy: "rds-backup-retention",
        inject: (p) => (primary(p).backupRetentionPeriod = 1),
    },
    { name: "single-AZ DB", policy: "rds-multi-az", inject: (p) => (primary(p).multiAz = false) },
    {
        name: "no deletion protection",
        policy: "rds-deletion-protection",
        inject: (p) => (primary(p).deletionProtection = false),
    },
    {
        name: "skips final snapshot",
        policy: "rds-deletion-protection",
        inject: (p) => (primary(p).skipFinalSnapshot = true),
    },
    {
        name: "DB not protected",
        policy: "rds-protected",
        inject: (p) => (find(p, RDS, /primary$/).options.protect = false),
    },
    {
        name: "PostgreSQL 14",
        policy: "rds-engine-version",
        inject: (p) => (primary(p).engineVersion = "14.12"),
    },
    {
        name: "force_ssl off",
        policy: "rds-force-ssl",
        inject: (p) =>
            (inputs(p, "aws:rds/parameterGroup:ParameterGroup").parameters.find(
                (x: Any) => x.name === "rds.force_ssl",
            ).value = "0"),
    },
    {
        name: "routing does not wait for the release snapshot",
        policy: "rds-release-snapshot",
        inject: (p) => drop(p, (r) => r.type === "aws:rds/snapshot:Snapshot"),
    },
    {
        name: "only the routed canary version's snapshot is dropped",
        policy: "rds-release-snapshot",
        inject: (p) =>
            drop(
                p,
                (r) =>
                    r.type === "aws:rds/snapshot:Snapshot" &&
                    (r.inputs as Any).tags["release/version"] === "v1.2.4",
            ),
    },
    {
        name: "database URL with its password in a ConfigMap value",
        policy: "no-plaintext-credentials",
        inject: (p) =>
            p.resources.push({
                type: "kubernetes:core/v1:ConfigMap",
                name: "app-config",
                parent: p.resources[0].parent,
                custom: true,
                inputs: {
                    apiVersion: "v1",
                    kind: "ConfigMap",
                    metadata: { name: "app-config", namespace: "nova-prod" },
                    data: { DB: "postgresql://nova:hunter2@db.internal:5432/nova" },
                },
                options: { protect: false, retainOnDelete: false, dependsOn: [] },
            }),
    },
    {
        name: "Slack webhook URL as a plain env value",
        policy: "no-plaintext-credentials",
        inject: (p) =>
            appContainer(p).env.push({
                name: "NOTIFY",
                value: "https://hooks.slack.com/services/T000/B000/XXXX",
            }),
    },
    {
        name: "release snapshots taken of another database",
        policy: "rds-release-snapshot",
        inject: (p) => {
            for (const r of p.resources.filter((x) => x.type === "aws:rds/snapshot:Snapshot")) {
                (r.inputs as Any).dbInstanceIdentifier = "some-other-db";
            }
        },
    },
    // Cache
    {
        name: "cache without TLS",
        policy: "cache-encrypted",
        inject: (p) => (cacheRg(p).transitEncryptionEnabled = false),
    },
    {
        name: "cache unencrypted at rest",
        policy: "cache-encrypted",
        inject: (p) => (cacheRg(p).atRestEncryptionEnabled = false),
    },
    {
        name: "cache without AUTH",
        policy: "cache-auth-token",
        inject: (p) => delete cacheRg(p).authToken,
    },
    {
        name: "cache without failover",
        policy: "cache-high-availability",
        inject: (p) => (cacheRg(p).automaticFailoverEnabled = false),
    },
    {
        name: "cache without snapshots",
        policy: "cache-snapshot-retention",
        inject: (p) => (cacheRg(p).snapshotRetentionLimit = 0),
    },
    {
        name: "Redis 6",
        policy: "cache-engine-version",
        inject: (p) => (cacheRg(p).engineVersion = "6.2"),
    },
    // Network
    {
        name: "0.0.0.0/0 on 5432",
        policy: "network-no-public-data-ingress",
        inject: (p) => {
            const r = inputs(
                p,
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                /db-from-app/,
            );
            delete r.referencedSecurityGroupId;
            r.cidrIpv4 = "0.0.0.0/0";
        },
    },
    {
        name: "::/0 on 6379 inline",
        policy: "network-no-public-data-ingress",
        inject: (p) =>
            (inputs(p, "aws:ec2/securityGroup:SecurityGroup", /cache-sg/).ingress = [
                { protocol: "tcp", fromPort: 6379, toPort: 6379, ipv6CidrBlocks: ["::/0"] },
            ]),
    },
    {
        name: "DB open to the VPC range",
        policy: "network-data-stores-app-only",
        inject: (p) => {
            const r = inputs(
                p,
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                /db-from-app/,
            );
            delete r.referencedSecurityGroupId;
            r.cidrIpv4 = "10.0.0.0/16";
        },
    },
    {
        name: "cache open to another security group",
        policy: "network-data-stores-app-only",
        inject: (p) =>
            (inputs(
                p,
                "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                /cache-from-app/,
            ).referencedSecurityGroupId = "sg-0bastion000000000"),
    },
    // Secrets
    {
        name: "12-character DB password",
        policy: "random-password-length",
        inject: (p) =>
            (inputs(p, "random:index/randomPassword:RandomPassword", /db-password/).length = 12),
    },
    {
        name: "plain-text DB password",
        policy: "password-inputs-secret",
        inject: (p) => (primary(p).password = "correct-horse-battery"),
    },
    {
        name: "plain-text cache token",
        policy: "password-inputs-secret",
        inject: (p) => (cacheRg(p).authToken = "a-plain-token-0123456789"),
    },
    // Monitoring
    {
        name: "missing alert HighErrorRate",
        policy: "prometheus-required-alerts",
        inject: (p) => {
            for (const g of inputs(p, RULE).spec.groups)
                g.rules = g.rules.filter((r: Any) => r.alert !== "HighErrorRate");
        },
    },
    {
        name: "no PrometheusRule",
        policy: "prometheus-required-alerts",
        inject: (p) => drop(p, (r) => r.type === RULE),
    },
    {
        name: "alert without team",
        policy: "prometheus-alert-labels",
        inject: (p) => delete alerts(p)[0].labels.team,
    },
    {
        name: "alert without runbook",
        policy: "prometheus-alert-labels",
        inject: (p) => delete alerts(p)[3].annotations.runbook_url,
    },
    {
        name: "no ServiceMonitor for the app",
        policy: "service-monitor-targets-app",
        inject: (p) =>
            drop(
                p,
                (r) =>
                    r.type === "kubernetes:monitoring.coreos.com/v1:ServiceMonitor" &&
                    (r.inputs as Any).spec?.selector?.matchLabels?.["app.kubernetes.io/name"] ===
                        "nova-api",
            ),
    },
];

describe("policy pack: faults injected into the prod graph", () => {
    it("the prod plan keeps its generated secrets redacted (the secret check relies on it)", async () => {
        const plan = await planOf("prod");
        assert.equal(inputs(plan, RDS, /primary$/).password, SECRET_MARKER);
        assert.equal(cacheRg(plan).authToken, SECRET_MARKER);
    });

    it(`has at least 25 faults (${FAULTS.length})`, () => assert.ok(FAULTS.length >= 25));

    for (const fault of FAULTS) {
        it(`${fault.name} → ${fault.policy}`, async () => {
            const plan = structuredClone(await planOf("prod"));
            fault.inject(plan);
            const run = await runPolicies(plan, { stage: "prod" });
            const caught = run.violations.filter((v) => v.policy === fault.policy);
            assert.ok(
                caught.length > 0,
                `${fault.policy} missed it; got ${JSON.stringify(run.violations, null, 1)}`,
            );
            assert.ok(caught.every((v) => v.enforcementLevel === "mandatory"));
        });
    }
});
