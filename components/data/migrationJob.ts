import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../config";
import { migrationJobName } from "../../decisions/dataNaming";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../../decisions/podSecurity";

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
 * The schema migration for one release version : a batch/v1 Job running the
 * version's image. A Job's pod template is immutable, so the name carries the version and each new
 * version gets a new Job. No ttlSecondsAfterFinished: a Job that deleted itself would be recreated
 * (and re-run) by the next `pulumi up`.
 */
export class MigrationJob extends pulumi.ComponentResource {
    public readonly job: k8s.batch.v1.Job;
    public readonly jobName: string;

    constructor(name: string, args: MigrationJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:data:MigrationJob", name, {}, opts);
        const { app } = args;
        this.jobName = migrationJobName(app.name, args.version);
        const deadline = args.activeDeadlineSeconds ?? 900;
        const labels = {
            "app.kubernetes.io/name": app.name,
            "app.kubernetes.io/component": "migration",
            "app.kubernetes.io/part-of": app.name,
            "app.kubernetes.io/managed-by": "pulumi",
            version: args.version,
        };
        this.job = new k8s.batch.v1.Job(
            `${name}-job`,
            {
                metadata: {
                    name: this.jobName,
                    namespace: args.namespace,
                    labels,
                    // A failed migration is replaced (re-run) by the next `pulumi up` instead of
                    // failing again on the same dead Job.
                    annotations: { "pulumi.com/replaceUnready": "true" },
                },
                spec: {
                    backoffLimit: args.backoffLimit ?? 1,
                    activeDeadlineSeconds: deadline,
                    template: {
                        metadata: { labels },
                        spec: {
                            restartPolicy: "Never",
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurity(app.runAsUser),
                            containers: [
                                {
                                    name: "migrate",
                                    image: args.image,
                                    imagePullPolicy: "IfNotPresent",
                                    command: args.command,
                                    env: [{ name: "APP_VERSION", value: args.version }],
                                    envFrom: (args.envFromSecrets ?? []).map((s) => ({
                                        secretRef: { name: s },
                                    })),
                                    resources: {
                                        requests: app.resources.requests,
                                        limits: app.resources.limits,
                                    },
                                    securityContext: restrictedContainerSecurity(),
                                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                },
                            ],
                            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
                        },
                    },
                },
            },
            {
                parent: this,
                dependsOn: args.gates ?? [],
                // Pulumi waits for the Job to complete (10 min by default): wait as long as it may run.
                customTimeouts: { create: `${deadline + 60}s`, update: `${deadline + 60}s` },
            },
        );
        this.registerOutputs({ jobName: this.jobName });
    }
}
