import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    ROLE_ARN_ANNOTATION,
    irsaTrustPolicy,
    permissionPolicy,
    podIdentityRoleName,
    type PolicyStatement,
} from "../../decisions/podIdentity";

export interface PodIdentityArgs {
    /** Namespace of the ServiceAccount; a plain string, it is written into the trust policy (no default). */
    readonly namespace: string;
    /** ServiceAccount name; pods run as it with `serviceAccountName` (no default). */
    readonly serviceAccountName: string;
    /** The cluster's IAM OIDC provider ARN, from `release:cluster.oidcProviderArn` (no default). */
    readonly oidcProviderArn: string;
    /** Permission statements; resources may be Outputs such as a KMS key ARN. Default none. */
    readonly statements?: PolicyStatement<pulumi.Input<string>>[];
    /** IAM role name; default `podIdentityRoleName` (namespace, ServiceAccount and a cluster hash). */
    readonly roleName?: string;
    /** Extra labels on the ServiceAccount; default none. */
    readonly labels?: Record<string, string>;
    /** Tags on the IAM role; default none. */
    readonly tags?: Record<string, string>;
    /** Longest session the role hands out, in seconds; default 3600. */
    readonly maxSessionDurationSeconds?: number;
}

/**
 * A pod identity (IAM Roles for Service Accounts): a ServiceAccount annotated with an IAM role
 * whose trust policy admits only that ServiceAccount in that namespace, through the cluster's OIDC
 * provider, plus an inline least-privilege policy. Pods get short-lived credentials from the
 * projected token; no static AWS keys exist anywhere.
 */
export class PodIdentity extends pulumi.ComponentResource {
    public readonly role: aws.iam.Role;
    public readonly policy?: aws.iam.RolePolicy;
    public readonly serviceAccount: k8s.core.v1.ServiceAccount;
    public readonly serviceAccountName: string;
    public readonly roleName: string;
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: PodIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:identity:PodIdentity", name, {}, opts);
        const trust = {
            oidcProviderArn: args.oidcProviderArn,
            namespace: args.namespace,
            serviceAccountName: args.serviceAccountName,
        };
        // Both builders throw on bad input, before any child registers.
        const trustPolicy = irsaTrustPolicy(trust);
        const statements = args.statements ?? [];
        const document = statements.length > 0 ? permissionPolicy(statements) : undefined;
        this.serviceAccountName = args.serviceAccountName;
        this.roleName = args.roleName ?? podIdentityRoleName(trust);

        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                name: this.roleName,
                description: `Pod identity for ServiceAccount ${args.namespace}/${args.serviceAccountName}`,
                assumeRolePolicy: JSON.stringify(trustPolicy),
                maxSessionDuration: args.maxSessionDurationSeconds ?? 3600,
                tags: args.tags,
            },
            { parent: this },
        );
        if (document) {
            this.policy = new aws.iam.RolePolicy(
                `${name}-policy`,
                {
                    role: this.role.name,
                    name: "least-privilege",
                    policy: pulumi.output(document).apply((d) => JSON.stringify(d)),
                },
                { parent: this },
            );
        }
        this.roleArn = this.role.arn;
        const given = opts?.dependsOn;
        const outer = (
            Array.isArray(given) ? given : given ? [given] : []
        ) as pulumi.Input<pulumi.Resource>[];

        this.serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            {
                metadata: {
                    name: args.serviceAccountName,
                    namespace: args.namespace,
                    labels: { ...args.labels, "app.kubernetes.io/managed-by": "pulumi" },
                    annotations: {
                        [ROLE_ARN_ANNOTATION]: this.role.arn,
                        // Regional STS: no dependency on the global endpoint in us-east-1.
                        "eks.amazonaws.com/sts-regional-endpoints": "true",
                    },
                },
                // The web-identity token is a separate projected volume the EKS webhook adds; the
                // Kubernetes API token is not needed.
                automountServiceAccountToken: false,
            },
            // A pod must not start before its role can grant anything; the ServiceAccount also
            // waits for what the component waits for (its Namespace).
            { parent: this, dependsOn: [...outer, this.policy ?? this.role] },
        );

        this.registerOutputs({
            roleArn: this.roleArn,
            serviceAccountName: this.serviceAccountName,
        });
    }
}
