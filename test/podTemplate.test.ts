// The pure workload builders, called without Pulumi: pod template (env, data contract, probes,
// hardening) and the per-kind objects (Deployment, Services, HPA, PDB, CronJob, NLB Service).
import * as assert from "assert";
import { parseStackConfig, resolveWorkloads, type Workload } from "../config";
import { dataEnv, plainEnv, podTemplate, type PodInputs } from "../decisions/podTemplate";
import {
    colorServiceObject,
    cronJobObject,
    deploymentObject,
    hpaObject,
    loadBalancerServiceObject,
    pdbObject,
} from "../decisions/workloadObjects";

const NETWORK = {
    vpcId: "vpc-0a1b2c3d4e5f60718",
    privateSubnetIds: ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
    appSecurityGroupId: "sg-0a1b2c3d4e5f60aa1",
};

/** A parsed staging config with the given workloads (and app-level overrides). */
function config(workloads: Record<string, unknown>, extra: Record<string, any> = {}) {
    return parseStackConfig({
        stage: "staging",
        app: {
            name: "shop",
            namespace: "shop",
            host: "shop.example.com",
            repository: "registry.example.com/shop/app",
            ...extra.app,
        },
        workloads,
        colors: { blue: { version: "v1.0.0" }, green: { version: "v1.1.0" } },
        traffic: { stable: "blue", canaryWeight: 20 },
        router: { tls: { secretName: "shop-tls" } },
        appSecrets: extra.appSecrets ?? {},
        ...(extra.data
            ? {
                  network: NETWORK,
                  database: {
                      identifier: "shop-staging",
                      migration: { command: ["migrate"] },
                  },
                  cache: { replicationGroupId: "shop-staging" },
                  cluster: {
                      oidcProviderArn:
                          "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/B1A2C3D4E5F60718293A4B5C6D7E8F90",
                  },
              }
            : {}),
    });
}

function workload(spec: Record<string, unknown>, extra: Record<string, any> = {}): Workload {
    return resolveWorkloads(config({ w: spec }, extra))[0];
}

const pod = (w: Workload, over: Partial<PodInputs> = {}): PodInputs => ({
    workload: w,
    color: "green",
    version: "v1.1.0",
    appName: "shop",
    ...over,
});

const DATA = { name: "shop-datastores-abc", database: true, replicas: 1, cache: true };

const envNames = (env: { name: string }[]) => env.map((e) => e.name);

