// Self-checks of the traffic-step invariant (test/trafficInvariant.ts). The invariant itself runs
// per router kind in shift.gateway-api, shift.alb and shift.nginx, so both mocha workers share it.
import * as assert from "assert";
import { diffPlans, type GraphDiff } from "../scripts/lib/graphDiff";
import { planStack } from "./helpers";
import { assertMinimal, edgeKeys } from "./trafficInvariant";
import { EXAMPLE_STACKS } from "./workloadFixtures";

describe("a traffic change is minimal", () => {
    it("flags a selector change on a Service that is not a tcp load balancer", () => {
        const key = "kubernetes:core/v1:Service::nova-api-blue-service";
        const diff = {
            created: [],
            deleted: [],
            changed: [{ key, type: "kubernetes:core/v1:Service", fields: ["spec.selector.color"] }],
        } as unknown as GraphDiff;
        assert.throws(() => assertMinimal(diff, false), /is not a tcp load balancer/);
        assert.doesNotThrow(() => assertMinimal(diff, false, new Set([key])));
    });

    it("flags a change to a backup CronJob, even the suspend flag colour CronJobs may change", () => {
        const key = "kubernetes:batch/v1:CronJob::odavl-studio-backup-cronjob";
        const diff = {
            created: [],
            deleted: [],
            changed: [{ key, type: "kubernetes:batch/v1:CronJob", fields: ["spec.suspend"] }],
        } as unknown as GraphDiff;
        assert.doesNotThrow(() => assertMinimal(diff, false));
        assert.throws(() => assertMinimal(diff, false, new Set(), new Set([key])), /AWS edge/);
        const record = "aws:route53/record:Record::architect-api-dns-api.architect.example.com";
        const dns = {
            created: [],
            deleted: [],
            changed: [{ key: record, type: "aws:route53/record:Record", fields: ["aliases"] }],
        } as unknown as GraphDiff;
        assert.throws(() => assertMinimal(dns, false), /AWS edge/);
    });

    it("the examples that declare AWS edges give the invariant every edge type to hold", async () => {
        const types = new Set<string>();
        for (const file of EXAMPLE_STACKS) {
            const plan = await planStack(file);
            for (const k of edgeKeys(plan)) types.add(k.split("::")[0]);
        }
        for (const t of [
            "aws:s3/bucket:Bucket",
            "aws:s3/bucketPolicy:BucketPolicy",
            "aws:kms/key:Key",
            "aws:iam/role:Role",
            "aws:iam/rolePolicy:RolePolicy",
            "kubernetes:core/v1:ServiceAccount",
            "kubernetes:batch/v1:CronJob",
            "aws:route53/record:Record",
            "aws:route53/healthCheck:HealthCheck",
        ]) {
            assert.ok(types.has(t), `no example declares a ${t}`);
        }
    });

    it("flags a change outside the allowed set (the check itself can fail)", async () => {
        const before = await planStack("prod");
        const after = await planStack("prod", (c) => {
            c.traffic.canaryWeight = 50;
            c.app.resources.limits.memory = "1Gi";
        });
        assert.throws(
            () => assertMinimal(diffPlans(before, after)),
            /must not change|spec\.template/,
        );
    });
});
