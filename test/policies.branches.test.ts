// Every branch of the traffic and database stack policies: the boundaries that must pass, and a
// failing case for each way a rule can be broken, each asserting the exact findings.
import { strict as assert } from "assert";
import type { StackValidationPolicy } from "@pulumi/policy";
import * as db from "../policies/database";
import * as rel from "../policies/release";
import { TYPES } from "../policies/util";
import type { PlannedResource } from "../scripts/lib/plan";
import {
    albIngress,
    colours,
    edit,
    gateway,
    HOST,
    httpRoute,
    httpsListener,
    ingress,
    nginxCanary,
    nginxTls,
    NS,
    previewRule,
    weightedRule,
} from "./policyGraphs";
import { checkResource, checkStack, planned, type Props } from "./policyArgs";

async function messages(
    policy: StackValidationPolicy,
    graph: PlannedResource[],
    config: Props = {},
): Promise<string[]> {
    const f = await checkStack(policy, graph, { [policy.name]: config });
    assert.deepEqual(f.notApplicable, [], "the policy must apply to this graph");
    return f.messages;
}

async function notApplicable(policy: StackValidationPolicy, graph: PlannedResource[]) {
    const f = await checkStack(policy, graph);
    assert.deepEqual(f.messages, []);
    return f.notApplicable;
}

const gatewayGraph = (weights: Record<string, unknown>, rules: Props[] = []) => [
    ...colours(),
    gateway([httpsListener()]),
    httpRoute([...rules, weightedRule(weights)]),
];

const nginxGraph = (weight: string, extra: Record<string, string> = {}) => [
    ...colours(),
    ingress("primary", {}, nginxTls),
    nginxCanary(weight, extra),
];

