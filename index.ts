// Entry point: read the stack config, then wire the components. Decisions live in components/.
import { AppNamespace } from "./components/appNamespace";
import { AppSecret } from "./components/appSecret";
import { colorCapacity, imageVersion, trafficSplit } from "./components/capacity";
import { ColorDeployment } from "./components/colorDeployment";
import { COLORS, loadStackConfig } from "./components/config";
import { TrafficRouter } from "./components/trafficRouter";

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
    router: cfg.router,
    preStopSleepSeconds: app.preStopSleepSeconds,
    readinessPath: app.health.readiness,
    // Traffic moves only after both colours' Deployments have rolled out.
    gates: colors.map((c) => c.workload.deployment),
});

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