describe("workload pod template (pure)", () => {
    it("tags the repository with the colour's version; a pinned image ignores it", () => {
        const own = podTemplate(pod(workload({ kind: "web" })));
        assert.strictEqual(own.spec.containers[0].image, "registry.example.com/shop/app:v1.1.0");
        const repo = podTemplate(pod(workload({ kind: "web", repository: "r.example.com/web" })));
        assert.strictEqual(repo.spec.containers[0].image, "r.example.com/web:v1.1.0");
        const pinned = podTemplate(
            pod(workload({ kind: "tcp", image: "r.example.com/rtmp:1.2.3" })),
        );
        assert.strictEqual(pinned.spec.containers[0].image, "r.example.com/rtmp:1.2.3");
        // The version label still says which colour's version the pod belongs to.
        assert.strictEqual(pinned.metadata.labels.version, "v1.1.0");
    });

    it("injects PORT, APP_COLOR, APP_VERSION and CORS_ORIGINS by default, renamed or off on request", () => {
        const w = workload({ kind: "web", corsOrigins: ["https://shop.example.com"] });
        assert.deepStrictEqual(plainEnv(pod(w)).slice(0, 3), [
            { name: "PORT", value: "8080" },
            { name: "APP_COLOR", value: "green" },
            { name: "APP_VERSION", value: "v1.1.0" },
        ]);
        assert.deepStrictEqual(plainEnv(pod(w)).at(-1), {
            name: "CORS_ORIGINS",
            value: "https://shop.example.com",
        });
        const renamed = workload(
            { kind: "web", envNames: { port: "HTTP_PORT", version: false } },
            { app: { envNames: { color: "DEPLOY_COLOR" } } },
        );
        assert.deepStrictEqual(envNames(plainEnv(pod(renamed))), ["HTTP_PORT", "DEPLOY_COLOR"]);
    });

    it("merges workload env over the app's and keeps only the web workload's CORS origins", () => {
        const app = {
            env: { LOG_LEVEL: "info", NODE_ENV: "production" },
            corsOrigins: ["https://a.example.com"],
        };
        const w = workload({ kind: "worker", env: { LOG_LEVEL: "debug" } }, { app });
        const env = Object.fromEntries(plainEnv(pod(w)).map((e: any) => [e.name, e.value]));
        assert.strictEqual(env.LOG_LEVEL, "debug");
        assert.strictEqual(env.NODE_ENV, "production");
        assert.strictEqual(env.CORS_ORIGINS, undefined, "a worker serves no browser");
    });

    it("reads the data tier only from the datastore Secret, under the contract's names", () => {
        const w = workload(
            {
                kind: "web",
                data: {
                    database: {
                        url: "DB_URL",
                        host: "DB_HOST",
                        password: "DB_PASSWORD",
                        replicaUrls: false,
                    },
                    redis: {
                        url: false,
                        host: "REDIS_HOST",
                        port: "REDIS_PORT",
                        password: "REDIS_PASSWORD",
                    },
                },
            },
            { data: true },
        );
        const env = dataEnv(w, DATA) as any[];
        assert.deepStrictEqual(envNames(env), [
            "DB_URL",
            "DB_HOST",
            "DB_PASSWORD",
            "REDIS_HOST",
            "REDIS_PORT",
            "REDIS_PASSWORD",
        ]);
        for (const e of env) {
            assert.strictEqual(e.value, undefined, `${e.name} must not be a literal`);
            assert.strictEqual(e.valueFrom.secretKeyRef.name, DATA.name);
        }
        assert.strictEqual(env[0].valueFrom.secretKeyRef.key, "DATABASE_URL");
        assert.strictEqual(env[5].valueFrom.secretKeyRef.key, "REDIS_PASSWORD");
    });

    it("appends URL parameters by $(VAR) expansion of the parameterless URL from the Secret", () => {
        const w = workload(
            {
                kind: "web",
                data: { database: { params: { connection_limit: 20, pool_timeout: "20" } } },
            },
            { data: true },
        );
        const env = dataEnv(w, DATA) as any[];
        const base = env.find((e) => e.name === "RELEASE_DATABASE_URL_BASE");
        assert.strictEqual(base.valueFrom.secretKeyRef.key, "DATABASE_URL_BASE");
        const url = env.find((e) => e.name === "DATABASE_URL");
        assert.strictEqual(
            url.value,
            "$(RELEASE_DATABASE_URL_BASE)?sslmode=require&connection_limit=20&pool_timeout=20",
        );
        // Expansion only sees variables defined earlier in the list.
        assert.ok(env.indexOf(base) < env.indexOf(url));
        const replica = env.find((e) => e.name === "DATABASE_REPLICA_1_URL");
        assert.match(replica.value, /^\$\(RELEASE_DATABASE_REPLICA_1_URL_BASE\)\?sslmode=require&/);
    });

    it("gives a workload with the data tier switched off no data env", () => {
        const w = workload(
            { kind: "worker", data: { database: false, redis: false } },
            { data: true },
        );
        assert.deepStrictEqual(dataEnv(w, DATA), []);
        const defaults = workload({ kind: "worker" }, { data: true });
        assert.deepStrictEqual(envNames(dataEnv(defaults, DATA)), [
            "DATABASE_URL",
            "DATABASE_REPLICA_1_URL",
            "REDIS_URL",
        ]);
    });

    it("mounts every app secret by default, only the chosen ones when a workload lists them", () => {
        const secrets = {
            app: { name: "shop-app-secrets", keys: ["JWT_SECRET", "SMTP_PASSWORD"] },
        };
        const all = podTemplate(pod(workload({ kind: "web" }), { secrets }));
        assert.deepStrictEqual(all.spec.containers[0].envFrom, [
            { secretRef: { name: "shop-app-secrets" } },
        ]);
        const appSecrets = { JWT_SECRET: "x", SMTP_PASSWORD: "y" };
        const some = podTemplate(
            pod(
                workload(
                    { kind: "cron", schedule: "0 3 * * *", secretKeys: ["SMTP_PASSWORD"] },
                    { appSecrets },
                ),
                {
                    secrets,
                },
            ),
        );
        const c = some.spec.containers[0] as any;
        assert.deepStrictEqual(c.envFrom, []);
        assert.deepStrictEqual(
            c.env.filter((e: any) => e.valueFrom),
            [
                {
                    name: "SMTP_PASSWORD",
                    valueFrom: { secretKeyRef: { name: "shop-app-secrets", key: "SMTP_PASSWORD" } },
                },
            ],
        );
    });

    it("probes web and worker over HTTP, tcp on its socket, and cron not at all", () => {
        const web = podTemplate(pod(workload({ kind: "web", health: { readiness: "/ready" } })))
            .spec.containers[0] as any;
        assert.deepStrictEqual(web.readinessProbe.httpGet, { path: "/ready", port: "http" });
        assert.strictEqual(web.livenessProbe.httpGet.path, "/health/live");
        const tcp = podTemplate(pod(workload({ kind: "tcp", port: 1935 }))).spec
            .containers[0] as any;
        assert.deepStrictEqual(tcp.livenessProbe.tcpSocket, { port: "tcp" });
        assert.deepStrictEqual(tcp.ports, [{ name: "tcp", containerPort: 1935 }]);
        const cron = podTemplate(pod(workload({ kind: "cron", schedule: "@daily" })));
        const cc = cron.spec.containers[0] as any;
        assert.strictEqual(cc.livenessProbe, undefined);
        assert.strictEqual(cc.lifecycle, undefined);
        assert.strictEqual((cron.spec as any).restartPolicy, "Never");
    });

    it("applies probe timings from the app, then the workload", () => {
        const w = workload(
            { kind: "web", probes: { liveness: { failureThreshold: 6 } } },
            {
                app: {
                    probes: { liveness: { periodSeconds: 20 }, startup: { failureThreshold: 60 } },
                },
            },
        );
        const c = podTemplate(pod(w)).spec.containers[0] as any;
        assert.strictEqual(c.livenessProbe.periodSeconds, 20);
        assert.strictEqual(c.livenessProbe.failureThreshold, 6);
        assert.strictEqual(c.livenessProbe.timeoutSeconds, 2);
        assert.strictEqual(c.startupProbe.failureThreshold, 60);
    });

    it("hardens every kind's pod the same way", () => {
        for (const spec of [
            { kind: "web" },
            { kind: "tcp" },
            { kind: "worker" },
            { kind: "cron", schedule: "@hourly" },
        ]) {
            const t = podTemplate(pod(workload(spec)));
            assert.strictEqual(t.spec.securityContext.runAsNonRoot, true, spec.kind);
            assert.strictEqual(t.spec.automountServiceAccountToken, false, spec.kind);
            const c = t.spec.containers[0];
            assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true, spec.kind);
            assert.ok(c.resources.limits.memory && c.resources.requests.cpu, spec.kind);
        }
    });
});