describe("policy branches: traffic-weights-consistent", () => {
    const p = rel.weightsConsistent;

    it("is not applicable without a routing object", async () => {
        assert.deepEqual(await notApplicable(p, colours()), ["no routing object in the stack"]);
    });

    it("accepts 100/0 and 0/100 on every router kind (promotion and rollback)", async () => {
        for (const [a, b] of [
            [100, 0],
            [0, 100],
        ]) {
            assert.deepEqual(await messages(p, gatewayGraph({ blue: a, green: b })), []);
            assert.deepEqual(
                await messages(p, [...colours(), albIngress({ blue: a, green: b })]),
                [],
            );
            assert.deepEqual(await messages(p, nginxGraph(String(b))), []);
        }
    });

    it("accepts a single backend without a weight as 100 %", async () => {
        const rule = { backendRefs: [{ name: "app-blue", port: 80 }] };
        assert.deepEqual(await messages(p, [...colours(), httpRoute([rule])]), []);
    });

    it("reports weights outside 0–100 or not numbers, and nothing else for that rule", async () => {
        const cases: [Record<string, unknown>, string][] = [
            [{ blue: 101, green: -1 }, "101, -1"],
            [{ blue: "50", green: 50 }, "50"],
            [{ blue: 99.5, green: 0.5 }, "99.5, 0.5"],
        ];
        for (const [weights, got] of cases) {
            assert.deepEqual(await messages(p, gatewayGraph(weights)), [
                `HTTPRoute app rule 0 backend weights must be whole numbers 0–100 (got ${got})`,
            ]);
        }
        assert.deepEqual(await messages(p, [...colours(), albIngress({ blue: 100, green: 7.5 })]), [
            "Ingress app action weighted backend weights must be whole numbers 0–100 (got 7.5)",
        ]);
    });

    it("reports weights that do not add up to 100 on HTTPRoute and ALB", async () => {
        assert.deepEqual(await messages(p, gatewayGraph({ blue: 60, green: 60 })), [
            "HTTPRoute app rule 0 backend weights must add up to 100 (got 60 + 60 = 120)",
        ]);
        assert.deepEqual(await messages(p, [...colours(), albIngress({ blue: 0, green: 0 })]), [
            "Ingress app action weighted backend weights must add up to 100 (got 0 + 0 = 0)",
        ]);
    });

    it("counts each rule and each route on its own; preview rules carry no weight", async () => {
        const graph = [
            ...colours(),
            gateway([httpsListener()]),
            httpRoute([previewRule("green"), weightedRule({ blue: 50, green: 50 })]),
            httpRoute([weightedRule({ blue: 100, green: 0 }), weightedRule({ green: 100 })], {
                name: "admin",
            }),
        ];
        assert.deepEqual(await messages(p, graph), []);
    });

    it("names a routing object by kind and resource name when its manifest does not", async () => {
        const route = httpRoute([weightedRule({ blue: 1, green: 1 })]);
        delete route.inputs.kind;
        delete (route.inputs.metadata as Props).name;
        assert.deepEqual(await messages(p, [...colours(), route]), [
            "HTTPRoute route-app rule 0 backend weights must add up to 100 (got 1 + 1 = 2)",
        ]);
    });

    it("accepts nginx canary weights 0 and 100 with a total of 100", async () => {
        for (const w of ["0", "100"]) {
            const g = nginxGraph(w, { "nginx.ingress.kubernetes.io/canary-weight-total": "100" });
            assert.deepEqual(await messages(p, g), []);
        }
    });

    it("reports nginx canary weights that are not a plain whole percentage", async () => {
        for (const w of ["101", "-1", "12.5", "030", "abc", ""]) {
            assert.deepEqual(await messages(p, nginxGraph(w)), [
                `Ingress canary nginx.ingress.kubernetes.io/canary-weight must be a whole number 0–100 (got ${JSON.stringify(w)})`,
            ]);
        }
        assert.deepEqual(await messages(p, nginxGraph(" 30 ")), []);
    });

    it("reports an nginx canary without a weight", async () => {
        const graph = edit(nginxGraph("10"), "ing-canary", (i) => {
            delete i.metadata.annotations["nginx.ingress.kubernetes.io/canary-weight"];
        });
        assert.deepEqual(await messages(p, graph), [
            "Ingress canary nginx.ingress.kubernetes.io/canary-weight must be a whole number 0–100 (got undefined)",
        ]);
    });

    it("reports an nginx canary weight total other than 100", async () => {
        const graph = nginxGraph("10", {
            "nginx.ingress.kubernetes.io/canary-weight-total": "1000",
        });
        assert.deepEqual(await messages(p, graph), [
            "Ingress canary nginx.ingress.kubernetes.io/canary-weight-total must be 100 so weights are percentages (got 1000)",
        ]);
    });

    it("ignores canary annotations on an Ingress that is not a canary", async () => {
        const graph = [
            ...colours(),
            ingress("primary", { "nginx.ingress.kubernetes.io/canary-weight": "500" }, nginxTls),
        ];
        assert.deepEqual(await messages(p, graph), []);
    });

    it("reports an nginx canary without a primary Ingress for its host", async () => {
        const graph = [...colours(), nginxCanary("10")];
        assert.deepEqual(await messages(p, graph), [
            `Ingress canary must have a primary (non-canary) Ingress for host ${HOST}`,
        ]);
        const elsewhere = [
            ...colours(),
            edit([ingress("primary", {}, nginxTls)], "ing-primary", (i) => {
                i.spec.rules[0].host = "other.example.com";
            })[0],
            nginxCanary("10"),
        ];
        assert.deepEqual(await messages(p, elsewhere), [
            `Ingress canary must have a primary (non-canary) Ingress for host ${HOST}`,
        ]);
    });
});

