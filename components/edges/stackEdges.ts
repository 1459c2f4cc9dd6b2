// The AWS edges of one stack, wired from its config: buckets with a pod identity per workload that
// may reach them, the database's pg_dump CronJob, and the Route 53 records and health check in
// front of the router. index.ts calls these; each returns undefined when its section is not set.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../config";
import type { Workload } from "../../config/workloads";
import { defaultLoadBalancerType, dnsPlan, type DnsPlan } from "../../decisions/dns";
import type { PodInputs } from "../../decisions/podTemplate";
import { DnsRecords } from "../dns/dnsRecords";
import { DatabaseBackup } from "../storage/databaseBackup";
import { ObjectStorage } from "../storage/objectStorage";
import type { TrafficRouter } from "../traffic/trafficRouter";

/** What the stack's AWS edges share: the parsed config, region and tags. */
export interface EdgeContext {
    readonly cfg: StackConfig;
    /** The stack's AWS region (`aws:region`). */
    readonly region: string;
    /** Tags on every AWS resource. */
    readonly tags: Record<string, string>;
}

/** A workload's pod identity as its pods use it, and what they must wait for. */
export interface WorkloadIdentity {
    readonly identity: NonNullable<PodInputs["identity"]>;
    readonly gates: pulumi.Resource[];
}

/**
 * `release:buckets`: every bucket, and for each workload granted access a ServiceAccount of its
 * own (named after the workload, shared by both colours so a shift never touches it) bound to an
 * IAM role that covers exactly its buckets.
 */
export function workloadStorage(
    ctx: EdgeContext,
    workloads: readonly Workload[],
    dependsOn: pulumi.Resource[],
): { storage: ObjectStorage; identities: Record<string, WorkloadIdentity> } | undefined {
    const { cfg } = ctx;
    if (Object.keys(cfg.buckets).length === 0) return undefined;
    const storage = new ObjectStorage(
        `${cfg.app.name}-storage`,
        {
            buckets: cfg.buckets,
            appName: cfg.app.name,
            stage: cfg.stage,
            region: ctx.region,
            namespace: cfg.app.namespace,
            workloads: Object.fromEntries(workloads.map((w) => [w.key, w.name])),
            oidcProviderArn: cfg.cluster?.oidcProviderArn,
            tags: ctx.tags,
        },
        { dependsOn },
    );
    const identities = Object.fromEntries(
        Object.entries(storage.access).map(([key, a]) => [
            key,
            {
                identity: { serviceAccountName: a.serviceAccountName, env: a.env },
                gates: a.gates,
            },
        ]),
    );
    return { storage, identities };
}

/** `release:database.backup`: the daily pg_dump CronJob into its bucket, under its own identity. */
export function databaseBackup(
    ctx: EdgeContext,
    storage: ObjectStorage | undefined,
    data: { secretName: string; secret: pulumi.Resource } | undefined,
    dependsOn: pulumi.Resource[],
): DatabaseBackup | undefined {
    const db = ctx.cfg.database;
    const backup = db?.backup;
    if (!db || !backup) return undefined;
    // The config rules guarantee the bucket, the cluster and the data tier; this is a bug guard.
    const bucket = storage?.buckets[backup.bucket];
    if (!bucket || !data || !ctx.cfg.cluster) {
        throw new Error(
            `release:database.backup needs its bucket ${backup.bucket}, release:cluster and release:network`,
        );
    }
    return new DatabaseBackup(`${ctx.cfg.app.name}-backup`, {
        namespace: ctx.cfg.app.namespace,
        appName: ctx.cfg.app.name,
        // The configured identifier, not the active one: a restore changes neither the CronJob
        // nor where the dumps land, while the Secret already points the dump at the new primary.
        dbIdentifier: db.identifier,
        secretName: data.secretName,
        config: backup,
        bucket: { name: bucket.bucketName, arn: bucket.arn, kmsKeyArn: bucket.kmsKeyArn },
        oidcProviderArn: ctx.cfg.cluster.oidcProviderArn,
        scratchGi: backup.scratchGi ?? db.allocatedStorageGb,
        gates: [...dependsOn, data.secret, ...bucket.ready],
        tags: ctx.tags,
    });
}

/**
 * `release:dns` as a plan, before any resource: which host carries the records, and (regional
 * routing) the region's own name the health check probes, which the router must also serve.
 */
export function stackDnsPlan(ctx: EdgeContext, host: string | undefined): DnsPlan | undefined {
    const dns = ctx.cfg.dns;
    if (!dns) return undefined;
    if (!host) {
        throw new Error("release:dns needs a web workload: the records point at its router");
    }
    return dnsPlan(dns, host, ctx.region);
}

/**
 * The Route 53 records of every public host, as aliases of the load balancer that the first web
 * workload's routing object reports in its status (the Gateway, or the shared ALB / NLB Ingress),
 * and the health check of the region on the readiness path.
 */
export function stackDns(
    ctx: EdgeContext,
    plan: DnsPlan | undefined,
    hosts: readonly string[],
    router: TrafficRouter | undefined,
    readinessPath: string,
): DnsRecords | undefined {
    const dns = ctx.cfg.dns;
    if (!dns || !plan) return undefined;
    if (!router?.loadBalancerHostname) {
        throw new Error(
            "release:dns needs a router that owns its load balancer (a Gateway this stack creates, or an Ingress)",
        );
    }
    const loadBalancerType = dns.loadBalancerType ?? defaultLoadBalancerType(ctx.cfg.router.kind);
    const zone = aws.lb.getHostedZoneIdOutput({ loadBalancerType, region: ctx.region });
    return new DnsRecords(`${ctx.cfg.app.name}-dns`, {
        config: dns,
        plan,
        hosts: [...new Set(hosts)],
        loadBalancerHostname: router.loadBalancerHostname,
        loadBalancerZoneId: zone.id,
        healthPath: dns.healthCheck.path ?? readinessPath,
        tags: ctx.tags,
    });
}

/** The stack outputs of the edges: bucket names, the backup CronJob, the DNS hosts and check. */
export function edgeOutputs(
    storage: { storage: ObjectStorage } | undefined,
    backup: DatabaseBackup | undefined,
    dns: DnsRecords | undefined,
) {
    return {
        buckets: Object.fromEntries(
            Object.entries(storage?.storage.buckets ?? {}).map(([k, b]) => [k, b.bucketName]),
        ),
        databaseBackupCronJob: backup?.cronJobName ?? null,
        dnsRecords: dns ? { hosts: dns.hosts, healthCheckId: dns.healthCheck.id } : null,
    };
}
