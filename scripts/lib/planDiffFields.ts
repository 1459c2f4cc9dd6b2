// The field tables behind the diff's danger markers: which resource types hold data, and which
// inputs force a replacement or a rename. Declarative; planDiffDangers.ts reads them.

/** Data stores: any change to these is flagged, whatever the field. */
export const DATA_TYPE = /^aws:(rds|elasticache)\//;

/**
 * Inputs whose change makes the provider delete and recreate the resource (ForceNew in the
 * schema of the Terraform AWS provider that @pulumi/aws 7.x bridges: internal/service/rds/
 * instance.go, snapshot.go, elasticache/replication_group.go). For a data store that means an
 * empty database or cache. test/diffDanger.test.ts lists the expected fields independently.
 */
export const REPLACEMENT_FIELDS: Record<string, readonly string[]> = {
    "aws:rds/instance:Instance": [
        "availabilityZone",
        "characterSetName",
        "customIamInstanceProfile",
        "dbName",
        "engine",
        "kmsKeyId",
        "ncharCharacterSetName",
        "restoreToPointInTime",
        "s3Import",
        "snapshotIdentifier",
        "storageEncrypted",
        "timezone",
        "username",
    ],
    "aws:elasticache/replicationGroup:ReplicationGroup": [
        "atRestEncryptionEnabled",
        "dataTieringEnabled",
        "globalReplicationGroupId",
        "kmsKeyId",
        "networkType",
        "port",
        "replicationGroupId",
        "securityGroupNames",
        "snapshotArns",
        "snapshotName",
        "subnetGroupName",
    ],
    // A release snapshot is replaced when the instance or its id changes; the old one is only
    // kept because release snapshots are retainOnDelete.
    "aws:rds/snapshot:Snapshot": ["dbInstanceIdentifier", "dbSnapshotIdentifier"],
    "aws:rds/parameterGroup:ParameterGroup": ["name", "namePrefix", "family"],
    "aws:rds/subnetGroup:SubnetGroup": ["name", "namePrefix"],
    "aws:elasticache/parameterGroup:ParameterGroup": ["name", "family"],
    "aws:elasticache/subnetGroup:SubnetGroup": ["name"],
    "aws:ec2/securityGroup:SecurityGroup": ["name", "namePrefix", "vpcId"],
    // Immutable Kubernetes fields: the provider replaces the object (a Deployment replacement
    // drops the colour's pods; a Service replacement changes its cluster IP).
    "kubernetes:apps/v1:Deployment": ["spec.selector"],
    "kubernetes:core/v1:Service": ["spec.clusterIP", "spec.clusterIPs"],
};

/** Every Kubernetes object is replaced when its name or namespace changes. */
const KUBERNETES_REPLACEMENT_FIELDS = ["metadata.name", "metadata.namespace"];

/**
 * Inputs that change a data store in place but change how clients reach it. Since provider v5 an
 * RDS identifier change is a rename (ModifyDBInstance), not a replacement: the endpoint changes
 * and the instance reboots.
 */
export const RENAME_FIELDS: Record<string, readonly string[]> = {
    "aws:rds/instance:Instance": ["identifier", "identifierPrefix"],
};

/** Data stores proper: replacing one of these loses its data. */
export const STORE_TYPE =
    /^aws:(rds\/instance:Instance|rds\/cluster:Cluster|elasticache\/replicationGroup:ReplicationGroup|elasticache\/cluster:Cluster)$/;

const fieldMatches = (field: string, prefix: string) =>
    field === prefix || field.startsWith(`${prefix}.`) || field.startsWith(`${prefix}[`);

/** Replacement-forcing fields among `fields` for a resource of `type`. */
export function replacementFields(type: string, fields: string[]): string[] {
    const table = [
        ...(REPLACEMENT_FIELDS[type] ?? []),
        ...(type.startsWith("kubernetes:") ? KUBERNETES_REPLACEMENT_FIELDS : []),
    ];
    return fields.filter((f) => table.some((p) => fieldMatches(f, p)));
}

export function renameFields(type: string, fields: string[]): string[] {
    return fields.filter((f) => (RENAME_FIELDS[type] ?? []).some((p) => fieldMatches(f, p)));
}

export const isDataType = (type: string) => DATA_TYPE.test(type);
