// Entry point: read the stack config, then wire the components. Decisions live in decisions/.
import * as pulumi from "@pulumi/pulumi";
import { AppNamespace } from "./components/app/appNamespace";
import { AppSecret } from "./components/app/appSecret";
import { ColorCronJob } from "./components/app/colorCronJob";
import { ColorDeployment } from "./components/app/colorDeployment";
import { trafficSteps } from "./config/progression";
import { DataTier } from "./components/data/dataTier";
import { Alerting } from "./components/monitoring/alerting";
import { CloudWatchExporter } from "./components/monitoring/cloudwatchExporter";
import { PreviousReleaseState } from "./components/traffic/previousRelease";
import { TcpLoadBalancer } from "./components/traffic/tcpLoadBalancer";
import { TrafficRouter } from "./components/traffic/trafficRouter";
import {
    deployedColors,
    ConfigError,
    isScalable,
    loadStackConfig,
    resolveWorkloads,
    workloadImage,
    type Color,
} from "./config";
import { colorCapacity, trafficSplit, workloadWeight } from "./decisions/capacity";
import { orderRelease, previousUnit, transientPeaks } from "./decisions/ordering";
import { releaseVersions, slug } from "./decisions/dataNaming";
import type { PodSecrets } from "./decisions/podTemplate";
import { extraAlertProblems } from "./config/promtool";
import { alertRulesInput, buildRuleGroups, watchedWorkload } from "./decisions/alertRules";
import { SmokeTestJob } from "./components/app/smokeTestJob";
import { CLOUDWATCH_EXPORTER } from "./decisions/cloudwatchExporter";
import { stopWrites } from "./decisions/writes";
import * as edgesOf from "./components/edges/stackEdges";

const { config: cfg } = loadStackConfig();
const prod = cfg.stage === "prod";
const app = cfg.app;
const split = trafficSplit(cfg.traffic.stable, cfg.traffic.canaryWeight);
const workloads = resolveWorkloads(cfg);
const webWorkloads = workloads.filter((w) => w.kind === "web");
/** `release:data.writes: stopped`: no pod of any workload runs, and a restore waits for that. */
const writesStopped = cfg.data.writes === "stopped";
/** The workload whose image runs the migrations: named in config, else the first web workload. */
const migrator =
    workloads.find((w) => w.key === cfg.database?.migration.workload) ??
    webWorkloads[0] ??
    workloads[0];
/** Deployed colours and their versions; a colour without a version is not deployed at all. */
const deployed = deployedColors(cfg.colors);

// The rules, the PrometheusRule and the dashboard are named after the first web workload (or the
// first workload); the HTTP alerts watch every web workload and the pod alerts every scalable one.
const watched = watchedWorkload(workloads);

// The rules are pure: render them before any resource, so promtool can reject a stack's own
// alert expression as a config error with nothing half-applied.
const rulesInput = alertRulesInput(cfg, workloads);
if (rulesInput) {
    const check = extraAlertProblems(
        buildRuleGroups(rulesInput),
        rulesInput.monitoring.extraAlerts,
        `${watched.name}.extra`,
    );
    if (check.problems.length > 0) throw new ConfigError(check.problems);
    if (check.warning) pulumi.log.warn(check.warning);
}

// Tags on every AWS resource; the CloudWatch exporter also finds the stack's stores by them.
const storeTags = { app: app.name, stage: cfg.stage, "managed-by": "pulumi" };
const awsRegion = new pulumi.Config("aws").require("region");
const edges = { cfg, region: awsRegion, tags: storeTags };
// The records' plan, before any resource: a regional stack's first route also serves the region's
// own name, which its health check probes.
const dnsPlan = edgesOf.stackDnsPlan(edges, webWorkloads[0]?.host);

const ns = new AppNamespace(app.namespace, { name: app.namespace }, { protect: prod });

// Buckets and the pod identities of the workloads that reach them.
const storage = edgesOf.workloadStorage(edges, workloads, [ns]);

const secrets: { app?: PodSecrets["app"]; data?: PodSecrets["data"] } = {};
const secretResources: pulumi.Resource[] = [];
if (Object.keys(cfg.appSecrets).length > 0) {
    const appSecret = new AppSecret(`${app.name}-app`, {
        secretName: `${app.name}-app-secrets`,
        namespace: ns.name,
        data: cfg.appSecrets,
    });
    secrets.app = { name: appSecret.secretName, keys: Object.keys(cfg.appSecrets) };
    secretResources.push(appSecret.secret);
}

