// The AWS edges wired into the program: buckets reached only through per-workload pod identities,
// the pg_dump CronJob and its staleness alert, and Route 53 in front of the router, on the examples
// whose runbooks need them and on the root stack with one edit.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { BACKUP_ALERT } from "../decisions/backups";
import { loadBalancerAddress } from "../decisions/dns";
import { storagePolicies } from "../policies/storage";
import { computedOutputs } from "../scripts/lib/mockOutputs";
import type { Plan, PlannedResource } from "../scripts/lib/plan";
import { runPolicies } from "../scripts/lib/policyRunner";
import { configProblems, inputs, planStack } from "./helpers";
import { EXAMPLE_STACKS } from "./workloadFixtures";

const T = {
    bucket: "aws:s3/bucket:Bucket",
    publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    encryption:
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    sa: "kubernetes:core/v1:ServiceAccount",
    deployment: "kubernetes:apps/v1:Deployment",
    cronJob: "kubernetes:batch/v1:CronJob",
    rule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    record: "aws:route53/record:Record",
    healthCheck: "aws:route53/healthCheck:HealthCheck",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
};
const ofType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);
const key = (r: PlannedResource) => `${r.type}::${r.name}`;
const named = (plan: Plan, type: string, name: string) => {
    const r = ofType(plan, type).find((x) => inputs(x).metadata?.name === name);
    assert.ok(r, `no ${type} named ${name}`);
    return r;
};
const podSpec = (d: PlannedResource) => inputs(d).spec.template.spec;
const json = (text: unknown) => (typeof text === "string" ? JSON.parse(text) : text);

/** The role a ServiceAccount is annotated with, found by its name in the plan. */
function roleOf(plan: Plan, sa: PlannedResource): { role: PlannedResource; policy: any } {
    const arn: string = inputs(sa).metadata.annotations["eks.amazonaws.com/role-arn"];
    const role = ofType(plan, T.role).find((r) => arn.endsWith(`:role/${inputs(r).name}`));
    assert.ok(role, `no role behind ${arn}`);
    const policy = ofType(plan, T.rolePolicy).find((p) => p.parent === role.parent);
    return { role, policy: policy && json(inputs(policy).policy) };
}

const ODAVL = "examples/odavl-studio/Pulumi.prod.yaml";
const NOTEVAULT = "examples/notevault/Pulumi.prod.yaml";
const NOVA = "examples/nova-streaming/Pulumi.prod.yaml";
const ARCHITECT = ["us-east-1", "eu-west-1"].map(
    (r) => `examples/architect-dashboard-api/Pulumi.prod-${r}.yaml`,
);

