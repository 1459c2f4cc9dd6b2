// The pod template of one workload in one colour, as plain data. Components only wrap it in a
// Deployment or CronJob, so tests check env, probes and hardening without the Pulumi runtime.
import type { Color } from "../config/app";
import { workloadImage, type Workload } from "../config/workloads";
import { DATASTORE_KEYS } from "./dataNaming";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./podSecurity";

/** The Secrets a pod may read, as the components created them. */
export interface PodSecrets {
    /** `release:appSecrets` as a Secret: its name and keys. */
    readonly app?: { readonly name: string; readonly keys: readonly string[] };
    /** The data tier's Secret (DATASTORE_KEYS) and the number of read replicas it lists. */
    readonly data?: {
        readonly name: string;
        readonly database: boolean;
        readonly replicas: number;
        readonly cache: boolean;
    };
}

export interface PodInputs {
    readonly workload: Workload;
    readonly color: Color;
    /** The colour's version: the image tag and the `version` label. */
    readonly version: string;
    readonly appName: string;
    readonly secrets?: PodSecrets;
    /** Spread across zones strictly (prod) or best-effort. */
    readonly strictZoneSpread?: boolean;
    /**
     * The workload's pod identity: the ServiceAccount bound to its IAM role, and the env vars
     * naming the buckets it may reach. Default none: the namespace's default ServiceAccount.
     */
    readonly identity?: {
        readonly serviceAccountName: string;
        readonly env: readonly { readonly name: string; readonly value: string }[];
    };
}

export type EnvVar =
    | { name: string; value: string }
    | { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } };

/** Selector labels of a workload's colour: immutable on a Deployment, so no version here. */
export function selectorLabels(w: Workload, color: Color): Record<string, string> {
    return { "app.kubernetes.io/name": w.name, color };
}