// Data tier before the colours: every workload reads its Secret, and each deployed version gets a
// release snapshot and a migration Job that the router waits for. A restore waits for the
// workloads instead, once writes are stopped (they then skip the Secret: they run no pods).
let writersStopped!: (workloads: pulumi.Resource[]) => void;
const restoreAfter = new Promise<pulumi.Resource[]>((resolve) => (writersStopped = resolve));
const data =
    cfg.network && (cfg.database || cfg.cache)
        ? new DataTier(
              `${app.name}-data`,
              {
                  app,
                  namespace: ns.name,
                  network: cfg.network,
                  database: cfg.database,
                  cache: cfg.cache,
                  versions: releaseVersions(
                      deployed.map((d) => ({
                          version: d.version,
                          image: workloadImage(migrator, d.version),
                      })),
                  ),
                  prod,
                  tags: storeTags,
                  restoreAfter,
              },
              { dependsOn: [ns] },
          )
        : undefined;
if (data) {
    secrets.data = {
        name: data.secretName,
        database: data.database !== undefined,
        replicas: data.database?.activeReplicaIdentifiers.length ?? 0,
        cache: data.cache !== undefined,
    };
    secretResources.push(data.secret);
}

const scalable = workloads.filter(isScalable);
/** One unit per scalable workload and deployed colour: what the ordering decides about. */
const units = scalable.flatMap((workload) =>
    deployed.map(({ color }) => ({
        key: `${workload.key}-${color}`,
        workload,
        color,
        weight: workloadWeight(workload.kind, split, color),
        sizing: {
            baselineReplicas: workload.autoscaling.baselineReplicas,
            minReplicas: workload.autoscaling.minReplicas,
            maxReplicas: workload.autoscaling.maxReplicas,
            idleReplicas: cfg.traffic.idleReplicas,
        },
    })),
);

// What runs now decides the order inside this update: colours gaining traffic scale before the
// routing moves, colours losing it only after (and never below what their HPA runs now).
const previous = new PreviousReleaseState(`${app.name}-previous`, {
    namespace: app.namespace,
    deployments: (cfg.traffic.readLiveReplicas ? units : []).map((u) => ({
        key: u.key,
        color: u.color,
        workload: u.workload.key,
        name: `${u.workload.name}-${u.color}`,
    })),
});
const order = pulumi.all([previous.release, previous.live]).apply(([prev, live]) => {
    const peaks = transientPeaks(prev, split, cfg.router.kind);
    const planned = orderRelease(
        Object.fromEntries(
            units.map((u) => {
                const before = previousUnit(prev, u.color, u.workload.key);
                // A tcp workload's previous share is its previous stable colour's, not a weight.
                const prevShare =
                    before && u.workload.kind === "tcp" && prev
                        ? { ...before, weight: prev.stable === u.color ? 100 : 0 }
                        : before;
                return [
                    u.key,
                    {
                        previous: prevShare,
                        weight: u.weight,
                        peakWeight: u.workload.kind === "web" ? peaks[u.color] : undefined,
                        live: live[u.key],
                        sizing: u.sizing,
                    },
                ];
            }),
        ),
    );
    return writesStopped ? stopWrites(planned) : planned;
});
let routingReady!: (objects: pulumi.Resource[]) => void;
const routing = new Promise<pulumi.Resource[]>((resolve) => (routingReady = resolve));

/** Per workload and colour: the component, its target capacity and the ordered step. */
const parts = workloads.flatMap((workload) =>
    deployed.map(({ color, version }) => {
        const pod = {
            workload,
            color,
            version,
            appName: app.name,
            secrets,
            strictZoneSpread: prod,
            identity: storage?.identities[workload.key]?.identity,
        };
        const dependsOn = [...secretResources, ...(storage?.identities[workload.key]?.gates ?? [])];
        const name = `${workload.name}-${color}`;
        if (!isScalable(workload)) {
            const cron = new ColorCronJob(name, {
                pod,
                namespace: ns.name,
                stable: split.stable,
                writesStopped,
                dependsOn: writesStopped ? [] : dependsOn,
            });
            return { workload, color, version, cron };
        }
        const key = `${workload.key}-${color}`;
        const unit = units.find((u) => u.key === key)!;
        // Whether the colour has pods and an HPA follows from the config alone.
        const target = writesStopped
            ? { replicas: 0 }
            : colorCapacity({ ...unit.sizing, weight: unit.weight });
        const step = order.apply((o) => o.steps[key]);
        const deployment = new ColorDeployment(name, {
            pod,
            namespace: ns.name,
            capacity: {
                replicas: step.replicas,
                hpa: target.hpa && {
                    minReplicas: step.apply((s) => s.hpa?.minReplicas ?? target.hpa!.minReplicas),
                    maxReplicas: step.apply((s) => s.hpa?.maxReplicas ?? target.hpa!.maxReplicas),
                },
            },
            writesStopped,
            dependsOn: writesStopped ? [] : dependsOn,
            scaleAfter: order.apply((o) => (o.after.includes(key) ? routing : Promise.resolve([]))),
        });
        return { workload, color, version, target, step, key, deployment };
    }),
);
/** What a workload's routing waits for: its colours that gain traffic, scaled (Deployment, HPA). */
const scaledBefore = (workloadKey: string) =>
    order.apply((o) =>
        parts
            .filter(
                (p) => p.workload.key === workloadKey && p.deployment && o.before.includes(p.key!),
            )
            .flatMap((p) => [
                p.deployment!.deployment,
                ...(p.deployment!.hpa ? [p.deployment!.hpa] : []),
            ]),
    );

