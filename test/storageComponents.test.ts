// Buckets, their pod identities, the backup CronJob and DNS records, planned under mocks and held
// to the pack's own bucket, IAM and backup policies.
import * as assert from "assert";
import * as path from "path";
import type { StackValidationPolicy } from "@pulumi/policy";
import { backupPolicies } from "../policies/backup";
import { identityPolicies } from "../policies/identity";
import { storagePolicies } from "../policies/storage";
import { planProgram, type Plan, type PlannedResource } from "../scripts/lib/plan";
import { checkStack } from "./policyArgs";

const PROVIDER =
    "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const program = path.join(__dirname, "fixtures", "storageProgram.ts");

function plan(config: Record<string, unknown>): Promise<Plan> {
    return planProgram({
        stack: "test",
        project: "fixture",
        program,
        config: Object.fromEntries(
            Object.entries(config).map(([k, v]) => [
                `fixture:${k}`,
                typeof v === "string" ? v : JSON.stringify(v),
            ]),
        ),
    });
}
const ofType = (p: Plan, t: string) => p.resources.filter((r) => r.type === t);
const onlyOne = (p: Plan, t: string): PlannedResource => {
    const rs = ofType(p, t);
    assert.strictEqual(rs.length, 1, `${t}: ${rs.map((r) => r.name).join(", ")}`);
    return rs[0];
};

async function violations(p: Plan, pack: StackValidationPolicy[]): Promise<string[]> {
    const out: string[] = [];
    // The policy graph expects the program's own project name on the stack.
    const resources = p.resources.map((r) => ({
        ...r,
        parent:
            r.parent === "pulumi:pulumi:Stack::fixture-test"
                ? "pulumi:pulumi:Stack::release-test"
                : r.parent,
    }));
    for (const policy of pack) out.push(...(await checkStack(policy, resources)).messages);
    return out;
}

