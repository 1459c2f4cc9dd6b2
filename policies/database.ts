// RDS PostgreSQL rules (CL-03, CL-09, CL-10, CL-21, CL-35 … CL-37). Data is sacred: prod rules
// make sure no release can lose it.
import * as aws from "@pulumi/aws";
import {
    validateResourceOfType,
    type PolicyResource,
    type ResourceValidationPolicy,
    type StackValidationPolicy,
} from "@pulumi/policy";
import {
    dependencyClosure,
    deploymentsBehind,
    majorVersion,
    podLabelsOf,
    routedBackends,
    serviceNamed,
    TYPES,
    type Props,
} from "./util";

function dbName(props: Props, name: string) {
    return String(props.identifier ?? name);
}

/** Read replicas copy the primary: backups, final snapshots and Multi-AZ belong to the primary. */
function isReplica(props: Props) {
    return !!props.replicateSourceDb;
}

export function rdsStorageEncrypted(): ResourceValidationPolicy {
    return {
        name: "rds-storage-encrypted",
        description: "RDS instances must encrypt their storage at rest.",
        validateResource: validateResourceOfType(aws.rds.Instance, (db, args, report) => {
            if (db.storageEncrypted !== true) {
                report(`RDS instance ${dbName(db, args.name)} storageEncrypted must be true`);
            }
        }),
    };
}

export function rdsNotPublic(): ResourceValidationPolicy {
    return {
        name: "rds-not-public",
        description: "RDS instances must not be publicly accessible.",
        validateResource: validateResourceOfType(aws.rds.Instance, (db, args, report) => {
            if (db.publiclyAccessible === true) {
                report(`RDS instance ${dbName(db, args.name)} publiclyAccessible must be false`);
            }
        }),
    };
}

export function rdsBackupRetention(): ResourceValidationPolicy {
    return {
        name: "rds-backup-retention",
        description:
            "RDS automated backups must be kept for at least the configured number of days.",
        configSchema: {
            properties: {
                minDays: {
                    type: "integer",
                    minimum: 1,
                    maximum: 35,
                    default: 7,
                    description: "Lowest allowed backupRetentionPeriod, in days.",
                },
            },
        },
        validateResource: validateResourceOfType(aws.rds.Instance, (db, args, report) => {
            if (isReplica(db)) args.notApplicable("read replica: the primary keeps the backups");
            const { minDays } = args.getConfig<{ minDays: number }>();
            const days = db.backupRetentionPeriod ?? 0;
            if (days < minDays) {
                report(
                    `RDS instance ${dbName(db, args.name)} backupRetentionPeriod must be at least ${minDays} days (got ${days})`,
                );
            }
        }),
    };
}

export function rdsMultiAz(): ResourceValidationPolicy {
    return {
        name: "rds-multi-az",
        description: "Production RDS primaries must be Multi-AZ.",
        validateResource: validateResourceOfType(aws.rds.Instance, (db, args, report) => {
            if (isReplica(db)) args.notApplicable("read replica: it is the standby copy itself");
            if (db.multiAz !== true) {
                report(`RDS instance ${dbName(db, args.name)} multiAz must be true`);
            }
        }),
    };
}

export function rdsDeletionProtection(): ResourceValidationPolicy {
    return {
        name: "rds-deletion-protection",
        description:
            "Production RDS instances must have deletion protection and take a final snapshot on delete.",
        validateResource: validateResourceOfType(aws.rds.Instance, (db, args, report) => {
            const name = dbName(db, args.name);
            if (db.deletionProtection !== true) {
                report(`RDS instance ${name} deletionProtection must be true`);
            }
            // RDS takes no final snapshot of a read replica; the primary's covers the data.
            if (!isReplica(db) && (db.skipFinalSnapshot === true || !db.finalSnapshotIdentifier)) {
                report(
                    `RDS instance ${name} must take a final snapshot (skipFinalSnapshot false and finalSnapshotIdentifier set)`,
                );
            }
        }),
    };
}

export function rdsProtected(): ResourceValidationPolicy {
    return {
        name: "rds-protected",
        description: "Production RDS instances must carry Pulumi's protect option.",
        validateResource: validateResourceOfType(aws.rds.Instance, (db, args, report) => {
            if (!args.opts.protect) {
                report(
                    `RDS instance ${dbName(db, args.name)} must have the protect resource option`,
                );
            }
        }),
    };
}

export function rdsEngineVersion(): ResourceValidationPolicy {
    return {
        name: "rds-engine-version",
        description:
            "RDS PostgreSQL must run a pinned engine version of at least the configured major.",
        configSchema: {
            properties: {
                minMajor: {
                    type: "integer",
                    default: 15,
                    description: "Lowest allowed PostgreSQL major version (CL-35: 15+).",
                },
            },
        },
        validateResource: validateResourceOfType(aws.rds.Instance, (db, args, report) => {
            if (!/postgres/.test(String(db.engine ?? ""))) {
                args.notApplicable(`engine ${db.engine ?? "(unset)"} is not PostgreSQL`);
            }
            const { minMajor } = args.getConfig<{ minMajor: number }>();
            const major = majorVersion(db.engineVersion);
            if (!(major >= minMajor)) {
                report(
                    `RDS instance ${dbName(db, args.name)} engineVersion must be PostgreSQL ${minMajor} or later (got ${db.engineVersion ?? "unset"})`,
                );
            }
        }),
    };
}

