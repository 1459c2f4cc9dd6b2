import * as pulumi from "@pulumi/pulumi";
import { bucketEnvVar, type BucketConfig } from "../../config/storage";
import { bucketAccessStatements, type PolicyStatement } from "../../decisions/podIdentity";
import { defaultBucketName } from "../../decisions/storage";
import { PodIdentity } from "../identity/podIdentity";
import { Bucket } from "./bucket";

/** What one workload gets to reach its buckets. */
export interface WorkloadStorageAccess {
    /** The ServiceAccount its pods run as (bound to its IAM role). */
    readonly serviceAccountName: string;
    /** Plain env vars carrying bucket names (names are not secrets). */
    readonly env: { name: string; value: string }[];
    /** The ServiceAccount and bucket settings the pods must wait for. */
    readonly gates: pulumi.Resource[];
}

export interface ObjectStorageArgs {
    /** `release:buckets` (no default). */
    readonly buckets: Record<string, BucketConfig>;
    /** App name: default bucket names start with it (no default). */
    readonly appName: string;
    /** Stage, part of default bucket names; prod protects and retains the buckets (no default). */
    readonly stage: string;
    /** The stack's AWS region, part of default bucket names; default none. */
    readonly region?: string;
    /** Namespace of the workloads' ServiceAccounts; a plain string (no default). */
    readonly namespace: string;
    /** Workload key → ServiceAccount name, for every workload that may be granted access (no default). */
    readonly workloads: Record<string, string>;
    /** The cluster's IAM OIDC provider; required when any bucket grants access (default none). */
    readonly oidcProviderArn?: string;
    /** Tags on every AWS resource; default none. */
    readonly tags?: Record<string, string>;
}

/**
 * Every bucket in `release:buckets`, and for each workload granted access a pod identity whose
 * policy covers exactly its buckets at the configured level. Workloads read the bucket names from
 * env vars; no credentials exist besides the pods' short-lived web-identity tokens.
 */
export class ObjectStorage extends pulumi.ComponentResource {
    public readonly buckets: Record<string, Bucket> = {};
    public readonly access: Record<string, WorkloadStorageAccess> = {};

    constructor(name: string, args: ObjectStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:storage:ObjectStorage", name, {}, opts);
        const prod = args.stage === "prod";
        const grants = new Map<
            string,
            {
                statements: PolicyStatement<pulumi.Input<string>>[];
                env: { name: string; value: string }[];
                gates: pulumi.Resource[];
            }
        >();

        for (const [key, cfg] of Object.entries(args.buckets)) {
            const bucketName =
                cfg.name ??
                defaultBucketName({
                    appName: args.appName,
                    key,
                    stage: args.stage,
                    region: args.region,
                });
            const bucket = new Bucket(
                `${name}-${key}`,
                { bucketName, config: cfg, prod, tags: args.tags },
                { parent: this },
            );
            this.buckets[key] = bucket;
            for (const [workload, level] of Object.entries(cfg.access)) {
                if (!(workload in args.workloads)) {
                    throw new Error(
                        `release:buckets.${key}.access must name workloads of this stack (got ${JSON.stringify(workload)}; workloads: ${Object.keys(args.workloads).join(", ")})`,
                    );
                }
                const g = grants.get(workload) ?? { statements: [], env: [], gates: [] };
                g.statements.push(
                    ...bucketAccessStatements<pulumi.Input<string>>({
                        bucketArn: bucket.arn,
                        objectsArn: pulumi.interpolate`${bucket.arn}/*`,
                        access: level,
                        kmsKeyArn: bucket.kmsKeyArn,
                        sid: key,
                    }),
                );
                g.env.push({ name: cfg.envVar ?? bucketEnvVar(key), value: bucketName });
                g.gates.push(...bucket.ready);
                grants.set(workload, g);
            }
        }

        for (const [workload, g] of grants) {
            if (!args.oidcProviderArn) {
                throw new Error(
                    "release:cluster.oidcProviderArn must be set when a bucket grants a workload access (pod identities trust the cluster's OIDC provider)",
                );
            }
            const identity = new PodIdentity(
                `${name}-${workload}-identity`,
                {
                    namespace: args.namespace,
                    serviceAccountName: args.workloads[workload],
                    oidcProviderArn: args.oidcProviderArn,
                    statements: g.statements,
                    tags: args.tags,
                },
                // The ServiceAccounts wait for what the component waits for (the Namespace).
                { parent: this, dependsOn: opts?.dependsOn },
            );
            this.access[workload] = {
                serviceAccountName: identity.serviceAccountName,
                env: g.env,
                gates: [identity.serviceAccount, ...g.gates],
            };
        }

        this.registerOutputs({
            buckets: Object.fromEntries(
                Object.entries(this.buckets).map(([k, b]) => [k, b.bucketName]),
            ),
        });
    }
}