describe("policy branches: traffic-to-ready-colours", () => {
    const p = rel.trafficToReadyColours;

    it("is not applicable when no route sends traffic", async () => {
        assert.deepEqual(await notApplicable(p, colours()), ["no routing object sends traffic"]);
    });

    it("ignores a backend at weight 0, even one that does not exist", async () => {
        const graph = [
            ...colours().filter((r) => !r.name.endsWith("green")),
            httpRoute([weightedRule({ blue: 100, green: 0 })]),
        ];
        assert.deepEqual(await messages(p, graph), []);
    });

    it("reports a Service that selects no Deployment's pods", async () => {
        const graph = [
            ...colours().filter((r) => r.name !== "dep-green"),
            httpRoute([weightedRule({ blue: 90, green: 10 })]),
        ];
        assert.deepEqual(await messages(p, graph), [
            "HTTPRoute app sends 10 % to Service app-green, which must select the pods of a Deployment",
        ]);
    });

    it("counts an unset replicas as 1 and adds replicas across the Deployments selected", async () => {
        const unset = [
            ...colours().filter((r) => r.name !== "dep-green"),
            planned(TYPES.deployment, "dep-green", {
                ...deploymentInputs("green"),
            }),
            httpRoute([weightedRule({ blue: 90, green: 10 })]),
        ];
        assert.deepEqual(await messages(p, unset), []);
        // A Service selecting two Deployments: one at 0 replicas is fine while the other has pods.
        const shared = [
            ...colours("v1", 0),
            planned(TYPES.deployment, "dep-green-2", deploymentInputs("green", 1)),
            httpRoute([weightedRule({ blue: 0, green: 100 })]),
        ];
        assert.deepEqual(await messages(p, shared), []);
    });

    it("reports every live backend whose Deployments have no replicas, on each router kind", async () => {
        const zero = () => colours("v1", 0);
        assert.deepEqual(await messages(p, [...zero(), httpRoute([weightedRule({ blue: 100 })])]), [
            "HTTPRoute app sends 100 % to Service app-blue, whose Deployment must have replicas > 0 (got 0)",
        ]);
        assert.deepEqual(await messages(p, [...zero(), albIngress({ blue: 60, green: 40 })]), [
            "Ingress app sends 60 % to Service app-blue, whose Deployment must have replicas > 0 (got 0)",
            "Ingress app sends 40 % to Service app-green, whose Deployment must have replicas > 0 (got 0)",
        ]);
    });
});

function deploymentInputs(color: string, replicas?: number): Props {
    const labels = { "app.kubernetes.io/name": "app", color };
    return {
        kind: "Deployment",
        metadata: { name: `app-${color}-x`, namespace: NS },
        spec: {
            ...(replicas === undefined ? {} : { replicas }),
            selector: { matchLabels: labels },
            template: { metadata: { labels: { ...labels, version: "v1" } }, spec: {} },
        },
    };
}

