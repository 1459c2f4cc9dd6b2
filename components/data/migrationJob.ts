import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../config";
import { migrationJobName } from "../../decisions/dataNaming";
import { migrationJobArgs, migrationTimeouts } from "../../decisions/dataTier";

export interface MigrationJobArgs {
    /** Namespace of the Job (no default). */
    readonly namespace: pulumi.Input<string>;
    /** App identity, resources and UID from `release:app` (no default). */
    readonly app: StackConfig["app"];
    /** Release version; part of the Job name (no default). */
    readonly version: string;
    /** That version's pinned image (no default). */
    readonly image: string;
    /** The migrate command, from `release:database.migration.command` (no default). */
    readonly command: string[];
    /** Pod retries before the Job fails; default 1. */
    readonly backoffLimit?: number;
    /** Hard time limit of the whole Job in seconds; default 900. */
    readonly activeDeadlineSeconds?: number;
    /** Secrets mounted whole as environment, e.g. DATABASE_URL; default none. */
    readonly envFromSecrets?: pulumi.Input<string>[];
    /** Resources that must exist before the Job starts (its release snapshot); default none. */
    readonly gates?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The schema migration for one release version: a batch/v1 Job running the
 * version's image. A Job's pod template is immutable, so the name carries the version and each new
 * version gets a new Job. No ttlSecondsAfterFinished: a Job that deleted itself would be recreated
 * (and re-run) by the next `pulumi up`.
 */
export class MigrationJob extends pulumi.ComponentResource {
    public readonly job: k8s.batch.v1.Job;
    public readonly jobName: string;

    constructor(name: string, args: MigrationJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:data:MigrationJob", name, {}, opts);
        this.jobName = migrationJobName(args.app.name, args.version);
        this.job = new k8s.batch.v1.Job(`${name}-job`, migrationJobArgs(args), {
            parent: this,
            dependsOn: args.gates ?? [],
            customTimeouts: migrationTimeouts(args),
        });
        this.registerOutputs({ jobName: this.jobName });
    }
}
