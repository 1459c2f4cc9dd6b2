import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Color, Workload } from "../../config";
import { loadBalancerServiceObject } from "../../decisions/workloadObjects";

export interface TcpLoadBalancerArgs {
    /** The tcp workload (no default). */
    readonly workload: Workload;
    /** Namespace of the Service (no default). */
    readonly namespace: pulumi.Input<string>;
    /** App name for the part-of label (no default). */
    readonly appName: string;
    /** The colour the Service selects: L4 follows the stable colour (no default). */
    readonly stable: Color;
    /** Resources that must be ready before the selector moves (the colours); default none. */
    readonly gates?: pulumi.Input<pulumi.Resource | pulumi.Resource[]>[];
}

/** A tcp workload's NLB Service. Its selector is the only thing a promotion or rollback changes. */
export class TcpLoadBalancer extends pulumi.ComponentResource {
    public readonly service: k8s.core.v1.Service;
    public readonly serviceName: string;

    constructor(name: string, args: TcpLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:traffic:TcpLoadBalancer", name, {}, opts);
        const obj = loadBalancerServiceObject(args.workload, args.stable, args.appName);
        this.serviceName = obj.metadata.name;
        this.service = new k8s.core.v1.Service(
            `${name}-service`,
            { ...obj, metadata: { ...obj.metadata, namespace: args.namespace } },
            { parent: this, dependsOn: pulumi.output(args.gates ?? []).apply((g) => g.flat()) },
        );
        this.registerOutputs({ serviceName: this.serviceName, stable: args.stable });
    }
}
