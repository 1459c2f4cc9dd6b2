// The ElastiCache and data-network builders (decisions/cache.ts, decisions/dataNetwork.ts) without
// Pulumi mocks: what the Cache component creates, and where both data stores sit on the network,
// decided from `release:cache` and `release:network` alone.
import { strict as assert } from "assert";
import { cacheSchema, networkSchema, type CacheConfig } from "../config/data";
import {
    authTokenArgs,
    cacheParameterGroupArgs,
    isHighlyAvailable,
    redisMajor,
    replicationGroupArgs,
} from "../decisions/cache";
import { REDIS_TOKEN_SPECIALS } from "../decisions/dataNaming";
import { appOnlyAccessArgs, privateSubnetGroupArgs } from "../decisions/dataNetwork";

const config = (extra: Record<string, unknown> = {}): CacheConfig =>
    cacheSchema.parse({ replicationGroupId: "shop-cache", ...extra });

const network = networkSchema.parse({
    vpcId: "vpc-0123456789abcdef0",
    privateSubnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    appSecurityGroupId: "sg-0123456789abcdef0",
});

describe("cache builders", () => {
    it("names the parameter group after the major version and sets the eviction policy", () => {
        assert.equal(redisMajor("7.1"), "7");
        assert.equal(redisMajor("7"), "7");
        assert.equal(redisMajor("10.2"), "10");
        const g = cacheParameterGroupArgs(config({ maxmemoryPolicy: "allkeys-lfu" }));
        assert.deepEqual(g, {
            name: "shop-cache-redis7",
            family: "redis7",
            description: "shop-cache: eviction policy",
            parameters: [{ name: "maxmemory-policy", value: "allkeys-lfu" }],
        });
        // A major upgrade gets a new group alongside the old one.
        assert.equal(cacheParameterGroupArgs(config({ engineVersion: "8.0" })).family, "redis8");
    });

    it("generates a 64-character AUTH token from ElastiCache's specials, renewed by the rotation", () => {
        assert.deepEqual(authTokenArgs(config({ authTokenRotation: 4 })), {
            length: 64,
            special: true,
            overrideSpecial: REDIS_TOKEN_SPECIALS,
            minLower: 2,
            minUpper: 2,
            minNumeric: 2,
            keepers: { rotation: "4" },
        });
    });

    it("turns failover and multi-AZ on from two nodes", () => {
        assert.equal(isHighlyAvailable(config({ nodes: 1 })), false);
        assert.equal(isHighlyAvailable(config({ nodes: 2 })), true);
        const one = replicationGroupArgs(config({ nodes: 1 }), false);
        assert.equal(one.automaticFailoverEnabled, false);
        assert.equal(one.multiAzEnabled, false);
        assert.equal(one.numCacheClusters, 1);
        const three = replicationGroupArgs(config({ nodes: 3 }), false);
        assert.equal(three.automaticFailoverEnabled, true);
        assert.equal(three.multiAzEnabled, true);
        assert.equal(three.numCacheClusters, 3);
    });

    it("encrypts at rest and requires TLS, rotates tokens, and takes a final snapshot", () => {
        const kmsKeyId =
            "arn:aws:kms:eu-west-1:123456789012:key/0b6f3c1e-1f2a-4b9c-9d8e-7a6b5c4d3e2f";
        const c = config({
            engineVersion: "7.1",
            nodeType: "cache.r7g.large",
            port: 6380,
            kmsKeyId,
            snapshotRetentionDays: 5,
            snapshotWindow: "04:00-05:00",
            maintenanceWindow: "sun:05:00-sun:06:00",
        });
        assert.deepEqual(replicationGroupArgs(c, true), {
            replicationGroupId: "shop-cache",
            description: "Redis for shop-cache",
            engine: "redis",
            engineVersion: "7.1",
            nodeType: "cache.r7g.large",
            numCacheClusters: 1,
            port: 6380,
            atRestEncryptionEnabled: true,
            kmsKeyId,
            transitEncryptionEnabled: true,
            transitEncryptionMode: "required",
            authTokenUpdateStrategy: "ROTATE",
            automaticFailoverEnabled: false,
            multiAzEnabled: false,
            snapshotRetentionLimit: 5,
            snapshotWindow: "04:00-05:00",
            maintenanceWindow: "sun:05:00-sun:06:00",
            finalSnapshotIdentifier: "shop-cache-final",
            autoMinorVersionUpgrade: true,
            applyImmediately: true,
        });
        assert.equal(replicationGroupArgs(c, false).applyImmediately, false);
    });
});

describe("data network builders", () => {
    it("puts a store's subnet group in the private subnets, named after the store", () => {
        assert.deepEqual(privateSubnetGroupArgs("shop-db", network), {
            name: "shop-db-subnets",
            description: "Private subnets for shop-db",
            subnetIds: network.privateSubnetIds,
        });
    });

    it("opens a store's one port to the app security group only, per engine", () => {
        assert.deepEqual(appOnlyAccessArgs("PostgreSQL", "shop-db", 5432, network), {
            groupName: "shop-db-db",
            description: "PostgreSQL shop-db: reachable only from the app security group",
            vpcId: "vpc-0123456789abcdef0",
            appSecurityGroupId: "sg-0123456789abcdef0",
            port: 5432,
            ruleDescription: "PostgreSQL from the app",
        });
        const redis = appOnlyAccessArgs("Redis", "shop-cache", 6379, network);
        assert.equal(redis.groupName, "shop-cache-cache");
        assert.equal(
            redis.description,
            "Redis shop-cache: reachable only from the app security group",
        );
        assert.equal(redis.ruleDescription, "Redis from the app");
        assert.equal(redis.port, 6379);
    });
});
