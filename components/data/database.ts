import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { DatabaseConfig, NetworkConfig } from "../../config/data";
import { postgresUrl, postgresUrlBase, replicaInstanceId } from "../../decisions/dataNaming";
import {
    instanceBaseArgs,
    masterPasswordArgs,
    originalPrimaryArgs,
    parameterGroupArgs,
    replicaInstanceArgs,
    restoredPrimaryArgs,
} from "../../decisions/database";
import { appOnlyAccessArgs, privateSubnetGroupArgs } from "../../decisions/dataNetwork";
import { appOnlySecurityGroup } from "./dataNetwork";

export interface DatabaseArgs {
    /** `release:database` (no default). */
    readonly config: DatabaseConfig;
    /** `release:network`: VPC, private subnets and the app security group (no default). */
    readonly network: NetworkConfig;
    /** Pulumi `protect` on every DB instance; default false (index.ts sets it in prod). */
    readonly protectInstances?: boolean;
    /** Apply modifications now rather than in the maintenance window; default false. */
    readonly applyImmediately?: boolean;
    /** Tags on every AWS resource; default none. */
    readonly tags?: Record<string, string>;
    /**
     * What a restore waits for before it starts: the workloads, scaled to zero while writes are
     * stopped, so no pod writes to the original during the restore; default nothing.
     */
    readonly restoreAfter?: Promise<pulumi.Resource[]>;
}

/** One primary and its read replicas. */
interface InstanceSet {
    primary: aws.rds.Instance;
    replicas: aws.rds.Instance[];
}

/**
 * RDS PostgreSQL: subnet group, security group (the port open to the app security group only),
 * parameter group forcing TLS, a generated master password, the primary with its read replicas,
 * and, when `restoreFromSnapshot` or `restoreToTime` is set, a restored primary under a new name.
 * The original instance always stays in the program, untouched, so a restore never loses data.
 */
export class Database extends pulumi.ComponentResource {
    /** The primary the app uses: the restored one during a restore, else the original. */
    public readonly primary: aws.rds.Instance;
    /** Every DB instance in the program (original set first, then the restored set). */
    public readonly instances: aws.rds.Instance[];
    /** RDS identifier of the primary the app uses. */
    public readonly activeIdentifier: string;
    /** RDS identifiers of that primary's read replicas. */
    public readonly activeReplicaIdentifiers: string[];
    public readonly securityGroup: aws.ec2.SecurityGroup;
    /** `postgresql://…` for the active primary; a Pulumi secret. */
    public readonly databaseUrl: pulumi.Output<string>;
    /** One URL per read replica of the active primary; Pulumi secrets. */
    public readonly replicaUrls: pulumi.Output<string>[];
    /** `host:port` of the active primary (no credentials). */
    public readonly endpoint: pulumi.Output<string>;
    /**
     * The active primary's connection parts, and the URLs without a query string (for workloads
     * that add their own parameters); password and URLs are Pulumi secrets.
     */
    public readonly connection: {
        readonly host: pulumi.Output<string>;
        readonly port: pulumi.Output<string>;
        readonly dbName: string;
        readonly username: string;
        readonly password: pulumi.Output<string>;
        readonly urlBase: pulumi.Output<string>;
        readonly replicaUrlBases: pulumi.Output<string>[];
    };

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("release:data:Database", name, {}, opts);
        const db = args.config;
        const tags = { ...args.tags, "release/data-store": "postgres" };

        const { subnetGroup, securityGroup } = networkOf(name, args, tags, this);
        this.securityGroup = securityGroup;

        const parameterGroup = new aws.rds.ParameterGroup(
            `${name}-params`,
            { ...parameterGroupArgs(db), tags },
            // RDS cannot edit a group's description: a new text would replace the group in place
            // under the same name. Existing stacks keep the description they were created with.
            { parent: this, ignoreChanges: ["description"] },
        );
        const password = new random.RandomPassword(`${name}-password`, masterPasswordArgs(db), {
            parent: this,
        });

        const wiring: InstanceWiring = {
            name,
            db,
            base: {
                ...instanceBaseArgs(db, args.applyImmediately ?? false),
                parameterGroupName: parameterGroup.name,
                vpcSecurityGroupIds: [this.securityGroup.id],
                tags,
            },
            primaryInputs: {
                dbSubnetGroupName: subnetGroup.name,
                password: pulumi.secret(password.result),
            },
            opts: { parent: this, protect: args.protectInstances ?? false },
        };
        const originalPrimary = new aws.rds.Instance(
            `${name}-primary`,
            { ...wiring.base, ...wiring.primaryInputs, ...originalPrimaryArgs(db) },
            wiring.opts,
        );
        const original: InstanceSet = {
            primary: originalPrimary,
            replicas: replicasOf(wiring, "", originalPrimary, db.identifier),
        };
        const restore = restoredPrimaryArgs(db);
        // A restore never modifies the original: it adds a new primary (and replicas) under a new
        // name, and the app's DATABASE_URL moves to it once every writer has stopped.
        const active = restore
            ? restoredSet(wiring, original, restore, args.restoreAfter)
            : original;
        this.activeIdentifier = restore?.identifier ?? db.identifier;

