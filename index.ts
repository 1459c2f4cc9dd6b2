// Entry point: read the stack config, then wire the components. Decisions live in decisions/.
import * as pulumi from "@pulumi/pulumi";
import { AppNamespace } from "./components/app/appNamespace";
import { AppSecret } from "./components/app/appSecret";
import { Alerting } from "./components/monitoring/alerting";
import { CloudWatchExporter } from "./components/monitoring/cloudwatchExporter";
import { CLOUDWATCH_EXPORTER } from "./decisions/cloudwatchExporter";
import { colorCapacity, trafficSplit } from "./decisions/capacity";
import { orderRelease, previousUnit, transientPeaks } from "./decisions/ordering";
import { imageVersion } from "./config/rules";
import { ColorDeployment } from "./components/app/colorDeployment";
import { COLORS, ConfigError, loadStackConfig } from "./config";
import { extraAlertProblems } from "./config/promtool";
import { buildRuleGroups, type AlertRulesInput } from "./decisions/alertRules";
import { trafficSteps } from "./config/progression";
import { releaseVersions, slug } from "./decisions/dataNaming";
import { DataTier } from "./components/data/dataTier";
import { PreviousReleaseState } from "./components/traffic/previousRelease";
import { TrafficRouter } from "./components/traffic/trafficRouter";
import { SmokeTestJob } from "./components/app/smokeTestJob";
import { smokeChecks } from "./decisions/smokeTest";

const { config: cfg } = loadStackConfig();
const prod = cfg.stage === "prod";
const app = cfg.app;
const split = trafficSplit(cfg.traffic.stable, cfg.traffic.canaryWeight);

// The rules are pure: render them before any resource, so promtool can reject a stack's own
// alert expression as a config error with nothing half-applied.
const rulesInput: AlertRulesInput | undefined = cfg.monitoring && {
    appName: app.name,
    namespace: app.namespace,
    monitoring: cfg.monitoring,
    database: cfg.database && { allocatedGiB: cfg.database.allocatedStorageGb },
};
if (rulesInput) {
    const check = extraAlertProblems(
        buildRuleGroups(rulesInput),
        rulesInput.monitoring.extraAlerts,
        `${app.name}.extra`,
    );
    if (check.problems.length > 0) throw new ConfigError(check.problems);
    if (check.warning) pulumi.log.warn(check.warning);
}

const ns = new AppNamespace(app.namespace, { name: app.namespace }, { protect: prod });

// Tags on every AWS resource; the CloudWatch exporter also finds the stack's stores by them.
const storeTags = { app: app.name, stage: cfg.stage, "managed-by": "pulumi" };
const awsRegion = new pulumi.Config("aws").require("region");

const envFromSecrets: string[] = [];
if (Object.keys(cfg.appSecrets).length > 0) {
    const appSecret = new AppSecret(`${app.name}-app`, {
        secretName: `${app.name}-app-secrets`,
        namespace: ns.name,
        data: cfg.appSecrets,
    });
    envFromSecrets.push(appSecret.secretName);
}

// Data tier before the colours: both mount its Secret, and each deployed version gets a release
// snapshot and a migration Job that the router waits for.
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
                      COLORS.map((c) => {
                          const spec = cfg.colors[c];
                          return (
                              spec && {
                                  version: spec.version ?? imageVersion(spec.image),
                                  image: spec.image,
                              }
                          );
                      }),
                  ),
                  prod,
                  tags: storeTags,
              },
              { dependsOn: [ns] },
          )
        : undefined;
if (data) envFromSecrets.push(data.secretName);

/** The app's one workload, under the key the outputs record its capacity by. */
const WORKLOAD = "api";
const deployedColors = COLORS.filter((c) => cfg.colors[c]); // A colour with no image is not deployed.
const sizing = {
    baselineReplicas: cfg.autoscaling.baselineReplicas,
    minReplicas: cfg.autoscaling.minReplicas,
    maxReplicas: cfg.autoscaling.maxReplicas,
    idleReplicas: cfg.traffic.idleReplicas,
};

