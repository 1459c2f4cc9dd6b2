import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { CacheConfig, NetworkConfig } from "../../config/data";
import { REDIS_TOKEN_SPECIALS, redisUrl } from "../../decisions/dataNaming";
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
        const major = c.engineVersion.split(".")[0];
        const ha = c.nodes >= 2;

        const subnetGroup = new aws.elasticache.SubnetGroup(
            `${name}-subnets`,
            {
                name: `${id}-subnets`,
                description: `Private subnets for ${id}`,
                subnetIds: args.network.privateSubnetIds,
                tags,
            },
            { parent: this },
        );

        this.securityGroup = appOnlySecurityGroup(
            name,
            {
                groupName: `${id}-cache`,
                description: `Redis ${id}: reachable only from the app security group`,
                vpcId: args.network.vpcId,
                appSecurityGroupId: args.network.appSecurityGroupId,
                port: c.port,
                ruleDescription: "Redis from the app",
                tags,
            },
            this,
        );

        const parameterGroup = new aws.elasticache.ParameterGroup(
            `${name}-params`,
            {
                name: `${id}-redis${major}`,
                family: `redis${major}`,
                description: `${id}: eviction policy`,
                parameters: [{ name: "maxmemory-policy", value: c.maxmemoryPolicy }],
                tags,
            },
            { parent: this },
        );

        // 16–128 characters from the set ElastiCache accepts; a new rotation number makes a new one.
        const token = new random.RandomPassword(
            `${name}-auth-token`,
            {
                length: 64,
                special: true,
                overrideSpecial: REDIS_TOKEN_SPECIALS,
                minLower: 2,
                minUpper: 2,
                minNumeric: 2,
                keepers: { rotation: String(c.authTokenRotation) },
            },
            { parent: this },
        );

        this.replicationGroup = new aws.elasticache.ReplicationGroup(
            `${name}-redis`,
            {
                replicationGroupId: id,
                description: `Redis for ${id}`,
                engine: "redis",
                engineVersion: c.engineVersion,
                nodeType: c.nodeType,
                numCacheClusters: c.nodes,
                port: c.port,
                parameterGroupName: parameterGroup.name,
                subnetGroupName: subnetGroup.name,
                securityGroupIds: [this.securityGroup.id],
                atRestEncryptionEnabled: true,
                kmsKeyId: c.kmsKeyId,
                transitEncryptionEnabled: true,
                transitEncryptionMode: "required",
                authToken: pulumi.secret(token.result),
                // ROTATE keeps the old token valid next to the new one, so pods can restart at leisure.
                authTokenUpdateStrategy: "ROTATE",
                automaticFailoverEnabled: ha,
                multiAzEnabled: ha,
                snapshotRetentionLimit: c.snapshotRetentionDays,
                snapshotWindow: c.snapshotWindow,
                maintenanceWindow: c.maintenanceWindow,
                finalSnapshotIdentifier: `${id}-final`,
                autoMinorVersionUpgrade: true,
                applyImmediately: args.applyImmediately ?? false,
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
