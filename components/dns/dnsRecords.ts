import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DnsConfig } from "../../config/dns";
import type { DnsPlan } from "../../decisions/dns";

export interface DnsRecordsArgs {
    /** `release:dns` (no default). */
    readonly config: DnsConfig;
    /** What this stack's records serve, from `dnsPlan` (no default). */
    readonly plan: DnsPlan;
    /** Public hosts pointed at the load balancer (no default). */
    readonly hosts: string[];
    /** The load balancer's DNS name, from the routing object's status (no default). */
    readonly loadBalancerHostname: pulumi.Input<string>;
    /** The load balancer's canonical hosted zone, for the alias target (no default). */
    readonly loadBalancerZoneId: pulumi.Input<string>;
    /** Path the health check requests over HTTPS (no default: the readiness path). */
    readonly healthPath: string;
    /** Tags on the health check; default none. */
    readonly tags?: Record<string, string>;
}

/**
 * Route 53 for one stack: a health check probing the readiness path through this stack's load
 * balancer, and alias A records from each public host to that load balancer. With latency or
 * geolocation routing the records carry this stack's set identifier and health check, so a region
 * whose check fails drops out of DNS, and no stack touches another region's records.
 */
export class DnsRecords extends pulumi.ComponentResource {
    public readonly healthCheck: aws.route53.HealthCheck;
    public readonly records: aws.route53.Record[];
    /** The public hosts the records answer for. */
    public readonly hosts: string[];

    constructor(name: string, args: DnsRecordsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:dns:DnsRecords", name, {}, opts);
        const { config: dns, plan } = args;
        const alias = {
            name: args.loadBalancerHostname,
            zoneId: args.loadBalancerZoneId,
            // The load balancer's own target health counts too: no healthy targets, no answers.
            evaluateTargetHealth: true,
        };

        this.records = [];
        this.hosts = [...args.hosts];
        if (plan.regionalHost) {
            // This region's own name: what the health check resolves, never shared with a region.
            this.records.push(
                new aws.route53.Record(
                    `${name}-regional`,
                    { zoneId: dns.zoneId, name: plan.regionalHost, type: "A", aliases: [alias] },
                    { parent: this },
                ),
            );
        }
        this.healthCheck = new aws.route53.HealthCheck(
            `${name}-health`,
            {
                type: "HTTPS",
                fqdn: plan.healthHost,
                port: 443,
                resourcePath: args.healthPath,
                enableSni: true,
                failureThreshold: dns.healthCheck.failureThreshold,
                requestInterval: dns.healthCheck.requestInterval,
                tags: { ...args.tags, Name: `${plan.healthHost}${args.healthPath}` },
            },
            { parent: this, dependsOn: this.records },
        );
        for (const host of args.hosts) {
            this.records.push(
                new aws.route53.Record(
                    `${name}-${host}`,
                    {
                        zoneId: dns.zoneId,
                        name: host,
                        type: "A",
                        aliases: [alias],
                        setIdentifier: plan.setIdentifier,
                        healthCheckId: this.healthCheck.id,
                        latencyRoutingPolicies: plan.latencyRegion
                            ? [{ region: plan.latencyRegion }]
                            : undefined,
                        geolocationRoutingPolicies: plan.geolocation
                            ? [plan.geolocation]
                            : undefined,
                    },
                    { parent: this },
                ),
            );
        }
        this.registerOutputs({ healthCheckId: this.healthCheck.id, hosts: args.hosts });
    }
}
