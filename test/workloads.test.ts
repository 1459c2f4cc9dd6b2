// Several workloads per release: the config rules, and what a stack with all four kinds plans.
import * as assert from "assert";
import type { Plan } from "../scripts/lib/plan";
import { ConfigError, parseStackConfig } from "../config";
import { renderSummary } from "../scripts/lib/summary";
import { byType, configProblems, inputs, planStack } from "./helpers";
import { ALL_KINDS } from "./workloadFixtures";

const T = {
    deployment: "kubernetes:apps/v1:Deployment",
    service: "kubernetes:core/v1:Service",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    cron: "kubernetes:batch/v1:CronJob",
    route: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
    gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
};

function parse(edit: (raw: Record<string, any>) => void): string[] {
    const raw: Record<string, any> = {
        stage: "staging",
        app: {
            name: "shop",
            namespace: "shop",
            host: "shop.example.com",
            repository: "registry.example.com/shop/app",
        },
        workloads: { web: { kind: "web" } },
        colors: { blue: { version: "v1" } },
        traffic: { stable: "blue" },
        router: { tls: { secretName: "shop-tls" } },
    };
    edit(raw);
    try {
        parseStackConfig(raw);
        return [];
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
}

describe("workloads config", () => {
    const cases: [string, (c: Record<string, any>) => void, string][] = [
        [
            "no workload",
            (c) => (c.workloads = {}),
            "release:workloads must list at least one workload (got {})",
        ],
        [
            "unknown kind",
            (c) => (c.workloads.web.kind = "daemon"),
            'release:workloads.web.kind must be one of web, tcp, worker, cron (got "daemon")',
        ],
        [
            "a web-only field on a worker",
            (c) => (c.workloads.q = { kind: "worker", pathPrefix: "/q" }),
            'release:workloads.q.pathPrefix must not be set on a worker workload (it applies to web) (got "/q")',
        ],
        [
            "a cron without a schedule",
            (c) => (c.workloads.nightly = { kind: "cron" }),
            "release:workloads.nightly.schedule must be set on a cron workload (not set)",
        ],
        [
            "autoscaling on a cron",
            (c) =>
                (c.workloads.nightly = {
                    kind: "cron",
                    schedule: "@daily",
                    autoscaling: { minReplicas: 2 },
                }),
            'release:workloads.nightly.autoscaling must not be set on a cron workload (it applies to web, tcp, worker) (got {"minReplicas":2})',
        ],
        [
            "two workloads with one object name",
            (c) => (c.workloads.api = { kind: "worker", name: "shop-web" }),
            'release:workloads.api.name must differ from release:workloads.web\'s object name (got "shop-web")',
        ],
        [
            "two web workloads on one host and path",
            (c) => (c.workloads.api = { kind: "web" }),
            'release:workloads.api.pathPrefix must differ from release:workloads.web\'s on host shop.example.com (got "/")',
        ],
        [
            "no repository anywhere",
            (c) => delete c.app.repository,
            "release:workloads.web.repository must be set (or release:app.repository, or a pinned release:workloads.web.image) (not set)",
        ],
        [
            "image and repository together",
            (c) => (
                (c.workloads.web.image = "r.example.com/x:1"),
                (c.workloads.web.repository = "r.example.com/x")
            ),
            'release:workloads.web.repository must not be set together with release:workloads.web.image (one image source) (got "r.example.com/x")',
        ],
        [
            "a workload's own min above its max",
            (c) => (c.workloads.web.autoscaling = { minReplicas: 5, maxReplicas: 3 }),
            "release:workloads.web.autoscaling.minReplicas must be ≤ release:workloads.web.autoscaling.maxReplicas (3) (got 5)",
        ],
        [
            "the shared min above the shared max",
            (c) => (c.autoscaling = { minReplicas: 5, maxReplicas: 3 }),
            "release:autoscaling.minReplicas must be ≤ release:autoscaling.maxReplicas (3) (got 5)",
        ],
        [
            "a workload's preStop sleep not shorter than its grace period",
            (c) => (c.workloads.web.preStopSleepSeconds = 45),
            "release:workloads.web.preStopSleepSeconds must be shorter than release:workloads.web.terminationGracePeriodSeconds (45) so the app gets time to drain (got 45)",
        ],
        [
            "a secret the stack does not have",
            (c) => (c.workloads.web.secretKeys = ["JWT_SECRET"]),
            'release:workloads.web.secretKeys must name keys of release:appSecrets (got "JWT_SECRET")',
        ],
        [
            "the old name of secretKeys",
            (c) => (c.workloads.web.secrets = ["JWT_SECRET"]),
            'release:workloads.web.secrets must be renamed to secretKeys (the list of release:appSecrets keys this workload mounts) (got ["JWT_SECRET"])',
        ],
        [
            "a database contract without a database",
            (c) => (c.workloads.web.data = { database: { url: "DB_URL" } }),
            "release:workloads.web.data.database must not be set: the stack has no release:database (not set)",
        ],
        [
            "an injected name that is not an env name",
            (c) => (c.workloads.web.envNames = { port: "http-port" }),
            'release:workloads.web.envNames.port must be an environment variable name or false (got "http-port")',
        ],
        [
            "two injected names that collide",
            (c) => (c.workloads.web.envNames = { color: "APP_VERSION" }),
            'release:workloads.web.data must not inject APP_VERSION twice (envNames.color and envNames.version) (got "APP_VERSION")',
        ],
        [
            "a secret-looking plain env var on a workload",
            (c) => (c.workloads.web.env = { SENTRY_AUTH_TOKEN: "x" }),
            'release:workloads.web.env.SENTRY_AUTH_TOKEN must not be a literal: names like this hold secrets, so set it with `pulumi config set --secret --path appSecrets.SENTRY_AUTH_TOKEN` (got "[redacted]")',
        ],
        [
            "a default object name that is too long",
            (c) => (
                (c.app.name = "a-very-long-application-name-for-tests"),
                (c.workloads = { "background-worker": { kind: "worker" } })
            ),
            'release:workloads.background-worker.name must be at most 46 characters ("<name>-green" must fit a CronJob name); the default "<app.name>-<key>" is too long, so set a shorter name (got "a-very-long-application-name-for-tests-background-worker")',
        ],
    ];
    for (const [name, edit, message] of cases) {
        it(`refuses ${name}`, () => {
            const problems = parse(edit);
            assert.ok(
                problems.includes(message),
                `expected:\n  ${message}\ngot:\n  ${problems.join("\n  ")}`,
            );
        });
    }

    it("accepts token lifetimes as plain env (a *_EXPIRES_IN is not a credential)", () => {
        assert.deepStrictEqual(
            parse((c) => (c.app.env = { JWT_EXPIRES_IN: "7d", REFRESH_TOKEN_EXPIRES_IN: "30d" })),
            [],
        );
    });

    it("accepts every kind with its own fields", () => {
        assert.deepStrictEqual(
            parse((c) => {
                c.workloads.api = { kind: "web", pathPrefix: "/api", port: 3101 };
                c.workloads.ingest = {
                    kind: "tcp",
                    image: "r.example.com/rtmp:1.2",
                    port: 1935,
                    loadBalancer: { scheme: "internal" },
                };
                c.workloads.jobs = { kind: "worker", envNames: { port: false } };
                c.workloads.nightly = {
                    kind: "cron",
                    schedule: "30 2 * * *",
                    timeZone: "Europe/Berlin",
                };
            }),
            [],
        );
    });

    it("refuses a migration workload that does not exist, in the stack's own plan", async () => {
        const problems = await configProblems(
            "prod",
            (c) => (c.database.migration.workload = "web"),
        );
        assert.ok(
            problems.includes(
                'release:database.migration.workload must name a key of release:workloads (api) (got "web")',
            ),
            problems.join("\n"),
        );
    });
});

describe("a release with web, tcp, worker and cron workloads", () => {
    let plan: Plan;
    before(async () => (plan = await planStack("prod", ALL_KINDS)));

    const ofColor = (type: string, color: string) =>
        byType(plan, type).filter((r) => inputs(r).metadata.labels?.color === color);
    const component = (r: any) => inputs(r).metadata.labels["app.kubernetes.io/component"];

    for (const color of ["blue", "green"]) {
        it(`gives ${color} a Deployment, HPA and PDB per scalable workload`, () => {
            for (const type of [T.deployment, T.hpa, T.pdb]) {
                assert.deepStrictEqual(
                    ofColor(type, color).map(component).sort(),
                    ["admin", "api", "rtmp", "worker"],
                    `${color} ${type}`,
                );
            }
        });

        it(`gives ${color} one Service per web and tcp workload, and exactly one CronJob`, () => {
            assert.deepStrictEqual(ofColor(T.service, color).map(component).sort(), [
                "admin",
                "api",
                "rtmp",
            ]);
            assert.strictEqual(ofColor(T.cron, color).length, 1);
        });
    }

    it("runs every workload of a colour at that colour's version", () => {
        for (const d of byType(plan, T.deployment).filter(
            (r) => inputs(r).metadata.labels?.color,
        )) {
            const labels = inputs(d).metadata.labels;
            const image: string = inputs(d).spec.template.spec.containers[0].image;
            const expected = labels.color === "blue" ? "v1.2.3" : "v1.2.4";
            assert.strictEqual(labels.version, expected);
            if (component(d) !== "rtmp") assert.ok(image.endsWith(`:${expected}`), image);
        }
    });

    it("routes each web workload on its own path, one Gateway for both", () => {
        const routes = byType(plan, T.route).map((r) => inputs(r));
        assert.deepStrictEqual(
            routes.map((r) => [r.metadata.name, r.spec.rules.at(-1).matches[0].path.value]).sort(),
            [
                ["nova-api", "/"],
                ["nova-api-admin", "/admin"],
            ],
        );
        assert.strictEqual(byType(plan, T.gateway).length, 1);
    });

    it("sends the RTMP NLB to the stable colour, and scales the worker with the canary's weight", () => {
        const lb = byType(plan, T.service).find((s) => inputs(s).spec.type === "LoadBalancer")!;
        assert.strictEqual(inputs(lb).metadata.name, "nova-api-rtmp");
        assert.strictEqual(inputs(lb).spec.selector.color, "blue");
        assert.deepStrictEqual(inputs(lb).spec.ports[0].port, 1935);
        const replicas = (key: string, color: string) =>
            inputs(ofColor(T.deployment, color).find((d) => component(d) === key)!).spec.replicas;
        // rtmp: stable blue carries all of it, green idles at 3; worker: baseline 4 at 25 % → floor 3.
        assert.strictEqual(replicas("rtmp", "green"), 3);
        assert.strictEqual(replicas("worker", "green"), 3);
        assert.strictEqual(replicas("worker", "blue"), 3);
    });

    it("says in the plan summary that L4 follows the stable colour, and which CronJob runs", () => {
        const text = renderSummary(plan, "Pulumi.prod.yaml");
        assert.match(text, /L4 is not weighted: each follows the stable colour/);
        assert.match(text, /Service nova-api-rtmp :1935 → blue/);
        assert.match(text, /green\s+cron\s+nova-api-cleanup-green "0 3 \* \* \*" suspended/);
        assert.match(
            text,
            /green\s+25 %\s+worker\s+registry\.example\.com\/nova\/user-service:v1\.2\.4/,
        );
    });

    it("suspends the canary's CronJob and runs the stable one", () => {
        const suspended = (color: string) => inputs(ofColor(T.cron, color)[0]).spec.suspend;
        assert.strictEqual(suspended("blue"), false);
        assert.strictEqual(suspended("green"), true);
    });

    it("reports each workload per colour in the outputs", () => {
        const blue = (plan.outputs.colorsDeployed as any).blue;
        assert.deepStrictEqual(Object.keys(blue.workloads).sort(), [
            "admin",
            "api",
            "cleanup",
            "rtmp",
            "worker",
        ]);
        assert.strictEqual(blue.workloads.cleanup.suspended, false);
        assert.strictEqual(
            blue.workloads.rtmp.image,
            "registry.example.com/nova/nginx-rtmp:1.25.3",
        );
        assert.deepStrictEqual((plan.outputs.tcpEndpoints as any).rtmp, {
            service: "nova-api-rtmp",
            port: 1935,
            color: "blue",
        });
    });
});