describe("workload objects per kind (pure)", () => {
    it("keeps the version out of every selector (selectors are immutable)", () => {
        const i = pod(workload({ kind: "web" }));
        const d = deploymentObject(i, 2);
        assert.deepStrictEqual(d.spec.selector.matchLabels, {
            "app.kubernetes.io/name": "shop-w",
            color: "green",
        });
        assert.strictEqual(d.spec.template.metadata.labels.version, "v1.1.0");
        assert.deepStrictEqual(pdbObject(i).spec.selector.matchLabels, d.spec.selector.matchLabels);
        assert.strictEqual(
            hpaObject(i, { minReplicas: 2, maxReplicas: 4 }).spec.scaleTargetRef.name,
            "shop-w-green",
        );
    });

    it("gives web colours an HTTP Service on 80 and tcp colours their own port", () => {
        const web = colorServiceObject(pod(workload({ kind: "web" })));
        assert.deepStrictEqual(web.spec.ports[0].port, 80);
        const tcp = colorServiceObject(pod(workload({ kind: "tcp", port: 1935 })));
        assert.deepStrictEqual(tcp.spec.ports, [
            { name: "tcp", port: 1935, targetPort: "tcp", protocol: "TCP" },
        ]);
    });

    it("points a tcp workload's NLB at the stable colour only", () => {
        const w = workload({
            kind: "tcp",
            port: 1935,
            loadBalancer: { sourceRanges: ["203.0.113.0/24"] },
        });
        const blue = loadBalancerServiceObject(w, "blue", "shop");
        const green = loadBalancerServiceObject(w, "green", "shop");
        assert.strictEqual(blue.spec.type, "LoadBalancer");
        assert.strictEqual(blue.spec.selector.color, "blue");
        assert.deepStrictEqual(blue.spec.loadBalancerSourceRanges, ["203.0.113.0/24"]);
        assert.strictEqual(
            blue.metadata.annotations[
                "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"
            ],
            "ip",
        );
        // A promotion changes the selector and nothing else.
        const { selector: a, ...restBlue } = blue.spec;
        const { selector: b, ...restGreen } = green.spec;
        assert.notDeepStrictEqual(a, b);
        assert.deepStrictEqual(restBlue, restGreen);
        assert.deepStrictEqual(blue.metadata, green.metadata);
    });

    it("runs only the stable colour's CronJob, never overlapping, with a history limit and a deadline", () => {
        const w = workload({ kind: "cron", schedule: "*/15 * * * *" });
        const green = cronJobObject(pod(w), "blue");
        const blue = cronJobObject(pod(w, { color: "blue", version: "v1.0.0" }), "blue");
        assert.strictEqual(green.spec.suspend, true);
        assert.strictEqual(blue.spec.suspend, false);
        // Writes stopped (the restore flow): the stable colour's CronJob is suspended too.
        const stopped = cronJobObject(pod(w, { color: "blue", version: "v1.0.0" }), "blue", true);
        assert.strictEqual(stopped.spec.suspend, true);
        for (const c of [green, blue]) {
            assert.strictEqual(c.spec.concurrencyPolicy, "Forbid");
            assert.strictEqual(c.spec.successfulJobsHistoryLimit, 3);
            assert.strictEqual(c.spec.startingDeadlineSeconds, 300);
            assert.strictEqual(c.spec.jobTemplate.spec.activeDeadlineSeconds, 3600);
        }
        assert.throws(() => cronJobObject(pod(workload({ kind: "web" })), "blue"), /cron workload/);
    });
});
