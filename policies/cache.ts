// ElastiCache (Redis/Valkey) rules (CL-03, CL-21, CL-35, CL-36).
import * as aws from "@pulumi/aws";
import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { majorVersion, type Props } from "./util";

function cacheName(rg: Props, name: string) {
    return String(rg.replicationGroupId ?? name);
}

export function cacheEncrypted(): ResourceValidationPolicy {
    return {
        name: "cache-encrypted",
        description: "ElastiCache replication groups must encrypt data in transit and at rest.",
        validateResource: validateResourceOfType(
            aws.elasticache.ReplicationGroup,
            (rg, args, report) => {
                const name = cacheName(rg, args.name);
                if (rg.transitEncryptionEnabled !== true) {
                    report(
                        `ElastiCache replication group ${name} transitEncryptionEnabled must be true`,
                    );
                }
                if (rg.atRestEncryptionEnabled !== true) {
                    report(
                        `ElastiCache replication group ${name} atRestEncryptionEnabled must be true`,
                    );
                }
            },
        ),
    };
}

export function cacheAuthToken(): ResourceValidationPolicy {
    return {
        name: "cache-auth-token",
        description: "ElastiCache replication groups must require an AUTH token.",
        validateResource: validateResourceOfType(
            aws.elasticache.ReplicationGroup,
            (rg, args, report) => {
                if (!rg.authToken) {
                    report(
                        `ElastiCache replication group ${cacheName(rg, args.name)} authToken must be set`,
                    );
                }
            },
        ),
    };
}

export function cacheHighAvailability(): ResourceValidationPolicy {
    return {
        name: "cache-high-availability",
        description:
            "Production ElastiCache replication groups must have a replica, automatic failover and Multi-AZ.",
        validateResource: validateResourceOfType(
            aws.elasticache.ReplicationGroup,
            (rg, args, report) => {
                const name = cacheName(rg, args.name);
                const nodes =
                    rg.numCacheClusters ??
                    (rg.replicasPerNodeGroup !== undefined ? rg.replicasPerNodeGroup + 1 : 1);
                if (nodes < 2) {
                    report(
                        `ElastiCache replication group ${name} must have at least one replica (got ${nodes} node)`,
                    );
                }
                if (rg.automaticFailoverEnabled !== true) {
                    report(
                        `ElastiCache replication group ${name} automaticFailoverEnabled must be true`,
                    );
                }
                if (rg.multiAzEnabled !== true) {
                    report(`ElastiCache replication group ${name} multiAzEnabled must be true`);
                }
            },
        ),
    };
}

export function cacheSnapshotRetention(): ResourceValidationPolicy {
    return {
        name: "cache-snapshot-retention",
        description:
            "ElastiCache replication groups must keep daily snapshots for at least the configured days.",
        configSchema: {
            properties: {
                minDays: {
                    type: "integer",
                    minimum: 1,
                    default: 1,
                    description: "Lowest allowed snapshotRetentionLimit (0 turns snapshots off).",
                },
            },
        },
        validateResource: validateResourceOfType(
            aws.elasticache.ReplicationGroup,
            (rg, args, report) => {
                const { minDays } = args.getConfig<{ minDays: number }>();
                const days = rg.snapshotRetentionLimit ?? 0;
                if (days < minDays) {
                    report(
                        `ElastiCache replication group ${cacheName(rg, args.name)} snapshotRetentionLimit must be at least ${minDays} (got ${days})`,
                    );
                }
            },
        ),
    };
}

export function cacheEngineVersion(): ResourceValidationPolicy {
    return {
        name: "cache-engine-version",
        description:
            "ElastiCache must run Redis or Valkey at a pinned version of at least the configured major.",
        configSchema: {
            properties: {
                minMajor: {
                    type: "integer",
                    default: 7,
                    description: "Lowest allowed engine major version (CL-35: Redis 7+).",
                },
            },
        },
        validateResource: validateResourceOfType(
            aws.elasticache.ReplicationGroup,
            (rg, args, report) => {
                const { minMajor } = args.getConfig<{ minMajor: number }>();
                const engine = rg.engine ?? "redis";
                const major = majorVersion(rg.engineVersion);
                if (!["redis", "valkey"].includes(engine) || !(major >= minMajor)) {
                    report(
                        `ElastiCache replication group ${cacheName(rg, args.name)} must run redis or valkey ${minMajor} or later (got ${engine} ${rg.engineVersion ?? "unset"})`,
                    );
                }
            },
        ),
    };
}

export function cachePolicies() {
    return [
        cacheEncrypted(),
        cacheAuthToken(),
        cacheHighAvailability(),
        cacheSnapshotRetention(),
        cacheEngineVersion(),
    ];
}