// What runs now decides the order inside this update: colours gaining traffic scale before the
// routing moves, colours losing it only after (and never below what their HPA runs now).
const previous = new PreviousReleaseState(`${app.name}-previous`, {
    namespace: app.namespace,
    deployments: (cfg.traffic.readLiveReplicas ? deployedColors : []).map((color) => ({
        key: color,
        color,
        workload: WORKLOAD,
        name: `${app.name}-${color}`,
    })),
});
const order = pulumi.all([previous.release, previous.live]).apply(([prev, live]) => {
    const peaks = transientPeaks(prev, split, cfg.router.kind);
    return orderRelease(
        Object.fromEntries(
            deployedColors.map((color) => [
                color,
                {
                    previous: previousUnit(prev, color, WORKLOAD),
                    weight: split.weights[color],
                    peakWeight: peaks[color],
                    live: live[color],
                    sizing,
                },
            ]),
        ),
    );
});
let routingReady!: (objects: pulumi.Resource[]) => void;
const routing = new Promise<pulumi.Resource[]>((resolve) => (routingReady = resolve));

const colors = deployedColors.map((color) => {
    const spec = cfg.colors[color]!;
    // Whether the colour has pods and an HPA follows from the config alone.
    const target = colorCapacity({ ...sizing, weight: split.weights[color] });
    const step = order.apply((o) => o.steps[color]);
    const version = spec.version ?? imageVersion(spec.image);
    const workload = new ColorDeployment(`${app.name}-${color}`, {
        color,
        namespace: ns.name,
        app,
        autoscaling: cfg.autoscaling,
        image: spec.image,
        version,
        capacity: {
            replicas: step.replicas,
            hpa: target.hpa && {
                minReplicas: step.apply((s) => s.hpa?.minReplicas ?? target.hpa!.minReplicas),
                maxReplicas: step.apply((s) => s.hpa?.maxReplicas ?? target.hpa!.maxReplicas),
            },
        },
        scaleAfter: order.apply((o) => (o.after.includes(color) ? routing : Promise.resolve([]))),
        strictZoneSpread: prod,
        envFromSecrets,
    });
    return { color, version, target, step, workload };
});

// Each deployed version answers its smoke checks on its own Service before any weight moves to it.
const smokeTests = colors
    .filter((c) => c.target.replicas > 0)
    .map((c) => ({
        color: c.color,
        // Named per version like the migration Job: a new version creates a new Job, none is replaced.
        job: new SmokeTestJob(`${app.name}-${c.color}-smoke-${slug(c.version)}`, {
            appName: app.name,
            namespace: app.namespace,
            color: c.color,
            version: c.version,
            serviceName: c.workload.serviceName,
            checks: smokeChecks(cfg),
            settings: cfg.traffic.smokeTest,
            gates: [c.workload.deployment, ...(data?.gates ?? [])],
        }),
    }));

const router = new TrafficRouter(`${app.name}-router`, {
    appName: app.name,
    namespace: app.namespace,
    host: app.host,
    split,
    backends: colors.map((c) => ({
        color: c.color,
        serviceName: c.workload.serviceName,
        hasPods: c.target.replicas > 0,
    })),
    previewHeader: cfg.traffic.previewHeader,
    steps: trafficSteps(cfg).map((s) => s.weight),
    router: cfg.router,
    preStopSleepSeconds: app.preStopSleepSeconds,
    readinessPath: app.health.readiness,
    // Traffic moves only after the colours gaining it have scaled (Deployment and HPA floor) and
    // answered their smoke test, and, with a database, after every deployed version's release
    // snapshot and migration Job.
    gates: [
        order.apply((o) =>
            colors
                .filter((c) => o.before.includes(c.color))
                .flatMap((c) => [
                    c.workload.deployment,
                    ...(c.workload.hpa ? [c.workload.hpa] : []),
                    ...smokeTests.filter((s) => s.color === c.color).map((s) => s.job.job),
                ]),
        ),
        ...(data?.gates ?? []),
    ],
});
routingReady(Object.values(router.objects));

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
          metricsPath: app.health.metrics,
          rules: rulesInput,
          // The data tier's exporter Services (app.kubernetes.io/name, port "metrics").
          exporters: [
              ...(cfg.database ? ["postgres-exporter"] : []),
              ...(cfg.cache ? ["redis-exporter"] : []),
              ...(cloudwatch ? [CLOUDWATCH_EXPORTER] : []),
          ],
      })
    : undefined;

export const stage = cfg.stage;
export const url = `https://${app.host}`;
export const stableColor = split.stable;
export const trafficWeights = router.weights;
// The next update reads these back (with the weights) to order itself.
export const colorsDeployed = Object.fromEntries(
    colors.map((c) => [
        c.color,
        {
            version: c.version,
            workloads: {
                [WORKLOAD]: {
                    kind: "web",
                    replicas: c.step.replicas,
                    hpa: c.step.apply((s) => s.hpa ?? null),
                },
            },
        },
    ]),
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
export const alertCount = alerting?.alertCount ?? 0;
