import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { smokeTestJob, type SmokeTestInputs } from "../../decisions/smokeTest";

export interface SmokeTestJobArgs extends SmokeTestInputs {
    /** Resources that must be ready first: the colour's Deployment and the migration; default none. */
    readonly gates?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The pre-traffic smoke test of one deployed version (Flagger's pre-rollout webhook, made
 * declarative): a Job calling the colour's Service. Pulumi waits for it to complete, and the
 * router depends on it, so a failing version never receives a weight.
 */
export class SmokeTestJob extends pulumi.ComponentResource {
    public readonly job: k8s.batch.v1.Job;
    public readonly jobName: string;

    constructor(name: string, args: SmokeTestJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:app:SmokeTestJob", name, {}, opts);
        const manifest = smokeTestJob(args);
        this.jobName = manifest.metadata.name;
        const wait = `${args.settings.activeDeadlineSeconds + 60}s`;
        this.job = new k8s.batch.v1.Job(`${name}-job`, manifest, {
            parent: this,
            dependsOn: args.gates ?? [],
            customTimeouts: { create: wait, update: wait },
        });
        this.registerOutputs({ jobName: this.jobName });
    }
}