describe("policy branches: traffic-public-route-tls", () => {
    const p = rel.publicRouteTls;
    const routeOn = (listeners: Props[], parentRefs?: Props[]) => [
        ...colours(),
        gateway(listeners),
        httpRoute([weightedRule({ blue: 100, green: 0 })], { parentRefs }),
    ];

    it("is not applicable without a routing object", async () => {
        assert.deepEqual(await notApplicable(p, colours()), ["no routing object in the stack"]);
    });

    it("Gateway: accepts an HTTPS listener with a certificate and a TLS passthrough listener", async () => {
        assert.deepEqual(await messages(p, routeOn([httpsListener()])), []);
        const passthrough = {
            name: "https",
            protocol: "TLS",
            port: 443,
            tls: { mode: "Passthrough" },
        };
        assert.deepEqual(await messages(p, routeOn([passthrough])), []);
    });

    it("Gateway: reports an HTTPS listener without certificateRefs", async () => {
        for (const tls of [undefined, { mode: "Terminate" }, { certificateRefs: [] }]) {
            const listener = { ...httpsListener(), tls };
            assert.deepEqual(await messages(p, routeOn([listener])), [
                "HTTPRoute app attaches to Gateway gw listener https, which must be HTTPS with a TLS certificate (got HTTPS)",
            ]);
        }
    });

    it("Gateway: a certificate does not make an HTTP listener safe", async () => {
        const listener = { ...httpsListener(), protocol: "HTTP" };
        assert.deepEqual(await messages(p, routeOn([listener])), [
            "HTTPRoute app attaches to Gateway gw listener https, which must be HTTPS with a TLS certificate (got HTTP)",
        ]);
    });

    it("Gateway: checks only the listener the route names, or every listener when it names none", async () => {
        const plain = { name: "http", protocol: "HTTP", port: 80 };
        assert.deepEqual(await messages(p, routeOn([plain, httpsListener()])), []);
        const all = [{ kind: "Gateway", name: "gw", namespace: NS }];
        assert.deepEqual(await messages(p, routeOn([plain, httpsListener()], all)), [
            "HTTPRoute app attaches to Gateway gw listener http, which must be HTTPS with a TLS certificate (got HTTP)",
        ]);
    });

    it("Gateway: finds the Gateway by name and namespace, defaulting to Gateway in the route's namespace", async () => {
        const plain = { name: "https", protocol: "HTTP", port: 80 };
        const report = [
            "HTTPRoute app attaches to Gateway gw listener https, which must be HTTPS with a TLS certificate (got HTTP)",
        ];
        // No kind, no namespace: a Gateway in the route's own namespace.
        assert.deepEqual(await messages(p, routeOn([plain], [{ name: "gw" }])), report);
        // A Gateway with the same name in another namespace is not this route's.
        const other = [{ name: "gw", namespace: "shared" }];
        assert.deepEqual(await messages(p, routeOn([plain], other)), []);
        // A parent that is not a Gateway (a Service, for mesh routing) has no listeners to check.
        const mesh = [{ kind: "Service", name: "gw", namespace: NS }];
        assert.deepEqual(await messages(p, routeOn([plain], mesh)), []);
        // Another Gateway's name.
        assert.deepEqual(await messages(p, routeOn([plain], [{ name: "gw2" }])), []);
    });

    it("ALB: accepts HTTPS with a certificate, and HTTP that redirects to it", async () => {
        assert.deepEqual(await messages(p, [...colours(), albIngress({ blue: 100 })]), []);
        const redirect = albIngress(
            { blue: 100 },
            {
                "alb.ingress.kubernetes.io/listen-ports": JSON.stringify([
                    { HTTP: 80 },
                    { HTTPS: 443 },
                ]),
                "alb.ingress.kubernetes.io/ssl-redirect": "443",
            },
        );
        assert.deepEqual(await messages(p, [...colours(), redirect]), []);
    });

    it("ALB: reports a missing HTTPS listener or certificate", async () => {
        const cases: Record<string, string | undefined>[] = [
            { "alb.ingress.kubernetes.io/listen-ports": JSON.stringify([{ HTTP: 80 }]) },
            { "alb.ingress.kubernetes.io/listen-ports": undefined },
            { "alb.ingress.kubernetes.io/listen-ports": "[{HTTPS: 443}" },
            { "alb.ingress.kubernetes.io/certificate-arn": undefined },
            { "alb.ingress.kubernetes.io/certificate-arn": "" },
        ];
        for (const ann of cases) {
            assert.deepEqual(
                await messages(p, [...colours(), albIngress({ blue: 100 }, ann)]),
                [
                    "Ingress app must listen on HTTPS with alb.ingress.kubernetes.io/certificate-arn set",
                ],
                JSON.stringify(ann),
            );
        }
    });

    it("ALB: reports an HTTP listener that does not redirect to HTTPS", async () => {
        const ann = {
            "alb.ingress.kubernetes.io/listen-ports": JSON.stringify([
                { HTTP: 80 },
                { HTTPS: 443 },
            ]),
        };
        assert.deepEqual(await messages(p, [...colours(), albIngress({ blue: 100 }, ann)]), [
            "Ingress app must redirect its HTTP listener to HTTPS (alb.ingress.kubernetes.io/ssl-redirect)",
        ]);
    });

    it("ALB: is recognised by its annotations when ingressClassName is not alb", async () => {
        const noCert = albIngress(
            { blue: 100 },
            { "alb.ingress.kubernetes.io/certificate-arn": undefined },
        );
        delete noCert.inputs.spec;
        (noCert.inputs as Props).spec = { rules: [{ host: HOST }] };
        assert.deepEqual(await messages(p, [...colours(), noCert]), [
            "Ingress app must listen on HTTPS with alb.ingress.kubernetes.io/certificate-arn set",
        ]);
        // ingressClassName alone marks an ALB Ingress, annotations or not.
        const bare = ingress("bare", {}, { ingressClassName: "alb", ...nginxTls });
        assert.deepEqual(await messages(p, [...colours(), bare]), [
            "Ingress bare must listen on HTTPS with alb.ingress.kubernetes.io/certificate-arn set",
        ]);
    });

    it("nginx: accepts hosts covered by a TLS entry with a secret", async () => {
        assert.deepEqual(await messages(p, nginxGraph("10")), []);
    });

    it("nginx: reports a host without a TLS secret", async () => {
        const cases: Props[] = [
            {},
            { tls: [] },
            { tls: [{ hosts: [HOST] }] },
            { tls: [{ hosts: ["other.example.com"], secretName: "cert" }] },
            { tls: [{ secretName: "cert" }] },
        ];
        for (const spec of cases) {
            const graph = [...colours(), ingress("primary", {}, spec)];
            assert.deepEqual(
                await messages(p, graph),
                [
                    `Ingress primary host ${HOST} must be covered by a spec.tls entry with a secretName`,
                ],
                JSON.stringify(spec),
            );
        }
    });

    it("nginx: reports a rule without a host", async () => {
        const graph = edit([...colours(), ingress("primary", {}, nginxTls)], "ing-primary", (i) => {
            delete i.spec.rules[0].host;
        });
        assert.deepEqual(await messages(p, graph), [
            "Ingress primary host (any) must be covered by a spec.tls entry with a secretName",
        ]);
    });
});

