// Bad stack values and the exact message each must get, shared by the tests that plan the stack
// (nothing registers before the error) and the pure ones that only parse it (config.parse.test.ts,
// cheap enough for mutation testing to run once per mutant of config/).
import type { ConfigEdit } from "../scripts/lib/stackEdit";

/** Name, edit of Pulumi.prod.yaml's values, and the message it must produce. */
export const STACK_CONFIG_CASES: [string, ConfigEdit, string][] = [
    [
        "canary weight above 100",
        (c) => (c.traffic.canaryWeight = 150),
        "release:traffic.canaryWeight must be an integer 0–100 (got 150)",
    ],
    [
        "fractional weight",
        (c) => (c.traffic.canaryWeight = 12.5),
        "release:traffic.canaryWeight must be an integer 0–100 (got 12.5)",
    ],
    [
        "weight as a non-numeric string",
        (c) => (c.traffic.canaryWeight = "half"),
        'release:traffic.canaryWeight must be an integer 0–100 (got "half")',
    ],
    [
        "latest tag",
        (c) => (c.colors.green.version = "latest"),
        'release:colors.green.version must be pinned: the tag "latest" is mutable (got "latest")',
    ],
    [
        "a version that is not an image tag",
        (c) => (c.colors.blue.version = "v1.2.3+build"),
        "release:colors.blue.version must be an image tag that is also a label value (1–63 letters, digits, '.', '_', '-') (got \"v1.2.3+build\")",
    ],
    [
        "a pinned workload image on latest",
        (c) => (c.workloads.api.image = "registry.example.com/nova/user-service:latest"),
        'release:workloads.api.image must be pinned: the tag "latest" is mutable (got "registry.example.com/nova/user-service:latest")',
    ],
    [
        "a repository with a tag",
        (c) => (c.app.repository = "registry.example.com/nova/user-service:v1"),
        'release:app.repository must be an image repository without a tag, such as registry.example.com/team/app (got "registry.example.com/nova/user-service:v1")',
    ],
    [
        "weighted colour without a version",
        (c) => delete c.colors.green,
        "release:colors.green.version must be set because green receives 25 % of traffic (not set)",
    ],
    [
        "stable colour without a version",
        (c) => {
            delete c.colors.blue;
            c.traffic.canaryWeight = 100;
        },
        "release:colors.blue.version must be set because blue is release:traffic.stable (not set)",
    ],
    [
        "minReplicas above maxReplicas",
        (c) => (c.autoscaling.minReplicas = 12),
        "release:autoscaling.minReplicas must be ≤ release:autoscaling.maxReplicas (10) (got 12)",
    ],
    [
        "baseline above maxReplicas",
        (c) => (c.autoscaling.baselineReplicas = 11),
        "release:autoscaling.baselineReplicas must be ≤ release:autoscaling.maxReplicas (10) (got 11)",
    ],
    [
        "unknown stable colour",
        (c) => (c.traffic.stable = "red"),
        'release:traffic.stable must be one of blue, green (got "red")',
    ],
    [
        "misspelt key",
        (c) => (c.traffic.canaryWieght = 5),
        "release:traffic.canaryWieght must not be set: it is not a known setting (check the spelling)",
    ],
    [
        "preStop sleep not shorter than the grace period",
        (c) => (c.app.preStopSleepSeconds = 60),
        "release:app.preStopSleepSeconds must be shorter than release:app.terminationGracePeriodSeconds (60) so the app gets time to drain (got 60)",
    ],
    [
        "ALB without a certificate",
        (c) => (c.router = { kind: "alb" }),
        "release:router.tls.certificateArn must be set when release:router.kind is alb (TLS terminates at the ALB) (not set)",
    ],
    [
        "unknown router kind",
        (c) => (c.router.kind = "traefik"),
        'release:router.kind must be one of gateway-api, alb, nginx (got "traefik")',
    ],
    [
        "secret-looking plain env var",
        (c) => (c.app.env.JWT_SECRET = "hunter2"),
        'release:app.env.JWT_SECRET must not be a literal: names like this hold secrets, so set it with `pulumi config set --secret --path appSecrets.JWT_SECRET` (got "[redacted]")',
    ],
    [
        "missing stage",
        (c) => delete c.stage,
        "release:stage is required: it must be one of staging, prod",
    ],
];