// Each deployed version of each web workload answers its smoke checks on its own Service before any
// weight moves to it. Named per version like the migration Job: a new version creates a new Job.
const smokeTests = parts
    .filter((p) => p.workload.kind === "web" && p.deployment && p.target!.replicas > 0)
    .map((p) => ({
        key: p.key!,
        job: new SmokeTestJob(`${p.workload.name}-${p.color}-smoke-${slug(p.version)}`, {
            appName: p.workload.name,
            namespace: app.namespace,
            color: p.color,
            version: p.version,
            serviceName: p.deployment!.serviceName!,
            checks: cfg.traffic.smokeTest.checks ?? [
                { path: p.workload.health.readiness, status: 200 },
            ],
            settings: cfg.traffic.smokeTest,
            gates: [p.deployment!.deployment, ...(data?.gates ?? [])],
        }),
    }));
/** The smoke Jobs a workload's routing waits for: those of its colours that gain traffic. */
const smokedBefore = (workloadKey: string) =>
    order.apply((o) =>
        smokeTests
            .filter((s) => s.key.startsWith(`${workloadKey}-`) && o.before.includes(s.key))
            .map((s) => s.job.job),
    );

// Traffic moves only after the colours gaining it have scaled (Deployment and HPA floor) and
// answered their smoke test, and, with a database, after every deployed version's release
// snapshot and migration Job.
const gatewayHosts = webWorkloads.map((w) => w.host);
const ordered = [...webWorkloads].sort((a, b) => b.pathPrefix.length - a.pathPrefix.length);
const routers = webWorkloads.map(
    (w, i) =>
        new TrafficRouter(`${w.name}-router`, {
            appName: w.name,
            namespace: app.namespace,
            host: w.host,
            extraHosts: i === 0 && dnsPlan?.regionalHost ? [dnsPlan.regionalHost] : undefined,
            pathPrefix: w.pathPrefix,
            gateway: {
                create: i === 0 && cfg.router.gateway.create,
                name: app.name,
                hosts: gatewayHosts,
            },
            albGroup:
                webWorkloads.length > 1
                    ? { name: app.name, order: ordered.indexOf(w) + 1 }
                    : undefined,
            split,
            backends: parts
                .filter((p) => p.workload.key === w.key && p.deployment)
                .map((p) => ({
                    color: p.color,
                    serviceName: p.deployment!.serviceName!,
                    hasPods: p.target!.replicas > 0,
                })),
            previewHeader: cfg.traffic.previewHeader,
            steps: trafficSteps(cfg).map((s) => s.weight),
            router: cfg.router,
            preStopSleepSeconds: w.preStopSleepSeconds,
            readinessPath: w.health.readiness,
            gates: [scaledBefore(w.key), smokedBefore(w.key), ...(data?.gates ?? [])],
        }),
);
const tcpServices = workloads
    .filter((w) => w.kind === "tcp")
    .map(
        (w) =>
            new TcpLoadBalancer(`${w.name}-lb`, {
                workload: w,
                namespace: ns.name,
                appName: app.name,
                stable: split.stable,
                gates: [scaledBefore(w.key), ...(data?.gates ?? [])],
            }),
    );
writersStopped(
    writesStopped
        ? parts.map((p) => (p.deployment ? p.deployment.deployment : p.cron!.cronJob))
        : [],
);
// The daily pg_dump of the database, and Route 53 in front of the first web workload's router.
const backup = edgesOf.databaseBackup(edges, storage?.storage, data, [ns]);
const dns = edgesOf.stackDns(
    edges,
    dnsPlan,
    webWorkloads.map((w) => w.host),
    routers[0],
    webWorkloads[0]?.health.readiness ?? "/",
);
routingReady([
    ...routers.flatMap((r) => Object.values(r.objects)),
    ...tcpServices.map((t) => t.service),
]);