describe("buckets under mocks", function () {
    let bare: Plan;
    before(async () => {
        bare = await plan({ buckets: { uploads: {} } });
    });

    it("a bucket declared with no configuration is private, encrypted, versioned and TLS-only", async () => {
        assert.deepStrictEqual(await violations(bare, storagePolicies()), []);
        const block = onlyOne(
            bare,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        ).inputs;
        for (const k of [
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        ]) {
            assert.strictEqual(block[k], true, k);
        }
        assert.deepStrictEqual(
            onlyOne(bare, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs.rule,
            { objectOwnership: "BucketOwnerEnforced" },
        );
        const key = onlyOne(bare, "aws:kms/key:Key").inputs;
        assert.strictEqual(key.enableKeyRotation, true);
        const sse = (
            onlyOne(
                bare,
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            ).inputs as any
        ).rules[0];
        assert.strictEqual(sse.applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
        assert.match(sse.applyServerSideEncryptionByDefault.kmsMasterKeyId, /^arn:aws:kms:/);
        const bucket = onlyOne(bare, "aws:s3/bucket:Bucket").inputs;
        assert.strictEqual(bucket.bucket, "nv-uploads-staging-eu-west-1");
        assert.strictEqual(bucket.forceDestroy, false);
        // Nothing is granted: no role, no ServiceAccount.
        assert.strictEqual(ofType(bare, "aws:iam/role:Role").length, 0);
    });

    it("staging buckets can be torn down; prod buckets, keys and settings are protected and retained", async () => {
        for (const r of bare.resources.filter((x) => x.custom)) {
            assert.deepStrictEqual(
                [r.options.protect, r.options.retainOnDelete],
                [false, false],
                r.name,
            );
        }
        const prod = await plan({ stage: "prod", buckets: { uploads: {} } });
        const custom = prod.resources.filter((x) => x.custom);
        assert.ok(custom.length >= 8);
        for (const r of custom) {
            assert.deepStrictEqual(
                [r.options.protect, r.options.retainOnDelete],
                [true, true],
                r.name,
            );
        }
    });

    it("SSE-S3 buckets get AES256 and no key", async () => {
        const p = await plan({ buckets: { logs: { encryption: "sse-s3" } } });
        assert.strictEqual(ofType(p, "aws:kms/key:Key").length, 0);
        assert.deepStrictEqual(await violations(p, storagePolicies()), []);
        const sse = (
            onlyOne(
                p,
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            ).inputs as any
        ).rules[0];
        assert.deepStrictEqual(sse.applyServerSideEncryptionByDefault, { sseAlgorithm: "AES256" });
    });

    it("grants each workload one role covering exactly its buckets, and their names by env var", async () => {
        const p = await plan({
            oidcProviderArn: PROVIDER,
            buckets: {
                uploads: { access: { api: "read-write", worker: "read" } },
                exports: {
                    access: { worker: "read-write" },
                    envVar: "EXPORT_BUCKET",
                    encryption: "sse-s3",
                },
            },
        });
        assert.deepStrictEqual(
            await violations(p, [...storagePolicies(), ...identityPolicies()]),
            [],
        );
        const roles = ofType(p, "aws:iam/role:Role");
        assert.deepStrictEqual(
            roles
                .map(
                    (r) =>
                        JSON.parse(String(r.inputs.assumeRolePolicy)).Statement[0].Condition
                            .StringEquals[
                            "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub"
                        ],
                )
                .sort(),
            ["system:serviceaccount:notevault:nv-api", "system:serviceaccount:notevault:nv-worker"],
        );
        const docs = ofType(p, "aws:iam/rolePolicy:RolePolicy").map((r) => ({
            parent: r.parent,
            doc: JSON.parse(String(r.inputs.policy)),
        }));
        const api = docs.find((d) => d.parent!.includes("-api-identity"))!.doc;
        const worker = docs.find((d) => d.parent!.includes("-worker-identity"))!.doc;
        const resources = (d: any) =>
            [...new Set(d.Statement.flatMap((s: any) => s.Resource))].sort();
        assert.deepStrictEqual(
            resources(api).filter((r: any) => r.startsWith("arn:aws:s3")),
            [
                "arn:aws:s3:::nv-uploads-staging-eu-west-1",
                "arn:aws:s3:::nv-uploads-staging-eu-west-1/*",
            ],
        );
        assert.deepStrictEqual(
            resources(worker).filter((r: any) => r.startsWith("arn:aws:s3")),
            [
                "arn:aws:s3:::nv-exports-staging-eu-west-1",
                "arn:aws:s3:::nv-exports-staging-eu-west-1/*",
                "arn:aws:s3:::nv-uploads-staging-eu-west-1",
                "arn:aws:s3:::nv-uploads-staging-eu-west-1/*",
            ],
        );
        const actions = (d: any) => d.Statement.flatMap((s: any) => s.Action);
        assert.ok(actions(api).includes("s3:PutObject"));
        // The worker writes exports but only reads uploads.
        const uploadObjects = worker.Statement.filter((s: any) =>
            s.Resource.includes("arn:aws:s3:::nv-uploads-staging-eu-west-1/*"),
        );
        assert.ok(uploadObjects.every((s: any) => !s.Action.includes("s3:PutObject")));
        assert.deepStrictEqual(p.outputs.access, {
            api: {
                serviceAccountName: "nv-api",
                env: [{ name: "UPLOADS_BUCKET", value: "nv-uploads-staging-eu-west-1" }],
                // Its ServiceAccount and the bucket's six settings.
                gates: 7,
            },
            worker: {
                serviceAccountName: "nv-worker",
                env: [
                    { name: "UPLOADS_BUCKET", value: "nv-uploads-staging-eu-west-1" },
                    { name: "EXPORT_BUCKET", value: "nv-exports-staging-eu-west-1" },
                ],
                gates: 13,
            },
        });
    });
});

describe("database backup under mocks", function () {
    let p: Plan;
    before(async () => {
        p = await plan({
            oidcProviderArn: PROVIDER,
            buckets: { backups: {} },
            backup: { bucket: "backups" },
        });
    });

    it("dumps on a schedule with Forbid, deadlines and history limits, from the datastore Secret", async () => {
        assert.deepStrictEqual(
            await violations(p, [...storagePolicies(), ...identityPolicies(), ...backupPolicies()]),
            [],
        );
        const cron = onlyOne(p, "kubernetes:batch/v1:CronJob").inputs as any;
        assert.strictEqual(cron.metadata.name, "nv-prod-backup");
        assert.strictEqual(cron.spec.concurrencyPolicy, "Forbid");
        assert.strictEqual(cron.spec.schedule, "30 4 * * *");
        assert.strictEqual(cron.spec.startingDeadlineSeconds, 600);
        assert.strictEqual(cron.spec.successfulJobsHistoryLimit, 3);
        assert.strictEqual(cron.spec.failedJobsHistoryLimit, 3);
        const job = cron.spec.jobTemplate.spec;
        assert.strictEqual(job.activeDeadlineSeconds, 3600);
        const pod = job.template.spec;
        assert.strictEqual(pod.serviceAccountName, "nv-prod-backup");
        const [dump] = pod.initContainers;
        assert.match(dump.image, /^docker\.io\/library\/postgres:\d+\.\d+-alpine$/);
        assert.deepStrictEqual(dump.env[0], {
            name: "DATABASE_URL",
            valueFrom: { secretKeyRef: { name: "nv-datastores-abc123", key: "DATABASE_URL" } },
        });
        assert.match(dump.command[2], /pg_dump --format=custom/);
        assert.match(dump.command[2], /pg_restore --list/);
        const [upload] = pod.containers;
        assert.match(
            upload.command[2],
            /aws s3 cp \/backup\/dump\.pgdump "s3:\/\/\$BACKUP_BUCKET\/\$key"/,
        );
        assert.deepStrictEqual(upload.env[0], {
            name: "BACKUP_BUCKET",
            value: "nv-backups-staging-eu-west-1",
        });
        for (const c of [dump, upload]) {
            assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
            assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false);
        }
        assert.strictEqual(pod.securityContext.runAsNonRoot, true);
    });

    it("may only write its own dated prefix: no read, list or delete", () => {
        const doc = JSON.parse(String(onlyOne(p, "aws:iam/rolePolicy:RolePolicy").inputs.policy));
        const s3 = doc.Statement.filter((s: any) =>
            s.Action.some((a: string) => a.startsWith("s3:")),
        );
        assert.deepStrictEqual(s3, [
            {
                Sid: "WriteBackups",
                Effect: "Allow",
                Action: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
                Resource: ["arn:aws:s3:::nv-backups-staging-eu-west-1/postgres/nv-prod/*"],
            },
        ]);
    });

    it("starts only after its ServiceAccount and the bucket's settings exist", () => {
        const cron = onlyOne(p, "kubernetes:batch/v1:CronJob");
        const deps = cron.options.dependsOn.join(" ");
        for (const t of [
            "ServiceAccount",
            "BucketPublicAccessBlock",
            "BucketPolicy",
            "BucketServerSideEncryptionConfiguration",
        ]) {
            assert.ok(deps.includes(t), `${t} missing from ${deps}`);
        }
    });
});

describe("DNS records under mocks", function () {
    it("one stack: an alias to the load balancer and a health check on the readiness path", async () => {
        const p = await plan({ dns: { zoneId: "Z0123456789ABCDEFGHIJ" } });
        const hc = onlyOne(p, "aws:route53/healthCheck:HealthCheck").inputs;
        assert.deepStrictEqual(
            [hc.type, hc.fqdn, hc.port, hc.resourcePath, hc.failureThreshold, hc.requestInterval],
            ["HTTPS", "api.notevault.example.com", 443, "/health/ready", 3, 30],
        );
        const rec = onlyOne(p, "aws:route53/record:Record").inputs as any;
        assert.strictEqual(rec.name, "api.notevault.example.com");
        assert.strictEqual(rec.setIdentifier, undefined);
        assert.deepStrictEqual(rec.aliases, [
            {
                name: "k8s-notevaul-nvapi-0123456789.eu-west-1.elb.amazonaws.com",
                zoneId: "Z32O12XQLNTSW2",
                evaluateTargetHealth: true,
            },
        ]);
    });

    it("a regional stack owns its latency record, its own regional name and its health check", async () => {
        const p = await plan({ dns: { zoneId: "Z0123456789ABCDEFGHIJ", routing: "latency" } });
        const records = ofType(p, "aws:route53/record:Record").map((r) => r.inputs as any);
        const shared = records.find((r) => r.name === "api.notevault.example.com");
        const regional = records.find((r) => r.name === "eu-west-1.api.notevault.example.com");
        assert.strictEqual(records.length, 2);
        assert.strictEqual(shared.setIdentifier, "eu-west-1");
        assert.deepStrictEqual(shared.latencyRoutingPolicies, [{ region: "eu-west-1" }]);
        assert.strictEqual(shared.healthCheckId, "fx-dns-health-id");
        assert.strictEqual(regional.setIdentifier, undefined);
        // The check resolves this region's own name, never the shared record.
        assert.strictEqual(
            onlyOne(p, "aws:route53/healthCheck:HealthCheck").inputs.fqdn,
            "eu-west-1.api.notevault.example.com",
        );
    });

    it("geolocation records say where they answer", async () => {
        const p = await plan({
            dns: {
                zoneId: "Z0123456789ABCDEFGHIJ",
                routing: "geolocation",
                geolocation: { continent: "EU" },
            },
        });
        const shared = ofType(p, "aws:route53/record:Record")
            .map((r) => r.inputs as any)
            .find((r) => r.name === "api.notevault.example.com");
        assert.deepStrictEqual(shared.geolocationRoutingPolicies, [{ continent: "EU" }]);
        assert.strictEqual(shared.latencyRoutingPolicies, undefined);
    });
});
