import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { CacheConfig, NetworkConfig } from "../../config/data";
import {
    authTokenArgs,
    cacheParameterGroupArgs,
    replicationGroupArgs,
} from "../../decisions/cache";
import { redisUrl } from "../../decisions/dataNaming";
import { appOnlyAccessArgs, privateSubnetGroupArgs } from "../../decisions/dataNetwork";
import { appOnlySecurityGroup } from "./dataNetwork";

export interface CacheArgs {
    /** `release:cache` (no default). */
    readonly config: CacheConfig;
    /** `release:network`: VPC, private subnets and the app security group (no default). */
    readonly network: NetworkConfig;
    /** Pulumi `protect` on the replication group; default false (index.ts sets it in prod). */
    readonly protectStore?: boolean;
    /** Apply modifications now rather than in the maintenance window; default false. */
    readonly applyImmediately?: boolean;
    /** Tags on every AWS resource; default none. */
    readonly tags?: Record<string, string>;
}

/**
 * ElastiCache Redis: subnet group, security group (the port open to the app security group only),
 * parameter group, a generated AUTH token and a replication group with TLS in transit and
 * encryption at rest. Two or more nodes turn on automatic failover and multi-AZ.
 */
export class Cache extends pulumi.ComponentResource {
    public readonly replicationGroup: aws.elasticache.ReplicationGroup;
    public readonly securityGroup: aws.ec2.SecurityGroup;
    /** `rediss://:token@host:port`; a Pulumi secret. */
    public readonly redisUrl: pulumi.Output<string>;
    /** `host:port` of the primary endpoint (no credentials). */
    public readonly endpoint: pulumi.Output<string>;
    /** Host, port and AUTH token (a Pulumi secret) for apps that take them apart. */
    public readonly connection: {
        readonly host: pulumi.Output<string>;
        readonly port: string;
        readonly password: pulumi.Output<string>;
    };

    constructor(name: string, args: CacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:data:Cache", name, {}, opts);
        const c = args.config;
        const id = c.replicationGroupId;
        const tags = { ...args.tags, "release/data-store": "redis" };

        const subnetGroup = new aws.elasticache.SubnetGroup(
            `${name}-subnets`,
            { ...privateSubnetGroupArgs(id, args.network), tags },
            { parent: this },
        );
        this.securityGroup = appOnlySecurityGroup(
            name,
            { ...appOnlyAccessArgs("Redis", id, c.port, args.network), tags },
            this,
        );
        const parameterGroup = new aws.elasticache.ParameterGroup(
            `${name}-params`,
            { ...cacheParameterGroupArgs(c), tags },
            { parent: this },
        );
        const token = new random.RandomPassword(`${name}-auth-token`, authTokenArgs(c), {
            parent: this,
        });

        this.replicationGroup = new aws.elasticache.ReplicationGroup(
            `${name}-redis`,
            {
                ...replicationGroupArgs(c, args.applyImmediately ?? false),
                parameterGroupName: parameterGroup.name,
                subnetGroupName: subnetGroup.name,
                securityGroupIds: [this.securityGroup.id],
                authToken: pulumi.secret(token.result),
                tags,
            },
            { parent: this, protect: args.protectStore ?? false },
        );

        const rg = this.replicationGroup;
        this.redisUrl = pulumi.secret(
            pulumi
                .all([rg.primaryEndpointAddress, token.result])
                .apply(([host, t]) => redisUrl({ token: t, host, port: c.port })),
        );
        this.endpoint = pulumi.interpolate`${rg.primaryEndpointAddress}:${c.port}`;
        this.connection = {
            host: rg.primaryEndpointAddress,
            port: String(c.port),
            password: pulumi.secret(token.result),
        };
        this.registerOutputs({ endpoint: this.endpoint });
    }
}
