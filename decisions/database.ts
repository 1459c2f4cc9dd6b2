// Pure builders for the RDS PostgreSQL resources: what each instance, the parameter group and the
// master password are, decided from `release:database` alone. The Database component only adds
// the values other resources produce (subnet group, security group, password) and wires them.
import { activeDatabaseId, type DatabaseConfig } from "../config/data";
import { RDS_PASSWORD_SPECIALS, replicaInstanceId } from "./dataNaming";

/** The certificate authority every instance presents (RSA 2048, the current RDS default). */
export const RDS_CA = "rds-ca-rsa2048-g1";

/** Major version of an engine version string: "15" of "15.4". */
export const postgresMajor = (engineVersion: string): string => engineVersion.split(".")[0];

/** The parameter group: TLS only and the slow-query log, one group per major version. */
export function parameterGroupArgs(db: DatabaseConfig) {
    const major = postgresMajor(db.engineVersion);
    return {
        // The family is in the name so a major upgrade creates a new group alongside.
        name: `${db.identifier}-postgres${major}`,
        family: `postgres${major}`,
        description: `${db.identifier}: TLS only, slow-query log`,
        parameters: [
            { name: "rds.force_ssl", value: "1" },
            { name: "log_min_duration_statement", value: "1000" },
        ],
    };
}

/** The master password's rules: long, every character class, only what RDS accepts. */
export function masterPasswordArgs(db: DatabaseConfig) {
    return {
        length: 40,
        special: true,
        overrideSpecial: RDS_PASSWORD_SPECIALS,
        minLower: 2,
        minUpper: 2,
        minNumeric: 2,
        minSpecial: 2,
        // Bumping passwordRotation changes the keeper, which generates a new password.
        keepers: { rotation: String(db.passwordRotation) },
    };
}

/** What every instance (primary, replica, restored) shares. */
export function instanceBaseArgs(db: DatabaseConfig, applyImmediately: boolean) {
    return {
        engine: "postgres",
        engineVersion: db.engineVersion,
        autoMinorVersionUpgrade: true,
        allowMajorVersionUpgrade: false,
        applyImmediately,
        port: db.port,
        publiclyAccessible: false,
        storageEncrypted: true,
        kmsKeyId: db.kmsKeyId,
        storageType: db.storageType,
        copyTagsToSnapshot: true,
        performanceInsightsEnabled: true,
        performanceInsightsRetentionPeriod: db.performanceInsightsRetentionDays,
        performanceInsightsKmsKeyId: db.kmsKeyId,
        enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
        deletionProtection: db.deletionProtection,
        caCertIdentifier: RDS_CA,
        maxAllocatedStorage: db.maxAllocatedStorageGb > 0 ? db.maxAllocatedStorageGb : undefined,
        maintenanceWindow: db.maintenanceWindow,
    };
}

/** A primary's own settings: size, HA, backups, and a final snapshot it always takes. */
export function primaryInstanceArgs(db: DatabaseConfig, identifier: string) {
    return {
        identifier,
        instanceClass: db.instanceClass,
        allocatedStorage: db.allocatedStorageGb,
        multiAz: db.multiAz,
        backupRetentionPeriod: db.backupRetentionDays,
        backupWindow: db.backupWindow,
        skipFinalSnapshot: false,
        finalSnapshotIdentifier: `${identifier}-final`,
        deleteAutomatedBackups: false,
    };
}

/** The original primary: only a fresh instance takes a database name and user. */
export function originalPrimaryArgs(db: DatabaseConfig) {
    return {
        ...primaryInstanceArgs(db, db.identifier),
        dbName: db.dbName,
        username: db.username,
    };
}

/** Read replica `n` (from 1) of the primary `primaryId`. */
export function replicaInstanceArgs(db: DatabaseConfig, primaryId: string, n: number) {
    return {
        identifier: replicaInstanceId(primaryId, n),
        instanceClass: db.replicaInstanceClass ?? db.instanceClass,
        // Replicas hold no data of their own; RDS takes no final snapshot of them.
        skipFinalSnapshot: true,
        backupRetentionPeriod: 0,
    };
}

/**
 * The restored primary when `restoreFromSnapshot` or `restoreToTime` is set, else undefined. It
 * gets a new, deterministic name (activeDatabaseId): a restore never modifies the original.
 */
export function restoredPrimaryArgs(db: DatabaseConfig) {
    const identifier = activeDatabaseId(db);
    if (identifier === db.identifier) return undefined;
    const source = db.restoreFromSnapshot
        ? { snapshotIdentifier: db.restoreFromSnapshot }
        : {
              restoreToPointInTime: {
                  sourceDbInstanceIdentifier: db.identifier,
                  restoreTime: db.restoreToTime as string,
              },
          };
    return { ...primaryInstanceArgs(db, identifier), ...source };
}