// ---- database ----

const rds = (props: Props = {}) =>
    planned(TYPES.rdsInstance, "db", {
        identifier: "db",
        engine: "postgres",
        engineVersion: "15.4",
        parameterGroupName: "db-pg",
        ...props,
    });
const parameterGroup = (name: string, parameters: Props[], resourceName = name) =>
    planned(TYPES.rdsParameterGroup, resourceName, { name, family: "postgres15", parameters });
const FORCE_SSL = { name: "rds.force_ssl", value: "1" };

describe("policy branches: rds-force-ssl", () => {
    const p = db.rdsForceSsl;

    it("is not applicable without a PostgreSQL instance", async () => {
        const mysql = rds({ engine: "mysql" });
        const unset = rds({ engine: undefined });
        for (const g of [[mysql], [unset], colours()]) {
            assert.deepEqual(await notApplicable(p, g), [
                "no RDS PostgreSQL instance in the stack",
            ]);
        }
    });

    it("accepts force_ssl 1 given as a string or a number, among other parameters", async () => {
        for (const value of ["1", 1]) {
            const pg = parameterGroup("db-pg", [
                { name: "log_min_duration_statement", value: "500" },
                { ...FORCE_SSL, value },
            ]);
            assert.deepEqual(await messages(p, [pg, rds()]), []);
        }
    });

    it("reads rds.force_ssl, not any parameter set to 1", async () => {
        const pg = parameterGroup("db-pg", [
            { name: "log_connections", value: "1" },
            { name: "rds.force_ssl", value: "0" },
        ]);
        assert.deepEqual(await messages(p, [pg, rds()]), [
            "RDS parameter group db-pg must set rds.force_ssl = 1 (got 0)",
        ]);
        const missing = parameterGroup("db-pg", [{ name: "log_connections", value: "1" }]);
        assert.deepEqual(await messages(p, [missing, rds()]), [
            "RDS parameter group db-pg must set rds.force_ssl = 1 (got unset)",
        ]);
        const none = planned(TYPES.rdsParameterGroup, "db-pg", { name: "db-pg" });
        assert.deepEqual(await messages(p, [none, rds()]), [
            "RDS parameter group db-pg must set rds.force_ssl = 1 (got unset)",
        ]);
    });

    it("checks the instance's own parameter group, not the first one in the stack", async () => {
        const good = parameterGroup("other-pg", [FORCE_SSL]);
        const bad = parameterGroup("db-pg", [{ ...FORCE_SSL, value: "0" }]);
        assert.deepEqual(await messages(p, [good, bad, rds()]), [
            "RDS parameter group db-pg must set rds.force_ssl = 1 (got 0)",
        ]);
        const off = parameterGroup("other-pg", [{ ...FORCE_SSL, value: "0" }]);
        const on = parameterGroup("db-pg", [FORCE_SSL]);
        assert.deepEqual(await messages(p, [off, on, rds()]), []);
    });

    it("finds the parameter group by its output id, its name or its resource name", async () => {
        // The instance takes the group's id output: the planned graph links them by dependency.
        const byOutput = [
            parameterGroup("pg-physical-name", [{ ...FORCE_SSL, value: "0" }], "db-pg"),
            parameterGroup("db-pg-id", [FORCE_SSL], "decoy"),
            rds({ parameterGroupName: "db-pg-id" }),
        ];
        assert.deepEqual(await messages(p, byOutput), [
            "RDS parameter group pg-physical-name must set rds.force_ssl = 1 (got 0)",
        ]);
        const byId = [
            planned(TYPES.rdsParameterGroup, "x", {
                id: "pg-123",
                parameters: [{ ...FORCE_SSL, value: "0" }],
            }),
            rds({ parameterGroupName: "pg-123" }),
        ];
        assert.deepEqual(await messages(p, byId), [
            "RDS parameter group x must set rds.force_ssl = 1 (got 0)",
        ]);
        const byResourceName = [
            planned(TYPES.rdsParameterGroup, "pg-res", { parameters: [FORCE_SSL] }),
            rds({ parameterGroupName: "pg-res" }),
        ];
        assert.deepEqual(await messages(p, byResourceName), []);
    });

    it("reports an instance on a parameter group outside the stack or the engine default", async () => {
        assert.deepEqual(
            await messages(p, [
                parameterGroup("db-pg", [FORCE_SSL]),
                rds({ parameterGroupName: "elsewhere" }),
            ]),
            [
                "RDS instance db must use a parameter group from this stack that sets rds.force_ssl = 1 (got elsewhere)",
            ],
        );
        // With no group named, a group that has no name must not be taken for it.
        const nameless = planned(TYPES.rdsParameterGroup, "pg", { parameters: [FORCE_SSL] });
        assert.deepEqual(await messages(p, [nameless, rds({ parameterGroupName: undefined })]), [
            "RDS instance db must use a parameter group from this stack that sets rds.force_ssl = 1 (got the engine default)",
        ]);
        // Another resource type named like the group is not a parameter group.
        const impostor = planned(TYPES.rdsSnapshot, "db-pg", { name: "db-pg" });
        assert.deepEqual(await messages(p, [impostor, rds()]), [
            "RDS instance db must use a parameter group from this stack that sets rds.force_ssl = 1 (got db-pg)",
        ]);
    });

    it("checks every PostgreSQL instance", async () => {
        const graph = [
            parameterGroup("db-pg", [FORCE_SSL]),
            rds(),
            planned(TYPES.rdsInstance, "db2", {
                identifier: "db2",
                engine: "aurora-postgresql",
                parameterGroupName: "db2-pg",
            }),
            planned(TYPES.rdsInstance, "db3", { engine: "postgres" }),
        ];
        assert.deepEqual(await messages(p, graph), [
            "RDS instance db2 must use a parameter group from this stack that sets rds.force_ssl = 1 (got db2-pg)",
            "RDS instance db3 must use a parameter group from this stack that sets rds.force_ssl = 1 (got the engine default)",
        ]);
    });
});