export function objectLabels(
    w: Workload,
    color: Color,
    version: string,
    appName: string,
): Record<string, string> {
    return {
        ...selectorLabels(w, color),
        version,
        "app.kubernetes.io/component": w.key,
        "app.kubernetes.io/part-of": appName,
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

const fromSecret = (name: string, secret: string, key: string): EnvVar => ({
    name,
    valueFrom: { secretKeyRef: { name: secret, key } },
});

/** Helper variable the composed database URLs expand; never a credential on its own in YAML. */
const URL_BASE_VAR = "RELEASE_DATABASE_URL_BASE";

/**
 * The data tier as env: URL and/or parts under the contract's names, all from the datastore
 * Secret. URL parameters are appended with Kubernetes' $(VAR) expansion, so the credentials stay
 * in the Secret and a parameter change still rolls the pods.
 */
export function dataEnv(w: Workload, data: PodSecrets["data"]): EnvVar[] {
    if (!data) return [];
    const env: EnvVar[] = [];
    const db = data.database ? w.database : undefined;
    if (db) {
        const { sslmode = "require", ...rest } = db.params;
        const query = Object.entries({ sslmode, ...rest })
            .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
            .join("&");
        const composed = query !== "sslmode=require";
        const url = (name: string, key: string, baseKey: string, helper: string) =>
            composed
                ? [fromSecret(helper, data.name, baseKey), { name, value: `$(${helper})?${query}` }]
                : [fromSecret(name, data.name, key)];
        if (db.url)
            env.push(
                ...url(
                    db.url,
                    DATASTORE_KEYS.databaseUrl,
                    DATASTORE_KEYS.databaseUrlBase,
                    URL_BASE_VAR,
                ),
            );
        const parts = [
            [db.host, DATASTORE_KEYS.databaseHost],
            [db.port, DATASTORE_KEYS.databasePort],
            [db.name, DATASTORE_KEYS.databaseName],
            [db.user, DATASTORE_KEYS.databaseUser],
            [db.password, DATASTORE_KEYS.databasePassword],
        ] as const;
        for (const [name, key] of parts) if (name) env.push(fromSecret(name, data.name, key));
        if (db.replicaUrls) {
            for (let n = 1; n <= data.replicas; n++) {
                env.push(
                    ...url(
                        DATASTORE_KEYS.replicaUrl(n),
                        DATASTORE_KEYS.replicaUrl(n),
                        DATASTORE_KEYS.replicaUrlBase(n),
                        `RELEASE_DATABASE_REPLICA_${n}_URL_BASE`,
                    ),
                );
            }
        }
    }
    const redis = data.cache ? w.redis : undefined;
    if (redis) {
        const parts = [
            [redis.url, DATASTORE_KEYS.redisUrl],
            [redis.host, DATASTORE_KEYS.redisHost],
            [redis.port, DATASTORE_KEYS.redisPort],
            [redis.password, DATASTORE_KEYS.redisPassword],
        ] as const;
        for (const [name, key] of parts) if (name) env.push(fromSecret(name, data.name, key));
    }
    return env;
}

/** Plain env: the injected names (renamable, or off), then the workload's own values. */
export function plainEnv(i: PodInputs): EnvVar[] {
    const w = i.workload;
    const n = w.envNames;
    const env: EnvVar[] = [];
    if (n.port && w.kind !== "cron") env.push({ name: n.port, value: String(w.port) });
    if (n.color) env.push({ name: n.color, value: i.color });
    if (n.version) env.push({ name: n.version, value: i.version });
    for (const [k, v] of Object.entries(w.env)) env.push({ name: k, value: v });
    if (n.corsOrigins && w.corsOrigins.length > 0) {
        env.push({ name: n.corsOrigins, value: w.corsOrigins.join(",") });
    }
    for (const e of i.identity?.env ?? []) env.push({ name: e.name, value: e.value });
    return env;
}

/** App secrets: all of them through envFrom, or only the chosen names through secretKeyRef. */
function secretEnv(i: PodInputs): { env: EnvVar[]; envFrom: { secretRef: { name: string } }[] } {
    const app = i.secrets?.app;
    if (!app) return { env: [], envFrom: [] };
    if (i.workload.secretKeys === undefined)
        return { env: [], envFrom: [{ secretRef: { name: app.name } }] };
    return { env: i.workload.secretKeys.map((k) => fromSecret(k, app.name, k)), envFrom: [] };
}

function probes(w: Workload) {
    if (w.kind === "cron") return {};
    const handler = (path: string) =>
        w.kind === "tcp" ? { tcpSocket: { port: "tcp" } } : { httpGet: { path, port: "http" } };
    const p = w.probes;
    return {
        startupProbe: { ...handler(w.health.startup), ...p.startup },
        livenessProbe: { ...handler(w.health.liveness), ...p.liveness },
        readinessProbe: { ...handler(w.health.readiness), ...p.readiness },
    };
}

function spread(w: Workload, color: Color, strict: boolean) {
    const labelSelector = { matchLabels: selectorLabels(w, color) };
    return [
        {
            maxSkew: 1,
            topologyKey: "topology.kubernetes.io/zone",
            whenUnsatisfiable: strict ? "DoNotSchedule" : "ScheduleAnyway",
            labelSelector,
        },
        {
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "ScheduleAnyway",
            labelSelector,
        },
    ];
}

/** The pod template (metadata and spec) of a workload's colour. */
export function podTemplate(i: PodInputs) {
    const w = i.workload;
    const secrets = secretEnv(i);
    const long = w.kind !== "cron";
    const portName = w.kind === "tcp" ? "tcp" : "http";
    const container = {
        name: "app",
        image: workloadImage(w, i.version),
        imagePullPolicy: "IfNotPresent",
        ...(w.command ? { command: w.command } : {}),
        ...(w.args ? { args: w.args } : {}),
        ...(long ? { ports: [{ name: portName, containerPort: w.port }] } : {}),
        env: [...plainEnv(i), ...dataEnv(w, i.secrets?.data), ...secrets.env],
        envFrom: secrets.envFrom,
        resources: { requests: w.resources.requests, limits: w.resources.limits },
        ...probes(w),
        // The sleep keeps the pod serving while routers deregister it.
        ...(long ? { lifecycle: { preStop: { sleep: { seconds: w.preStopSleepSeconds } } } } : {}),
        securityContext: restrictedContainerSecurity(),
        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
    };
    return {
        metadata: { labels: objectLabels(w, i.color, i.version, i.appName) },
        spec: {
            ...(i.identity ? { serviceAccountName: i.identity.serviceAccountName } : {}),
            // The EKS webhook projects the web-identity token on its own volume; the Kubernetes
            // API token is not needed.
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: w.terminationGracePeriodSeconds,
            securityContext: restrictedPodSecurity(w.runAsUser),
            ...(long
                ? { topologySpreadConstraints: spread(w, i.color, i.strictZoneSpread ?? false) }
                : { restartPolicy: "Never" }),
            containers: [container],
            // A writable /tmp, since the root filesystem is read-only.
            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
        },
    };
}
