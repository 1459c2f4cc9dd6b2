import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

export interface AppNamespaceArgs {
    /** Namespace name (no default). */
    readonly name: string;
    /** Pod Security Standard enforced on every pod; default "restricted". */
    readonly podSecurity?: "restricted" | "baseline";
}

/** The app's namespace, with the restricted Pod Security Standard enforced. */
export class AppNamespace extends pulumi.ComponentResource {
    public readonly namespace: k8s.core.v1.Namespace;
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: AppNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:app:AppNamespace", name, {}, opts);
        const level = args.podSecurity ?? "restricted";
        this.namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
                metadata: {
                    name: args.name,
                    labels: {
                        "pod-security.kubernetes.io/enforce": level,
                        "pod-security.kubernetes.io/audit": level,
                        "pod-security.kubernetes.io/warn": level,
                    },
                },
            },
            { parent: this },
        );
        this.name = this.namespace.metadata.name;
        this.registerOutputs({ name: this.name });
    }
}