describe("stack edges: buckets through pod identities", () => {
    let plan: Plan;
    before(async () => (plan = await planStack(ODAVL)));

    it("ODAVL's hub runs as its own ServiceAccount, whose role reaches only the uploads bucket", () => {
        const buckets = plan.outputs.buckets as Record<string, string>;
        assert.deepStrictEqual(Object.keys(buckets).sort(), ["backups", "uploads"]);
        for (const color of ["blue", "green"]) {
            const spec = podSpec(named(plan, T.deployment, `studio-hub-${color}`));
            assert.strictEqual(spec.serviceAccountName, "studio-hub");
            const env = spec.containers[0].env as { name: string; value?: string }[];
            assert.deepStrictEqual(
                env.filter((e) => e.name === "S3_BUCKET"),
                [{ name: "S3_BUCKET", value: buckets.uploads }],
            );
        }
        const sa = named(plan, T.sa, "studio-hub");
        const { role, policy } = roleOf(plan, sa);
        const trust = json(inputs(role).assumeRolePolicy);
        assert.deepStrictEqual(
            trust.Statement[0].Condition.StringEquals[
                "oidc.eks.us-east-1.amazonaws.com/id/A1B2C3D4E5F60718293A4B5C6D7E8F04:sub"
            ],
            "system:serviceaccount:odavl-prod:studio-hub",
        );
        const resources = JSON.stringify(policy.Statement.map((s: any) => s.Resource));
        assert.match(resources, new RegExp(`arn:aws:s3:::${buckets.uploads}`));
        assert.doesNotMatch(resources, new RegExp(buckets.backups), "no access to the dumps");
        const actions = policy.Statement.flatMap((s: any) => s.Action);
        assert.ok(actions.includes("s3:PutObject"), "read-write grants writes");
    });

    it("the pods wait for their ServiceAccount, which waits for the Namespace", () => {
        const sa = named(plan, T.sa, "studio-hub");
        const d = named(plan, T.deployment, "studio-hub-blue");
        assert.ok(d.options.dependsOn.includes(key(sa)), d.options.dependsOn.join(", "));
        const [ns] = ofType(plan, "release:app:AppNamespace");
        assert.ok(sa.options.dependsOn.includes(key(ns)), sa.options.dependsOn.join(", "));
    });

    it("workloads without a grant keep the default ServiceAccount and get no bucket env", async () => {
        const nova = await planStack(NOVA);
        for (const d of ofType(nova, T.deployment).filter((x) =>
            /^nova-(api|rtmp)/.test(inputs(x).metadata.name),
        )) {
            assert.strictEqual(podSpec(d).serviceAccountName, undefined);
            assert.ok(!JSON.stringify(podSpec(d)).includes("_BUCKET"));
        }
    });

    it("no stack file or plan carries a static AWS key", async () => {
        const files = ["Pulumi.prod.yaml", "Pulumi.staging.yaml", ...EXAMPLE_STACKS];
        const keyName =
            /(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|S3_SECRET_ACCESS_KEY|S3_ACCESS_KEY)/;
        for (const f of files) {
            const text = fs.readFileSync(path.join(__dirname, "..", f), "utf8");
            assert.doesNotMatch(text, keyName, f);
            assert.doesNotMatch(text, /\bAKIA[0-9A-Z]{16}\b/, f);
        }
        assert.doesNotMatch(JSON.stringify(plan), keyName);
    });

    it("a bucket declared with no configuration at all is private, encrypted and TLS-only", async () => {
        const p = await planStack("prod", (c) => (c.buckets = { scratch: {} }));
        const [block] = ofType(p, T.publicAccess);
        for (const f of [
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        ]) {
            assert.strictEqual(inputs(block)[f], true, f);
        }
        const denies = json(inputs(ofType(p, T.bucketPolicy)[0]).policy).Statement;
        assert.ok(
            denies.some(
                (s: any) =>
                    s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false",
            ),
        );
        const sse = inputs(ofType(p, T.encryption)[0]).rules[0].applyServerSideEncryptionByDefault;
        assert.strictEqual(sse.sseAlgorithm, "aws:kms");
        // No workload reaches it: no identity, no env.
        assert.strictEqual(ofType(p, T.sa).length, ofType(await planStack("prod"), T.sa).length);
        // The pack's bucket rules find nothing to say about it (nor does any other rule).
        const run = await runPolicies(p, { stage: "prod" });
        const names = new Set(storagePolicies().map((x) => x.name));
        assert.ok(names.size >= 4);
        assert.deepStrictEqual(run.violations, []);
        const bucket = ofType(p, T.bucket)[0];
        assert.strictEqual(bucket.options.protect, true, "prod buckets are protected");
        assert.strictEqual(bucket.options.retainOnDelete, true);
    });

    it("refuses access for a workload the stack does not have, before anything registers", async () => {
        const problems = await configProblems("prod", (c) => {
            c.buckets = { uploads: { access: { ghost: "read" } } };
        });
        assert.ok(
            problems.some((p) => /buckets\.uploads\.access\.ghost/.test(p) && /ghost/.test(p)),
            problems.join("\n"),
        );
    });
});

