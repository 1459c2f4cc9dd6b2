import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Color } from "../../config";
import { readPreviousRelease, type PreviousRelease } from "../../decisions/ordering";

export interface PreviousReleaseArgs {
    /** Namespace of the Deployments read live (no default). */
    readonly namespace: string;
    /** Deployments to read live, by unit key: each is read only if its colour's last update listed it. */
    readonly deployments: readonly {
        readonly key: string;
        readonly color: Color;
        readonly workload: string;
        readonly name: string;
    }[];
}

/** The organization a self-managed backend runs in, for CLIs that do not tell the program. */
const DEFAULT_ORGANIZATION = "organization";

function selfName(): string {
    let org = DEFAULT_ORGANIZATION;
    try {
        org = pulumi.getOrganization();
    } catch {
        // An older CLI without organizations: self-managed backends use the default name.
    }
    return `${org}/${pulumi.getProject()}/${pulumi.getStack()}`;
}

/**
 * What is deployed now: the stack's own last outputs, read through a StackReference to itself, and
 * the replica count each previously deployed Deployment runs now, read with a `get` of the live
 * object (the HPA may have moved it since the last update). On a first deployment there are no
 * outputs and nothing is read.
 */
export class PreviousReleaseState extends pulumi.ComponentResource {
    /** The last update's release, or undefined on a first deployment. */
    public readonly release: pulumi.Output<PreviousRelease | undefined>;
    /** Replicas running now per unit key, for Deployments the last update listed. */
    public readonly live: pulumi.Output<Record<string, number>>;

    constructor(name: string, args: PreviousReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:traffic:PreviousReleaseState", name, {}, opts);
        const self = new pulumi.StackReference(
            `${name}-outputs`,
            { name: selfName() },
            { parent: this },
        );
        this.release = self.outputs.apply((o) => readPreviousRelease(o));
        // The reads depend on the previous outputs, so they are created once those are known: a
        // `get` of a Deployment that was never deployed would fail the update.
        this.live = this.release.apply((prev) => {
            const reads = args.deployments
                .filter((d) => prev?.colors[d.color]?.workloads?.[d.workload] !== undefined)
                .map((d) =>
                    k8s.apps.v1.Deployment.get(
                        `${name}-${d.key}-live`,
                        `${args.namespace}/${d.name}`,
                        { parent: this },
                    ).spec.apply((s) => [d.key, s.replicas] as const),
                );
            return pulumi
                .all(reads)
                .apply((pairs) =>
                    Object.fromEntries(pairs.filter(([, r]) => Number.isInteger(r))),
                ) as pulumi.Output<Record<string, number>>;
        });
        this.registerOutputs({});
    }
}
