import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Color } from "../../config";
import type { PodInputs } from "../../decisions/podTemplate";
import { cronJobObject } from "../../decisions/workloadObjects";

export interface ColorCronJobArgs {
    /** The cron workload, colour, version and Secrets (no default). */
    readonly pod: PodInputs;
    /** Namespace of the CronJob (no default). */
    readonly namespace: pulumi.Input<string>;
    /** The stable colour: only its CronJob runs, the other is suspended (no default). */
    readonly stable: Color;
    /** Suspend both colours (`release:data.writes: stopped`); default false. */
    readonly writesStopped?: boolean;
    /** Resources the Jobs need first (the Secrets they read); default none. */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** One colour of a cron workload: a CronJob, suspended unless the colour is stable and writes run. */
export class ColorCronJob extends pulumi.ComponentResource {
    public readonly cronJob: k8s.batch.v1.CronJob;

    constructor(name: string, args: ColorCronJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:app:ColorCronJob", name, {}, opts);
        const obj = cronJobObject(args.pod, args.stable, args.writesStopped);
        this.cronJob = new k8s.batch.v1.CronJob(
            `${name}-cronjob`,
            { ...obj, metadata: { ...obj.metadata, namespace: args.namespace } },
            { parent: this, dependsOn: args.dependsOn },
        );
        this.registerOutputs({ suspended: obj.spec.suspend });
    }
}