        this.primary = active.primary;
        this.instances = [
            original.primary,
            ...original.replicas,
            ...(active === original ? [] : [active.primary, ...active.replicas]),
        ];
        this.activeReplicaIdentifiers = active.replicas.map((_, i) =>
            replicaInstanceId(this.activeIdentifier, i + 1),
        );
        const urls = connectionOf(db, active, password.result);
        this.databaseUrl = urls.databaseUrl;
        this.replicaUrls = urls.replicaUrls;
        this.connection = urls.connection;
        this.endpoint = pulumi.interpolate`${active.primary.address}:${active.primary.port}`;

        this.registerOutputs({
            activeIdentifier: this.activeIdentifier,
            endpoint: this.endpoint,
            replicas: this.activeReplicaIdentifiers,
        });
    }
}

/** What every instance of one Database is created with, besides its own builder's args. */
interface InstanceWiring {
    readonly name: string;
    readonly db: DatabaseConfig;
    /** instanceBaseArgs plus the parameter group, security group and tags. */
    readonly base: ReturnType<typeof instanceBaseArgs> & {
        parameterGroupName: pulumi.Output<string>;
        vpcSecurityGroupIds: pulumi.Output<string>[];
        tags: Record<string, string>;
    };
    /** What only a primary takes: the subnet group and the master password. */
    readonly primaryInputs: {
        dbSubnetGroupName: pulumi.Output<string>;
        password: pulumi.Output<string>;
    };
    readonly opts: pulumi.CustomResourceOptions;
}

/** The read replicas of `primary` (RDS id `primaryId`): `${name}-${role}replica-<n>`. */
function replicasOf(
    w: InstanceWiring,
    role: string,
    primary: aws.rds.Instance,
    primaryId: string,
): aws.rds.Instance[] {
    return Array.from(
        { length: w.db.replicas },
        (_, i) =>
            new aws.rds.Instance(
                `${w.name}-${role}replica-${i + 1}`,
                {
                    ...w.base,
                    ...replicaInstanceArgs(w.db, primaryId, i + 1),
                    replicateSourceDb: primary.identifier,
                },
                w.opts,
            ),
    );
}

/** The restored primary and its replicas; it starts once the original and every writer stopped. */
function restoredSet(
    w: InstanceWiring,
    original: InstanceSet,
    restore: NonNullable<ReturnType<typeof restoredPrimaryArgs>>,
    restoreAfter: Promise<pulumi.Resource[]> | undefined,
): InstanceSet {
    const waitFor: Promise<pulumi.Resource[]> = (restoreAfter ?? Promise.resolve([])).then(
        (stopped) => [original.primary, ...stopped],
    );
    const restored = new aws.rds.Instance(
        `${w.name}-restored`,
        { ...w.base, ...w.primaryInputs, ...restore },
        { ...w.opts, dependsOn: waitFor },
    );
    return {
        primary: restored,
        replicas: replicasOf(w, "restored-", restored, restore.identifier),
    };
}

/** The active primary's URLs and connection parts; everything with the password is a secret. */
function connectionOf(db: DatabaseConfig, active: InstanceSet, password: pulumi.Output<string>) {
    const urlFor = (instance: aws.rds.Instance, build = postgresUrl) =>
        pulumi.secret(
            pulumi
                .all([instance.address, instance.port, password])
                .apply(([host, port, pass]) =>
                    build({ username: db.username, password: pass, host, port, dbName: db.dbName }),
                ),
        );
    return {
        databaseUrl: urlFor(active.primary),
        replicaUrls: active.replicas.map((r) => urlFor(r)),
        connection: {
            host: active.primary.address,
            port: active.primary.port.apply(String),
            dbName: db.dbName,
            username: db.username,
            password: pulumi.secret(password),
            urlBase: urlFor(active.primary, postgresUrlBase),
            replicaUrlBases: active.replicas.map((r) => urlFor(r, postgresUrlBase)),
        },
    };
}

/** The private subnet group and the security group open to the app security group only. */
function networkOf(
    name: string,
    args: DatabaseArgs,
    tags: Record<string, string>,
    parent: pulumi.Resource,
) {
    const id = args.config.identifier;
    const subnetGroup = new aws.rds.SubnetGroup(
        `${name}-subnets`,
        { ...privateSubnetGroupArgs(id, args.network), tags },
        { parent },
    );
    const securityGroup = appOnlySecurityGroup(
        name,
        { ...appOnlyAccessArgs("PostgreSQL", id, args.config.port, args.network), tags },
        parent,
    );
    return { subnetGroup, securityGroup };
}