describe("stack edges: database backups", () => {
    for (const [file, db, bucket] of [
        [ODAVL, "odavl-prod", "backups"],
        [NOTEVAULT, "notevault-prod", "backups"],
        [NOVA, "nova-prod", "backups"],
    ]) {
        it(`${file}: one pg_dump CronJob for ${db}, into its bucket, watched by ${BACKUP_ALERT}`, async () => {
            const plan = await planStack(file);
            const cron = named(plan, T.cronJob, `${db}-backup`);
            const spec = inputs(cron).spec;
            assert.strictEqual(spec.concurrencyPolicy, "Forbid");
            const pod = spec.jobTemplate.spec.template.spec;
            const buckets = plan.outputs.buckets as Record<string, string>;
            const upload = pod.containers[0].env.find((e: any) => e.name === "BACKUP_BUCKET");
            assert.strictEqual(upload.value, buckets[bucket]);
            // Credentials from the datastore Secret, the same one the app reads.
            const url = pod.initContainers[0].env.find((e: any) => e.name === "DATABASE_URL");
            assert.strictEqual(url.valueFrom.secretKeyRef.name, plan.outputs.dataStoreSecret);
            // Its own identity, write-only on the database's prefix.
            const { policy } = roleOf(plan, named(plan, T.sa, pod.serviceAccountName));
            const resources = policy.Statement.flatMap((s: any) => s.Resource);
            assert.ok(
                resources.some((r: string) => r.startsWith(`arn:aws:s3:::${buckets[bucket]}/`)),
            );
            assert.ok(!policy.Statement.flatMap((s: any) => s.Action).includes("s3:GetObject"));
            // The staleness alert watches exactly this CronJob.
            const rules = ofType(plan, T.rule).flatMap((r) =>
                inputs(r).spec.groups.flatMap((g: any) => g.rules),
            );
            const alert = rules.filter((r: any) => r.alert === BACKUP_ALERT);
            assert.strictEqual(alert.length, 1);
            assert.match(alert[0].expr, new RegExp(`cronjob="${db}-backup"`));
            assert.match(alert[0].expr, /> 93600\b/, "26 h");
            assert.strictEqual(plan.outputs.databaseBackupCronJob, `${db}-backup`);
        });
    }

    it("a stack without a backup has no backup CronJob and no backup alert", async () => {
        const plan = await planStack("prod");
        assert.strictEqual(plan.outputs.databaseBackupCronJob, null);
        assert.doesNotMatch(JSON.stringify(ofType(plan, T.rule)), new RegExp(BACKUP_ALERT));
    });

    it("the alert reads the kube-state-metrics names the stack renames", async () => {
        const plan = await planStack(NOTEVAULT, (c) => {
            c.monitoring.metrics = { cronJobLastSuccess: "ksm_cronjob_last_success" };
        });
        const text = JSON.stringify(ofType(plan, T.rule));
        assert.match(text, /ksm_cronjob_last_success\{/);
        assert.doesNotMatch(text, /kube_cronjob_status_last_successful_time/);
        assert.match(text, /kube_cronjob_created\{/);
    });

    it("the alert follows release:database.backup.maxAgeHours", async () => {
        const plan = await planStack(NOTEVAULT, (c) => (c.database.backup.maxAgeHours = 30));
        assert.match(JSON.stringify(ofType(plan, T.rule)), /> 108000\b/);
    });
});

describe("stack edges: Architect's two regional stacks", () => {
    const plans: Record<string, Plan> = {};
    before(async () => {
        for (const f of ARCHITECT) plans[f] = await planStack(f);
    });

    it("each region owns only its own latency record for the shared host, with its own health check", () => {
        const seen = new Set<string>();
        for (const [i, region] of ["us-east-1", "eu-west-1"].entries()) {
            const plan = plans[ARCHITECT[i]];
            const shared = ofType(plan, T.record).filter(
                (r) => inputs(r).name === "api.architect.example.com",
            );
            assert.strictEqual(shared.length, 1);
            const rec = inputs(shared[0]);
            assert.strictEqual(rec.setIdentifier, region);
            assert.deepStrictEqual(rec.latencyRoutingPolicies, [{ region }]);
            const [hc] = ofType(plan, T.healthCheck);
            assert.strictEqual(rec.healthCheckId, `${hc.name}-id`, "its own region's check");
            // No record of this stack names another region.
            for (const r of ofType(plan, T.record)) {
                const text = JSON.stringify(inputs(r));
                const other = region === "us-east-1" ? "eu-west-1" : "us-east-1";
                assert.ok(!inputs(r).setIdentifier || inputs(r).setIdentifier === region);
                assert.doesNotMatch(inputs(r).name, new RegExp(`^${other}\\.`), text);
            }
            seen.add(rec.setIdentifier);
        }
        assert.strictEqual(seen.size, 2);
    });

    it("aliases the ALB that the Ingress reports in its status, never an address from config", () => {
        for (const f of ARCHITECT) {
            const plan = plans[f];
            const [ing] = ofType(plan, T.ingress);
            const status = computedOutputs({
                type: ing.type,
                name: ing.name,
                inputs: ing.inputs,
            } as any).status;
            const address = loadBalancerAddress("Ingress", status);
            assert.ok(address);
            for (const r of ofType(plan, T.record)) {
                assert.strictEqual(inputs(r).aliases[0].name, address);
                assert.strictEqual(inputs(r).aliases[0].evaluateTargetHealth, true);
            }
            assert.ok(!fs.readFileSync(f, "utf8").includes("elb.amazonaws.com"));
        }
    });

    it("the health check probes a host the region's Ingress serves, on the readiness path", () => {
        for (const [i, region] of ["us-east-1", "eu-west-1"].entries()) {
            const plan = plans[ARCHITECT[i]];
            const hc = inputs(ofType(plan, T.healthCheck)[0]);
            assert.strictEqual(hc.fqdn, `${region}.api.architect.example.com`);
            assert.strictEqual(hc.resourcePath, "/health/ready");
            const hosts = inputs(ofType(plan, T.ingress)[0]).spec.rules.map((r: any) => r.host);
            assert.ok(hosts.includes(hc.fqdn), `${hosts.join(", ")} must include ${hc.fqdn}`);
            const regional = ofType(plan, T.record).find((r) => inputs(r).name === hc.fqdn);
            assert.ok(regional, "the probed name resolves to this region's load balancer");
        }
    });

    it("behind a Gateway: the alias is the Gateway's address and the HTTPRoute serves the probed name", async () => {
        const p = await planStack(ARCHITECT[0], (c) => {
            c.router = { kind: "gateway-api", tls: { secretName: "architect-tls" } };
        });
        const [gw] = ofType(p, "kubernetes:gateway.networking.k8s.io/v1:Gateway");
        const status = computedOutputs({
            type: gw.type,
            name: gw.name,
            inputs: gw.inputs,
        } as any).status;
        const address = loadBalancerAddress("Gateway", status);
        const records = ofType(p, T.record);
        assert.strictEqual(records.length, 2);
        for (const r of records) {
            assert.deepStrictEqual(inputs(r).aliases[0].name, address);
            assert.strictEqual(inputs(r).aliases[0].zoneId, "Z32O12XQLNTSW2", "an ALB's zone");
        }
        const [route] = ofType(p, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute");
        assert.deepStrictEqual(inputs(route).spec.hostnames, [
            "api.architect.example.com",
            "us-east-1.api.architect.example.com",
        ]);
    });

    it("behind ingress-nginx: the alias names the NLB's hosted zone", async () => {
        const p = await planStack(ARCHITECT[1], (c) => {
            c.router = { kind: "nginx", tls: { secretName: "architect-tls" } };
        });
        for (const r of ofType(p, T.record)) {
            assert.strictEqual(inputs(r).aliases[0].zoneId, "Z2IFOLAFXWLO4F");
        }
    });

    it("each region has its own database and cache", () => {
        const ids = ARCHITECT.map((f) => (plans[f].outputs.database as any).identifier);
        assert.deepStrictEqual(ids, ["architect-use1", "architect-euw1"]);
    });
});