describe("policy branches: rds-release-snapshot", () => {
    const p = db.releaseSnapshot;
    const SNAP = `${TYPES.rdsSnapshot}::snap`;
    const snapshot = (props: Props = { dbInstanceIdentifier: "db" }) =>
        planned(TYPES.rdsSnapshot, "snap", { dbSnapshotIdentifier: "db-pre-v2", ...props });
    /** Blue at v1, green at v2, the database, and a route depending on `deps`. */
    const release = (extra: PlannedResource[], deps: string[]) => [
        ...colours("v2"),
        rds(),
        ...extra,
        httpRoute([weightedRule({ blue: 90, green: 10 })], { dependsOn: deps }),
    ];
    const report =
        "HTTPRoute app must depend on an aws.rds.Snapshot of db taken for this release (versions v1, v2 are deployed)";

    it("is not applicable without a database or with one version deployed", async () => {
        assert.deepEqual(await notApplicable(p, [...colours("v2"), httpRoute([])]), [
            "no RDS instance in the stack",
        ]);
        const oneVersion = [
            ...colours("v1"),
            rds(),
            httpRoute([weightedRule({ blue: 90, green: 10 })]),
        ];
        assert.deepEqual(await notApplicable(p, oneVersion), ["only one app version is deployed"]);
        // v2 gets no traffic yet, and a colour with no route is not deployed to users.
        const unrouted = [...colours("v2"), rds(), httpRoute([weightedRule({ blue: 100 })])];
        assert.deepEqual(await notApplicable(p, unrouted), ["only one app version is deployed"]);
    });

    it("accepts a route that depends on a snapshot of the database, directly or not", async () => {
        assert.deepEqual(await messages(p, release([snapshot()], [SNAP])), []);
        const job = planned("kubernetes:batch/v1:Job", "migrate", {}, { dependsOn: [SNAP] });
        const viaJob = release([snapshot(), job], ["kubernetes:batch/v1:Job::migrate"]);
        assert.deepEqual(await messages(p, viaJob), []);
        // The snapshot names the instance by its id output: linked by dependency, not by value.
        const byOutput = release([snapshot({ dbInstanceIdentifier: "db-id" })], [SNAP]);
        assert.deepEqual(await messages(p, byOutput), []);
    });

    it("does not count a dependency that is not a snapshot of this stack's database", async () => {
        const cases: [string, PlannedResource[], string[]][] = [
            ["no dependency", [snapshot()], []],
            ["the database itself", [], [`${TYPES.rdsInstance}::db`]],
            [
                "another resource naming the database",
                [
                    planned("aws:rds/eventSubscription:EventSubscription", "events", {
                        dbInstanceIdentifier: "db",
                    }),
                ],
                ["aws:rds/eventSubscription:EventSubscription::events"],
            ],
            [
                "a snapshot of another database",
                [snapshot({ dbInstanceIdentifier: "other" })],
                [SNAP],
            ],
            [
                "a snapshot naming no database",
                [snapshot({ dbInstanceIdentifier: undefined })],
                [SNAP],
            ],
        ];
        for (const [name, extra, deps] of cases) {
            assert.deepEqual(await messages(p, release(extra, deps)), [report], name);
        }
    });

    it("reports every route and lists every database identifier", async () => {
        const db2 = planned(TYPES.rdsInstance, "db2", { identifier: "db2", engine: "postgres" });
        const graph = [...release([db2], []), ingress("primary", {}, nginxTls)];
        assert.deepEqual(await messages(p, graph), [
            "HTTPRoute app must depend on an aws.rds.Snapshot of db or db2 taken for this release (versions v1, v2 are deployed)",
            "Ingress primary must depend on an aws.rds.Snapshot of db or db2 taken for this release (versions v1, v2 are deployed)",
        ]);
    });

    it("reads the version from the configured pod label", async () => {
        const graph = release([], []);
        for (const d of graph.filter((r) => r.type === TYPES.deployment)) {
            const labels = (d.inputs as Props).spec.template.metadata.labels;
            labels["app.example.com/release"] = labels.version;
            delete labels.version;
        }
        assert.deepEqual(await notApplicable(p, graph), ["only one app version is deployed"]);
        assert.deepEqual(await messages(p, graph, { versionLabel: "app.example.com/release" }), [
            report,
        ]);
    });
});

