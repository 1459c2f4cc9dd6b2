import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { loadBalancerAddress } from "../../decisions/dns";
import { routeObjects, type RouteInputs, type RouteObject } from "../../decisions/routing";

export interface TrafficRouterArgs extends RouteInputs {
    /**
     * Resources that must be ready before any weight moves: both colours' workloads, and later the
     * release snapshot and migration Job. Default none.
     */
    readonly gates?: pulumi.Input<pulumi.Resource | pulumi.Resource[]>[];
    /** Canary weights of `release:traffic.steps`, written on every route for the policy pack; default none. */
    readonly steps?: readonly number[];
}

/**
 * Route annotation the traffic-weight-on-step policy reads (policies/release.ts). It names no
 * colour, so a promotion at 100 % leaves the routes untouched.
 */
export const STEPS_ANNOTATION = "release.pulumi.com/traffic-steps";

/**
 * Turns the traffic split into routing objects for the configured router kind: a Gateway API
 * HTTPRoute (default), an AWS Load Balancer Controller Ingress, or ingress-nginx primary/canary.
 */
export class TrafficRouter extends pulumi.ComponentResource {
    /** The routing objects, keyed by role (route, gateway, ingress, primary, canary). */
    public readonly objects: Record<string, pulumi.CustomResource>;
    public readonly weights: Record<string, number>;
    /**
     * DNS name of the load balancer in front of the routes, read from the Gateway's or Ingress's
     * status once the controller has provisioned it; undefined when this router owns no such object.
     */
    public readonly loadBalancerHostname?: pulumi.Output<string>;

    constructor(name: string, args: TrafficRouterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:traffic:TrafficRouter", name, {}, opts);
        const gates = pulumi.output(args.gates ?? []).apply((g) => g.flat());
        this.objects = {};
        const stepAnnotations: Record<string, string> = args.steps
            ? { [STEPS_ANNOTATION]: args.steps.join(",") }
            : {};
        for (const obj of routeObjects(args)) {
            const routes = obj.kind === "HTTPRoute" || obj.kind === "Ingress";
            const annotated = routes
                ? {
                      ...obj,
                      metadata: {
                          ...obj.metadata,
                          annotations: { ...obj.metadata.annotations, ...stepAnnotations },
                      },
                  }
                : obj;
            // ingress-nginx splits one decision over two Ingresses: the canary one follows the
            // primary, so a change of stable colour never sends everything to the old one.
            const primary = obj.role === "canary" ? this.objects.primary : undefined;
            this.objects[obj.role] = TrafficRouter.create(`${name}-${obj.role}`, annotated, {
                parent: this,
                dependsOn: primary ? gates.apply((g) => [...g, primary]) : gates,
            });
        }
        this.weights = { ...args.split.weights };
        const front = this.objects.gateway ?? this.objects.ingress ?? this.objects.primary;
        if (front) {
            const kind = front === this.objects.gateway ? "Gateway" : "Ingress";
            const status = (front as unknown as { status: pulumi.Output<unknown> }).status;
            this.loadBalancerHostname = status.apply((s) => {
                const address = loadBalancerAddress(kind, s);
                if (!address) {
                    throw new Error(
                        `${kind} ${name} must report its load balancer in status before DNS can point at it (got ${JSON.stringify(s ?? null)})`,
                    );
                }
                return address;
            });
        }
        this.registerOutputs({ weights: this.weights, stable: args.split.stable });
    }

    private static create(
        name: string,
        obj: RouteObject,
        opts: pulumi.CustomResourceOptions,
    ): pulumi.CustomResource {
        const labels = { "app.kubernetes.io/managed-by": "pulumi" };
        const metadata = { ...obj.metadata, labels };
        if (obj.kind === "Ingress") {
            return new k8s.networking.v1.Ingress(name, { metadata, spec: obj.spec }, opts);
        }
        if (obj.kind === "Gateway") {
            // `status` is declared (and left unset) so the provider hands it back as an output;
            // the provider waits until the controller has written the load balancer's address.
            return new k8s.apiextensions.CustomResource(
                name,
                {
                    apiVersion: obj.apiVersion,
                    kind: obj.kind,
                    metadata: {
                        ...metadata,
                        annotations: {
                            ...obj.metadata.annotations,
                            "pulumi.com/waitFor": "jsonpath={.status.addresses[0].value}",
                        },
                    },
                    spec: obj.spec,
                    status: undefined,
                },
                opts,
            );
        }
        return new k8s.apiextensions.CustomResource(
            name,
            { apiVersion: obj.apiVersion, kind: obj.kind, metadata, spec: obj.spec },
            opts,
        );
    }
}
