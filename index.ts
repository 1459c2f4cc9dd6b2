// Entry point: read the stack config, then wire the components. Decisions live in decisions/.
import { AppNamespace } from "./components/app/appNamespace";
import { AppSecret } from "./components/app/appSecret";
import { Alerting } from "./components/monitoring/alerting";
import { colorCapacity, trafficSplit } from "./decisions/capacity";
import { imageVersion } from "./config/rules";
import { ColorDeployment } from "./components/app/colorDeployment";
import { COLORS, loadStackConfig } from "./config";
import { trafficSteps } from "./config/progression";
import { releaseVersions } from "./decisions/dataNaming";
import { DataTier } from "./components/data/dataTier";
import { TrafficRouter } from "./components/traffic/trafficRouter";

const { config: cfg } = loadStackConfig();
const prod = cfg.stage === "prod";
const app = cfg.app;
const split = trafficSplit(cfg.traffic.stable, cfg.traffic.canaryWeight);

const ns = new AppNamespace(app.namespace, { name: app.namespace }, { protect: prod });

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
        ? new DataTier(`${app.name}-data`, {
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
              tags: { app: app.name, stage: cfg.stage, "managed-by": "pulumi" },
          })
        : undefined;
if (data) envFromSecrets.push(data.secretName);

const colors = COLORS.flatMap((color) => {
    const spec = cfg.colors[color];
    if (!spec) return []; // A colour with no image is not deployed at all.
    const capacity = colorCapacity({
        weight: split.weights[color],
        baselineReplicas: cfg.autoscaling.baselineReplicas,
        minReplicas: cfg.autoscaling.minReplicas,
        maxReplicas: cfg.autoscaling.maxReplicas,
        idleReplicas: cfg.traffic.idleReplicas,
    });
    const version = spec.version ?? imageVersion(spec.image);
    const workload = new ColorDeployment(`${app.name}-${color}`, {
        color,
        namespace: ns.name,
        app,
        autoscaling: cfg.autoscaling,
        image: spec.image,
        version,
        capacity,
        strictZoneSpread: prod,
        envFromSecrets,
    });
    return [{ color, version, capacity, workload }];
});

const router = new TrafficRouter(`${app.name}-router`, {
    appName: app.name,
    namespace: app.namespace,
    host: app.host,
    split,
    backends: colors.map((c) => ({
        color: c.color,
        serviceName: c.workload.serviceName,
        hasPods: c.capacity.replicas > 0,
    })),
    previewHeader: cfg.traffic.previewHeader,
    steps: trafficSteps(cfg).map((s) => s.weight),
    router: cfg.router,
    preStopSleepSeconds: app.preStopSleepSeconds,
    readinessPath: app.health.readiness,
    // Traffic moves only after both colours' Deployments have rolled out and, with a database,
    // after every deployed version's release snapshot and migration Job.
    gates: [...colors.map((c) => c.workload.deployment), ...(data?.gates ?? [])],
});

// Alerts (AL-01 … AL-14), ServiceMonitors and the release dashboard, from `release:monitoring`.
const alerting = cfg.monitoring
    ? new Alerting(`${app.name}-alerting`, {
          namespace: ns.name,
          metricsPath: app.health.metrics,
          rules: {
              appName: app.name,
              namespace: app.namespace,
              monitoring: cfg.monitoring,
              database: cfg.database && {
                  identifier: cfg.database.identifier,
                  allocatedGiB: cfg.database.allocatedStorageGb,
              },
          },
          // The data tier's exporter Services (app.kubernetes.io/name, port "metrics").
          exporters: [
              ...(cfg.database ? ["postgres-exporter"] : []),
              ...(cfg.cache ? ["redis-exporter"] : []),
          ],
      })
    : undefined;

export const stage = cfg.stage;
export const url = `https://${app.host}`;
export const stableColor = split.stable;
export const trafficWeights = router.weights;
export const colorsDeployed = Object.fromEntries(
    colors.map((c) => [
        c.color,
        { version: c.version, replicas: c.capacity.replicas, hpa: c.capacity.hpa ?? null },
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
