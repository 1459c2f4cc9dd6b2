import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PodInputs } from "../../decisions/podTemplate";
import {
    colorObjectName,
    colorServiceObject,
    deploymentObject,
    hpaObject,
    pdbObject,
} from "../../decisions/workloadObjects";

export interface ColorDeploymentArgs {
    /** The workload, colour, version and Secrets the pod template is built from (no default). */
    readonly pod: PodInputs;
    /** Namespace for every object (no default). */
    readonly namespace: pulumi.Input<string>;
    /** Replicas and HPA bounds from the capacity and ordering decisions (no default). */
    readonly capacity: {
        readonly replicas: pulumi.Input<number>;
        /** Omitted when the colour is scaled to zero: no HPA. */
        readonly hpa?: {
            readonly minReplicas: pulumi.Input<number>;
            readonly maxReplicas: pulumi.Input<number>;
        };
    };
    /** Writes stopped (`release:data.writes`): capacity is zero and the Deployment says why; default false. */
    readonly writesStopped?: boolean;
    /** Resources the pods need first (the Secrets they read); default none. */
    readonly dependsOn?: pulumi.Resource[];
    /** Resources the Deployment and HPA wait for: routing, when this colour loses traffic; default none. */
    readonly scaleAfter?: pulumi.Input<pulumi.Resource[]>;
}

/**
 * One colour of a scalable workload (web, tcp, worker): Deployment, HorizontalPodAutoscaler and
 * PodDisruptionBudget, plus a ClusterIP Service for web and tcp. The HPA is omitted only when the
 * colour is scaled to zero.
 */
export class ColorDeployment extends pulumi.ComponentResource {
    public readonly deployment: k8s.apps.v1.Deployment;
    public readonly service?: k8s.core.v1.Service;
    public readonly hpa?: k8s.autoscaling.v2.HorizontalPodAutoscaler;
    public readonly pdb: k8s.policy.v1.PodDisruptionBudget;
    /** Service name the router sends this colour's traffic to (web and tcp). */
    public readonly serviceName?: string;

    constructor(name: string, args: ColorDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:app:ColorDeployment", name, {}, opts);
        const { pod, namespace } = args;
        const withNs = <T extends { metadata: object }>(o: T) => ({
            ...o,
            metadata: { ...o.metadata, namespace },
        });

        const after = pulumi.output(args.scaleAfter ?? []);
        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            withNs(deploymentObject(pod, args.capacity.replicas, args.writesStopped)),
            { parent: this, dependsOn: after.apply((a) => [...(args.dependsOn ?? []), ...a]) },
        );
        if (pod.workload.kind !== "worker") {
            this.serviceName = colorObjectName(pod.workload, pod.color);
            this.service = new k8s.core.v1.Service(
                `${name}-service`,
                withNs(colorServiceObject(pod)),
                { parent: this },
            );
        }
        if (args.capacity.hpa) {
            this.hpa = new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                `${name}-hpa`,
                withNs(hpaObject(pod, args.capacity.hpa)),
                { parent: this, dependsOn: after.apply((a) => [this.deployment, ...a]) },
            );
        }
        this.pdb = new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, withNs(pdbObject(pod)), {
            parent: this,
        });

        this.registerOutputs({
            deploymentName: colorObjectName(pod.workload, pod.color),
            serviceName: this.serviceName,
            replicas: args.capacity.replicas,
        });
    }
}
