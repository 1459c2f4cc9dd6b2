import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface AppSecretArgs {
    /** Secret name in the cluster (no default). */
    readonly secretName: string;
    readonly namespace: pulumi.Input<string>;
    /** Environment variables to hold; always stored as Pulumi secrets (no default). */
    readonly data: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A Kubernetes Secret the colours mount with envFrom; values never leave Pulumi as plain text. */
export class AppSecret extends pulumi.ComponentResource {
    public readonly secret: k8s.core.v1.Secret;
    public readonly secretName: string;

    constructor(name: string, args: AppSecretArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:app:AppSecret", name, {}, opts);
        this.secretName = args.secretName;
        this.secret = new k8s.core.v1.Secret(
            `${name}-secret`,
            {
                metadata: {
                    name: args.secretName,
                    namespace: args.namespace,
                    labels: { "app.kubernetes.io/managed-by": "pulumi" },
                },
                type: "Opaque",
                stringData: pulumi.secret(args.data),
            },
            { parent: this },
        );
        this.registerOutputs({ secretName: this.secretName });
    }
}