describe("policy branches: rds-engine-version", () => {
    // Resource policy: exercised through the pack's own wrapper so the schema default applies.
    it("accepts the minimum major exactly and rejects the one below", async () => {
        const at = (v: string | undefined, config?: Props) =>
            checkResource(
                db.rdsEngineVersion,
                TYPES.rdsInstance,
                { identifier: "db", engine: "postgres", engineVersion: v },
                config ? { config: { "rds-engine-version": config } } : {},
            );
        assert.deepEqual((await at("15.4")).messages, []);
        assert.deepEqual((await at("15")).messages, []);
        assert.deepEqual((await at("16.1")).messages, []);
        assert.deepEqual((await at("14.99")).messages, [
            "RDS instance db engineVersion must be PostgreSQL 15 or later (got 14.99)",
        ]);
        assert.deepEqual((await at("15.4", { minMajor: 16 })).messages, [
            "RDS instance db engineVersion must be PostgreSQL 16 or later (got 15.4)",
        ]);
        assert.deepEqual((await at("latest")).messages, [
            "RDS instance db engineVersion must be PostgreSQL 15 or later (got latest)",
        ]);
    });

    it("is not applicable to other engines", async () => {
        const mysql = await checkResource(db.rdsEngineVersion, TYPES.rdsInstance, {
            engine: "mysql",
            engineVersion: "8.0",
        });
        assert.deepEqual(mysql, {
            messages: [],
            notApplicable: ["engine mysql is not PostgreSQL"],
        });
        const unset = await checkResource(db.rdsEngineVersion, TYPES.rdsInstance, {});
        assert.deepEqual(unset, {
            messages: [],
            notApplicable: ["engine (unset) is not PostgreSQL"],
        });
    });
});