/** Name, stack, edit of that stack's values, and the message it must produce. */
export const DATA_CONFIG_CASES: [string, "staging" | "prod", ConfigEdit, string][] = [
    [
        "prod backup retention 0",
        "prod",
        (c) => (c.database.backupRetentionDays = 0),
        "release:database.backupRetentionDays must be at least 14 in prod (backup retention and point-in-time recovery, CL-09) (got 0)",
    ],
    [
        "prod backup retention 7",
        "prod",
        (c) => (c.database.backupRetentionDays = 7),
        "release:database.backupRetentionDays must be at least 14 in prod (backup retention and point-in-time recovery, CL-09) (got 7)",
    ],
    [
        "staging backup retention 0",
        "staging",
        (c) => (c.database.backupRetentionDays = 0),
        "release:database.backupRetentionDays must be at least 1 (0 turns off automated backups and point-in-time recovery) (got 0)",
    ],
    [
        "retention beyond what RDS allows",
        "prod",
        (c) => (c.database.backupRetentionDays = 36),
        "release:database.backupRetentionDays must be an integer 0–35 (got 36)",
    ],
    [
        "ElastiCache id ending with a hyphen",
        "prod",
        (c) => (c.cache.replicationGroupId = "n-"),
        'release:cache.replicationGroupId must be 1–40 lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen (got "n-")',
    ],
    [
        "ElastiCache id of 41 characters",
        "prod",
        (c) => (c.cache.replicationGroupId = "n".repeat(41)),
        `release:cache.replicationGroupId must be 1–40 lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen (got "${"n".repeat(41)}")`,
    ],
    [
        "snapshot id with dots (as runbook 002 writes it; RDS rejects dots)",
        "prod",
        (c) => (c.database.restoreFromSnapshot = "nova-prod-pre-deploy-v1.2.4"),
        'release:database.restoreFromSnapshot must be an RDS snapshot identifier (lowercase letters, digits and single hyphens, starting with a letter, e.g. nova-prod-pre-v1-2-4), an automated one (rds:…), or a snapshot ARN (got "nova-prod-pre-deploy-v1.2.4")',
    ],
    [
        "snapshot id with a double hyphen",
        "prod",
        (c) => (c.database.restoreFromSnapshot = "nova-prod--pre-v1-2-4"),
        'release:database.restoreFromSnapshot must be an RDS snapshot identifier (lowercase letters, digits and single hyphens, starting with a letter, e.g. nova-prod-pre-v1-2-4), an automated one (rds:…), or a snapshot ARN (got "nova-prod--pre-v1-2-4")',
    ],
    [
        "two restore sources at once",
        "prod",
        (c) => {
            c.database.restoreFromSnapshot = "nova-prod-pre-v1-2-4";
            c.database.restoreToTime = "2026-11-22T03:15:00Z";
        },
        'release:database.restoreToTime must not be set together with release:database.restoreFromSnapshot (restore from one source at a time) (got "2026-11-22T03:15:00Z")',
    ],
    [
        "restore time not in UTC",
        "prod",
        (c) => (c.database.restoreToTime = "2026-11-22 03:15"),
        'release:database.restoreToTime must be a UTC timestamp such as 2026-11-22T03:15:00Z (got "2026-11-22 03:15")',
    ],
    [
        "prod maintenance window outside the change window",
        "prod",
        (c) => (c.database.maintenanceWindow = "sat:02:00-sat:03:00"),
        'release:database.maintenanceWindow must lie inside the change window Tue–Thu 02:00–04:00 UTC in prod (CL-32) (got "sat:02:00-sat:03:00")',
    ],
    [
        "prod maintenance window running past 04:00",
        "prod",
        (c) => (c.database.maintenanceWindow = "wed:03:30-wed:04:30"),
        'release:database.maintenanceWindow must lie inside the change window Tue–Thu 02:00–04:00 UTC in prod (CL-32) (got "wed:03:30-wed:04:30")',
    ],
    [
        "backup window overlapping the maintenance window",
        "prod",
        (c) => (c.database.backupWindow = "02:30-03:30"),
        'release:database.backupWindow must not overlap release:database.maintenanceWindow (wed:02:00-wed:03:00) (got "02:30-03:30")',
    ],
    [
        "backup window shorter than 30 minutes",
        "staging",
        (c) => (c.database.backupWindow = "00:30-00:45"),
        'release:database.backupWindow must be at least 30 minutes long (got "00:30-00:45")',
    ],
    [
        "PostgreSQL 14",
        "prod",
        (c) => (c.database.engineVersion = "14.11"),
        'release:database.engineVersion must be PostgreSQL 15 or later (CL-35) (got "14.11")',
    ],
    [
        "single-AZ prod database",
        "prod",
        (c) => (c.database.multiAz = false),
        "release:database.multiAz must be true in prod (CL-36) (got false)",
    ],
    [
        "prod without deletion protection",
        "prod",
        (c) => (c.database.deletionProtection = false),
        "release:database.deletionProtection must be true in prod (CL-37) (got false)",
    ],
    [
        "prod without a read replica",
        "prod",
        (c) => (c.database.replicas = 0),
        "release:database.replicas must be at least 1 in prod (CL-36: primary plus replicas) (got 0)",
    ],
    [
        "database identifier with an underscore",
        "prod",
        (c) => (c.database.identifier = "nova_prod"),
        'release:database.identifier must be 1–63 lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen (got "nova_prod")',
    ],
    [
        "migration without a command",
        "prod",
        (c) => delete c.database.migration.command,
        "release:database.migration.command is required: it must be a command as a list of strings",
    ],
    [
        "misspelt database key",
        "prod",
        (c) => (c.database.backupRetention = 14),
        "release:database.backupRetention must not be set: it is not a known setting (check the spelling)",
    ],
    [
        "prod cache on one node",
        "prod",
        (c) => (c.cache.nodes = 1),
        "release:cache.nodes must be at least 2 in prod (automatic failover and multi-AZ, CL-36) (got 1)",
    ],
    [
        "Redis 6",
        "prod",
        (c) => (c.cache.engineVersion = "6.2"),
        'release:cache.engineVersion must be Redis 7 or later (CL-35) (got "6.2")',
    ],
    [
        "cache snapshot window overlapping its maintenance window",
        "prod",
        (c) => (c.cache.snapshotWindow = "02:00-03:00"),
        'release:cache.snapshotWindow must not overlap release:cache.maintenanceWindow (thu:02:00-thu:03:00) (got "02:00-03:00")',
    ],
    [
        "data stores without a network",
        "prod",
        (c) => delete c.network,
        "release:network must be set when release:database or release:cache is set (the VPC, private subnets and app security group) (not set)",
    ],
    [
        "a single private subnet",
        "staging",
        (c) => (c.network.privateSubnetIds = ["subnet-0f1e2d3c4b5a60001"]),
        'release:network.privateSubnetIds must list at least 2 private subnets (in different availability zones) (got ["subnet-0f1e2d3c4b5a60001"])',
    ],
    [
        "app security group given as a CIDR",
        "prod",
        (c) => (c.network.appSecurityGroupId = "0.0.0.0/0"),
        'release:network.appSecurityGroupId must be a security group id such as sg-0123456789abcdef0 (got "0.0.0.0/0")',
    ],
    [
        "two versions that name the same snapshot",
        "prod",
        (c) => {
            c.colors.blue.version = "v1.2.4";
            c.colors.green.version = "v1-2-4";
        },
        'release:colors.green.version must not reduce to the same snapshot name as blue\'s version "v1.2.4" (both become "v1-2-4") (got "v1-2-4")',
    ],
];