// RDS free storage, replica lag and cache memory exist only in CloudWatch: the stack's own exporter
// brings them in for its stores, under its own pod identity.
const cloudwatch =
    data && cfg.cluster
        ? new CloudWatchExporter(
              `${app.name}-cloudwatch`,
              {
                  namespace: app.namespace,
                  appName: app.name,
                  region: awsRegion,
                  storeTags,
                  database: !!cfg.database,
                  cache: !!cfg.cache,
                  oidcProviderArn: cfg.cluster.oidcProviderArn,
                  tags: storeTags,
              },
              { dependsOn: [ns] },
          )
        : undefined;

// Alerts (AL-01 … AL-14), ServiceMonitors and the release dashboard, from `release:monitoring`.
const alerting = rulesInput
    ? new Alerting(`${app.name}-alerting`, {
          namespace: ns.name,
          metricsPath: watched.health.metrics,
          rules: rulesInput,
          workloads: webWorkloads
              .filter((w) => w !== watched)
              .map((w) => ({ name: w.name, metricsPath: w.health.metrics })),
          // Workers have no Service: their pods are scraped directly.
          workers: workloads
              .filter((w) => w.kind === "worker")
              .map((w) => ({ name: w.name, metricsPath: w.health.metrics })),
          // The data tier's exporter Services (app.kubernetes.io/name, port "metrics").
          exporters: [
              ...(cfg.database ? ["postgres-exporter"] : []),
              ...(cfg.cache ? ["redis-exporter"] : []),
              ...(cloudwatch ? [CLOUDWATCH_EXPORTER] : []),
          ],
      })
    : undefined;

export const stage = cfg.stage;
export const url = `https://${watched.kind === "web" ? watched.host : app.host}`;
export const stableColor = split.stable;
export const trafficWeights = { ...split.weights };
export const colorsDeployed = Object.fromEntries(
    deployed.map(({ color, version }) => [
        color,
        {
            version,
            workloads: Object.fromEntries(
                parts
                    .filter((p) => p.color === color)
                    .map((p) => [
                        p.workload.key,
                        p.cron
                            ? {
                                  kind: p.workload.kind,
                                  image: workloadImage(p.workload, version),
                                  suspended: color !== split.stable || writesStopped,
                              }
                            : {
                                  kind: p.workload.kind,
                                  image: workloadImage(p.workload, version),
                                  replicas: p.step!.replicas,
                                  hpa: p.step!.apply((s) => s.hpa ?? null),
                              },
                    ]),
            ),
        },
    ]),
) as Record<Color, unknown>;
export const routes = Object.fromEntries(
    webWorkloads.map((w, i) => [
        w.key,
        { host: w.host, pathPrefix: w.pathPrefix, weights: routers[i].weights },
    ]),
);
/** L4 cannot be weighted: each tcp workload's NLB follows the stable colour. */
export const tcpEndpoints = Object.fromEntries(
    tcpServices.map((t, i) => {
        const w = workloads.filter((x) => x.kind === "tcp")[i];
        return [w.key, { service: t.serviceName, port: w.servicePort, color: split.stable }];
    }),
);
export const previewHeader = cfg.traffic.previewHeader;
// Endpoints and ids only: credentials live in the datastore Secret, never in outputs.
export const database = data?.database
    ? {
          identifier: data.database.activeIdentifier,
          endpoint: data.database.endpoint,
          replicas: data.database.activeReplicaIdentifiers,
          releaseSnapshots: data.snapshots.map((s) => s.snapshotId),
          migrationJobs: data.migrations.map((m) => m.jobName),
      }
    : null;
export const cache = data?.cache ? { endpoint: data.cache.endpoint } : null;
export const dataStoreSecret = data?.secretName ?? null;
/** Whether pods may write, and where: a restore runs only while writes are stopped. */
export const writes = {
    mode: cfg.data.writes,
    database: data?.database?.activeIdentifier ?? null,
    restoredFrom: cfg.database?.restoreFromSnapshot ?? cfg.database?.restoreToTime ?? null,
};
export const alertCount = alerting?.alertCount ?? 0;
// Names only: workloads reach the buckets through their pod identities, never with keys.
export const { buckets, databaseBackupCronJob, dnsRecords } = edgesOf.edgeOutputs(
    storage,
    backup,
    dns,
);