/** Resolves the parameter group an instance names, by dependency or by name. */
function parameterGroupOf(db: PolicyResource, resources: PolicyResource[]) {
    const wanted = db.props.parameterGroupName;
    const byDependency = (db.propertyDependencies.parameterGroupName ?? []).find(
        (r) => r.type === TYPES.rdsParameterGroup,
    );
    if (byDependency) return byDependency;
    return resources.find(
        (r) =>
            r.type === TYPES.rdsParameterGroup &&
            wanted !== undefined &&
            (r.props.name === wanted || r.props.id === wanted || r.name === wanted),
    );
}

export function rdsForceSsl(): StackValidationPolicy {
    return {
        name: "rds-force-ssl",
        description:
            "RDS PostgreSQL must use a parameter group in the stack that sets rds.force_ssl = 1.",
        validateStack: (args, report) => {
            const dbs = args.resources.filter(
                (r) =>
                    r.type === TYPES.rdsInstance && /postgres/.test(String(r.props.engine ?? "")),
            );
            if (dbs.length === 0) args.notApplicable("no RDS PostgreSQL instance in the stack");
            for (const db of dbs) {
                const name = dbName(db.props, db.name);
                const pg = parameterGroupOf(db, args.resources);
                if (!pg) {
                    report(
                        `RDS instance ${name} must use a parameter group from this stack that sets rds.force_ssl = 1 (got ${db.props.parameterGroupName ?? "the engine default"})`,
                        db.urn,
                    );
                    continue;
                }
                const force = ((pg.props.parameters ?? []) as Props[]).find(
                    (p) => p.name === "rds.force_ssl",
                );
                if (String(force?.value) !== "1") {
                    report(
                        `RDS parameter group ${pg.props.name ?? pg.name} must set rds.force_ssl = 1 (got ${force?.value ?? "unset"})`,
                        pg.urn,
                    );
                }
            }
        },
    };
}

export function releaseSnapshot(): StackValidationPolicy {
    return {
        name: "rds-release-snapshot",
        description:
            "Every routing object must depend on the release snapshot of the database taken for each version it sends traffic to.",
        configSchema: {
            properties: {
                versionLabel: {
                    type: "string",
                    default: "version",
                    description: "Pod label carrying the app version.",
                },
                versionTag: {
                    type: "string",
                    default: "release/version",
                    description: "Snapshot tag naming the version the snapshot was taken before.",
                },
            },
        },
        validateStack: (args, report) => {
            const dbs = args.resources.filter((r) => r.type === TYPES.rdsInstance);
            if (dbs.length === 0) args.notApplicable("no RDS instance in the stack");
            const { versionLabel, versionTag } = args.getConfig<{
                versionLabel: string;
                versionTag: string;
            }>();
            // Only a snapshot of a database in this stack protects this stack's data.
            const ids = new Set(dbs.map((d) => d.props.identifier).filter((i) => i !== undefined));
            const ofStackDb = (s: PolicyResource) =>
                ids.has(s.props.dbInstanceIdentifier) ||
                (s.propertyDependencies.dbInstanceIdentifier ?? []).some((d) => dbs.includes(d));
            const live = routedBackends(args.resources).filter((b) => Number(b.weight) > 0);
            if (live.length === 0) args.notApplicable("no routing object sends traffic");
            for (const route of new Set(live.map((b) => b.route))) {
                const versions = new Set<string>();
                for (const b of live.filter((x) => x.route === route)) {
                    const svc = serviceNamed(args.resources, b.service, b.namespace);
                    for (const d of svc ? deploymentsBehind(svc, args.resources) : []) {
                        const v = podLabelsOf(d.props)[versionLabel];
                        if (v !== undefined) versions.add(String(v));
                    }
                }
                const snapshotted = new Set(
                    [...dependencyClosure(route)]
                        .filter((d) => d.type === TYPES.rdsSnapshot && ofStackDb(d))
                        .map((d) => String((d.props.tags ?? {})[versionTag])),
                );
                for (const v of [...versions].sort()) {
                    if (snapshotted.has(v)) continue;
                    report(
                        `${String(route.props.kind)} ${route.props.metadata?.name ?? route.name} sends traffic to version ${v}, so it must depend on the aws.rds.Snapshot of ${[...ids].join(" or ")} tagged ${versionTag}=${v}`,
                        route.urn,
                    );
                }
            }
        },
    };
}

export function databasePolicies() {
    return [
        rdsStorageEncrypted(),
        rdsNotPublic(),
        rdsBackupRetention(),
        rdsMultiAz(),
        rdsDeletionProtection(),
        rdsProtected(),
        rdsEngineVersion(),
        rdsForceSsl(),
        releaseSnapshot(),
    ];
}
