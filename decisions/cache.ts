// Pure builders for ElastiCache Redis: the parameter group, the AUTH token's rules and the
// replication group, decided from `release:cache` alone. The Cache component only adds what other
// resources produce (subnet group, security group, token) and wires them.
import type { CacheConfig } from "../config/data";
import { REDIS_TOKEN_SPECIALS } from "./dataNaming";

/** Major version of a Redis engine version: "7" of "7.1". */
export const redisMajor = (engineVersion: string): string => engineVersion.split(".")[0];

/** Failover and multi-AZ need a replica to fail over to: two nodes or more. */
export const isHighlyAvailable = (c: CacheConfig): boolean => c.nodes >= 2;

/** The parameter group: the eviction policy, one group per major version. */
export function cacheParameterGroupArgs(c: CacheConfig) {
    const major = redisMajor(c.engineVersion);
    return {
        name: `${c.replicationGroupId}-redis${major}`,
        family: `redis${major}`,
        description: `${c.replicationGroupId}: eviction policy`,
        parameters: [{ name: "maxmemory-policy", value: c.maxmemoryPolicy }],
    };
}

/** The AUTH token's rules: 16–128 characters from the set ElastiCache accepts. */
export function authTokenArgs(c: CacheConfig) {
    return {
        length: 64,
        special: true,
        overrideSpecial: REDIS_TOKEN_SPECIALS,
        minLower: 2,
        minUpper: 2,
        minNumeric: 2,
        // A new rotation number changes the keeper, which generates a new token.
        keepers: { rotation: String(c.authTokenRotation) },
    };
}

/**
 * The replication group: encrypted at rest and in transit (TLS required), failover and multi-AZ
 * from two nodes, daily snapshots, and a final snapshot when it is deleted.
 */
export function replicationGroupArgs(c: CacheConfig, applyImmediately: boolean) {
    const id = c.replicationGroupId;
    const ha = isHighlyAvailable(c);
    return {
        replicationGroupId: id,
        description: `Redis for ${id}`,
        engine: "redis",
        engineVersion: c.engineVersion,
        nodeType: c.nodeType,
        numCacheClusters: c.nodes,
        port: c.port,
        atRestEncryptionEnabled: true,
        kmsKeyId: c.kmsKeyId,
        transitEncryptionEnabled: true,
        transitEncryptionMode: "required",
        // ROTATE keeps the old token valid next to the new one, so pods can restart at leisure.
        authTokenUpdateStrategy: "ROTATE",
        automaticFailoverEnabled: ha,
        multiAzEnabled: ha,
        snapshotRetentionLimit: c.snapshotRetentionDays,
        snapshotWindow: c.snapshotWindow,
        maintenanceWindow: c.maintenanceWindow,
        finalSnapshotIdentifier: `${id}-final`,
        autoMinorVersionUpgrade: true,
        applyImmediately,
    };
}
