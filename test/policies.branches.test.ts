// Every branch of the traffic and database stack policies: the boundaries that must pass, and a
// failing case for each way a rule can be broken, each asserting the exact findings.
import { strict as assert } from "assert";
import { ALERT_CATALOGUE } from "../decisions/alertRules";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as backup from "../policies/backup";
import * as cache from "../policies/cache";
import * as db from "../policies/database";
import * as k8s from "../policies/kubernetes";
import * as mon from "../policies/monitoring";
import * as net from "../policies/network";
import { DEFAULT_ENFORCEMENT, PACK_NAME, policies } from "../policies/policies";
import * as rel from "../policies/release";
import * as sec from "../policies/secrets";
import {
    isSecretEnvName,
    NOT_SECRET_ENV_PATTERN,
    SECRET_ENV_PATTERN,
} from "../policies/secretNames";
import { SECRET_MARKER, TYPES } from "../policies/util";
import { enforcementLevelOf } from "../scripts/lib/packConfig";
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
import { build, checkResource, checkStack, planned, type Built, type Props } from "./policyArgs";

async function messages(
    built: Built<StackValidationPolicy>,
    graph: PlannedResource[],
    config: Props = {},
): Promise<string[]> {
    const policy = build(built);
    const f = await checkStack(policy, graph, { [policy.name]: config });
    assert.deepEqual(f.notApplicable, [], "the policy must apply to this graph");
    return f.messages;
}

async function notApplicable(policy: Built<StackValidationPolicy>, graph: PlannedResource[]) {
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

describe("policy branches: traffic-to-ready-colors", () => {
    const p = rel.trafficToReadyColors;

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

// ---- cache and credentials ----

const redis = (props: Props = {}): Props => ({
    replicationGroupId: "cache",
    engine: "redis",
    engineVersion: "7.1",
    transitEncryptionEnabled: true,
    atRestEncryptionEnabled: true,
    authToken: SECRET_MARKER,
    automaticFailoverEnabled: true,
    multiAzEnabled: true,
    numCacheClusters: 2,
    snapshotRetentionLimit: 1,
    ...props,
});

async function resourceMessages(
    built: Built<ResourceValidationPolicy>,
    type: string,
    props: Props,
    config?: Props,
): Promise<string[]> {
    const policy = build(built);
    const f = await checkResource(
        policy,
        type,
        props,
        config ? { config: { [policy.name]: config } } : {},
    );
    assert.deepEqual(f.notApplicable, [], "the policy must apply to this resource");
    return f.messages;
}

describe("policy branches: cache policies", () => {
    const RG = TYPES.replicationGroup;

    it("names the group by its resource name when it has no replicationGroupId", async () => {
        const props = redis({ replicationGroupId: undefined, authToken: "" });
        assert.deepEqual(await resourceMessages(cache.cacheAuthToken, RG, props), [
            "ElastiCache replication group subject authToken must be set",
        ]);
    });

    it("reports each unencrypted leg on its own", async () => {
        const both = redis({
            transitEncryptionEnabled: "true",
            atRestEncryptionEnabled: undefined,
        });
        assert.deepEqual(await resourceMessages(cache.cacheEncrypted, RG, both), [
            "ElastiCache replication group cache transitEncryptionEnabled must be true",
            "ElastiCache replication group cache atRestEncryptionEnabled must be true",
        ]);
    });

    it("counts nodes from numCacheClusters, else replicasPerNodeGroup + 1, else 1", async () => {
        const ha = (props: Props) =>
            resourceMessages(
                cache.cacheHighAvailability,
                RG,
                redis({ numCacheClusters: undefined, ...props }),
            );
        assert.deepEqual(await ha({ numCacheClusters: 2 }), []);
        assert.deepEqual(await ha({ replicasPerNodeGroup: 1 }), []);
        assert.deepEqual(await ha({ replicasPerNodeGroup: 0 }), [
            "ElastiCache replication group cache must have at least one replica (got 1 node)",
        ]);
        assert.deepEqual(await ha({}), [
            "ElastiCache replication group cache must have at least one replica (got 1 node)",
        ]);
        assert.deepEqual(await ha({ numCacheClusters: 1, replicasPerNodeGroup: 2 }), [
            "ElastiCache replication group cache must have at least one replica (got 1 node)",
        ]);
    });

    it("reports failover and Multi-AZ that are not exactly true", async () => {
        const props = redis({ automaticFailoverEnabled: undefined, multiAzEnabled: "yes" });
        assert.deepEqual(await resourceMessages(cache.cacheHighAvailability, RG, props), [
            "ElastiCache replication group cache automaticFailoverEnabled must be true",
            "ElastiCache replication group cache multiAzEnabled must be true",
        ]);
    });

    it("keeps snapshots for at least the configured days, the minimum itself included", async () => {
        const p = cache.cacheSnapshotRetention;
        assert.deepEqual(await resourceMessages(p, RG, redis({ snapshotRetentionLimit: 1 })), []);
        assert.deepEqual(
            await resourceMessages(p, RG, redis({ snapshotRetentionLimit: undefined })),
            [
                "ElastiCache replication group cache snapshotRetentionLimit must be at least 1 (got 0)",
            ],
        );
        const week = { minDays: 7 };
        assert.deepEqual(
            await resourceMessages(p, RG, redis({ snapshotRetentionLimit: 7 }), week),
            [],
        );
        assert.deepEqual(
            await resourceMessages(p, RG, redis({ snapshotRetentionLimit: 6 }), week),
            [
                "ElastiCache replication group cache snapshotRetentionLimit must be at least 7 (got 6)",
            ],
        );
    });

    it("accepts Redis or Valkey at the minimum major or later; redis when the engine is unset", async () => {
        const p = cache.cacheEngineVersion;
        for (const props of [
            { engineVersion: "7" },
            { engine: "valkey", engineVersion: "8.0" },
            { engine: undefined, engineVersion: "7.1" },
        ]) {
            assert.deepEqual(
                await resourceMessages(p, RG, redis(props)),
                [],
                JSON.stringify(props),
            );
        }
        assert.deepEqual(await resourceMessages(p, RG, redis({ engineVersion: undefined })), [
            "ElastiCache replication group cache must run redis or valkey 7 or later (got redis unset)",
        ]);
        assert.deepEqual(
            await resourceMessages(p, RG, redis({ engine: "valkey", engineVersion: "7.2" }), {
                minMajor: 8,
            }),
            [
                "ElastiCache replication group cache must run redis or valkey 8 or later (got valkey 7.2)",
            ],
        );
    });
});

describe("policy branches: credentials", () => {
    it("accepts a RandomPassword of exactly the minimum length", async () => {
        const p = sec.randomPasswordLength;
        assert.deepEqual(await resourceMessages(p, TYPES.randomPassword, { length: 16 }), []);
        assert.deepEqual(await resourceMessages(p, TYPES.randomPassword, { length: 15 }), [
            "RandomPassword subject length must be at least 16 (got 15)",
        ]);
        assert.deepEqual(await resourceMessages(p, TYPES.randomPassword, {}), [
            "RandomPassword subject length must be at least 16 (got undefined)",
        ]);
        assert.deepEqual(
            await resourceMessages(p, TYPES.randomPassword, { length: 24 }, { minLength: 32 }),
            ["RandomPassword subject length must be at least 32 (got 24)"],
        );
    });

    const p = sec.passwordInputsSecret;
    const withPassword = (key: string, value: unknown) =>
        planned(TYPES.rdsInstance, "db", { identifier: "db", [key]: value });

    it("accepts secret markers and values derived from a RandomPassword", async () => {
        assert.deepEqual(await messages(p, [withPassword("password", SECRET_MARKER)]), []);
        const derived = [
            planned(TYPES.randomPassword, "pw", { length: 32 }),
            withPassword("masterPassword", "pw-id"),
        ];
        assert.deepEqual(await messages(p, derived), []);
    });

    it("reports a plain value, or one derived from anything but a RandomPassword", async () => {
        const report = (key: string) =>
            `Instance db input ${key} must be a secret output such as a RandomPassword result, not a plain value`;
        assert.deepEqual(await messages(p, [withPassword("Password", "hunter2")]), [
            report("Password"),
        ]);
        assert.deepEqual(await messages(p, [withPassword("auth_token", 12345)]), [
            report("auth_token"),
        ]);
        const fromOther = [
            planned("aws:ssm/parameter:Parameter", "param", { name: "x" }),
            withPassword("authToken", "param-id"),
        ];
        assert.deepEqual(await messages(p, fromOther), [report("authToken")]);
    });

    it("matches whole input names only, and is not applicable when none has a value", async () => {
        for (const [key, value] of [
            ["passwordLength", "8"],
            ["password", ""],
            ["password", null],
            ["password", undefined],
            ["dbPassword", "x"],
        ] as const) {
            const f = await checkStack(p, [withPassword(key, value)]);
            assert.deepEqual(
                f,
                { messages: [], notApplicable: ["no resource takes a password input"] },
                `${key}=${value}`,
            );
        }
    });

    it("reads the configured key pattern, case-insensitively", async () => {
        const graph = [withPassword("DB_PASS", "x")];
        assert.deepEqual(await messages(p, graph, { keyPattern: "^db_pass$" }), [
            "Instance db input DB_PASS must be a secret output such as a RandomPassword result, not a plain value",
        ]);
    });
});

// ---- Kubernetes workloads ----

const podContainer = (extra: Props = {}): Props => ({
    name: "app",
    image: "registry.example.com/app:v1",
    resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } },
    livenessProbe: { httpGet: { path: "/live" } },
    readinessProbe: { httpGet: { path: "/ready" } },
    lifecycle: { preStop: { sleep: { seconds: 10 } } },
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
    ...extra,
});
const podOf = (containers: Props[], extra: Props = {}): Props => ({
    securityContext: { runAsNonRoot: true, runAsUser: 10001 },
    containers,
    ...extra,
});
const workload = (pod: Props): Props => ({
    metadata: { name: "w", namespace: NS },
    spec: { template: { metadata: { labels: { app: "w" } }, spec: pod } },
});
const cronJob = (pod: Props): Props => ({
    metadata: { name: "c", namespace: NS },
    spec: { schedule: "0 * * * *", jobTemplate: { spec: { template: { spec: pod } } } },
});

describe("policy branches: Kubernetes workload policies", () => {
    const DEP = TYPES.deployment;

    it("isPinnedImage: a tag other than latest, or a sha256 digest", () => {
        const pinned = [
            "app:v1",
            "registry.example.com:5000/team/app:1.2.3",
            `app@sha256:${"a".repeat(64)}`,
            `registry.example.com:5000/app:v1@sha256:${"0".repeat(64)}`,
            `app@sha512:${"b".repeat(128)}`,
        ];
        const unpinned = [
            undefined,
            "",
            "app",
            "app:",
            "app:latest",
            "registry.example.com:5000/team/app",
            "registry.example.com:5000/app:latest",
            // A digest must be whole: the kubelet refuses a short or upper-case one.
            "app@sha256:abc",
            `app:v1@sha256:${"a".repeat(63)}`,
            `app@sha256:${"A".repeat(64)}`,
            "app@",
            // A tag must be a tag: 1–128 word characters, dots and dashes, not starting with either.
            "app:-v1",
            "app:v1 ",
            `app:${"a".repeat(129)}`,
        ];
        for (const i of pinned) assert.equal(k8s.isPinnedImage(i), true, i);
        for (const i of unpinned) assert.equal(k8s.isPinnedImage(i), false, String(i));
    });

    it("checks every pod-running kind, and calls one without a pod template not applicable", async () => {
        const latest = podOf([podContainer({ image: "app:latest" })]);
        const msg =
            'container "app" image must be pinned to a version tag other than latest or a digest (got "app:latest")';
        for (const type of [
            DEP,
            "kubernetes:apps/v1:StatefulSet",
            "kubernetes:apps/v1:DaemonSet",
            "kubernetes:batch/v1:Job",
        ]) {
            assert.deepEqual(
                await resourceMessages(k8s.imagePinned, type, workload(latest)),
                [msg],
                type,
            );
        }
        assert.deepEqual(
            await resourceMessages(k8s.imagePinned, "kubernetes:batch/v1:CronJob", cronJob(latest)),
            [msg],
        );
        const noImage = podOf([podContainer({ image: undefined })]);
        assert.deepEqual(await resourceMessages(k8s.imagePinned, DEP, workload(noImage)), [
            'container "app" image must be pinned to a version tag other than latest or a digest (got "")',
        ]);
        const f = await checkResource(k8s.imagePinned, DEP, { metadata: { name: "w" }, spec: {} });
        assert.deepEqual(f.messages, []);
        assert.equal(f.notApplicable[0], "Deployment has no pod template");
    });

    it("lists every missing request and limit, init containers included", async () => {
        const pod = podOf([podContainer({ resources: { limits: { memory: "1Gi" } } })], {
            initContainers: [podContainer({ name: "init", resources: undefined })],
        });
        assert.deepEqual(await resourceMessages(k8s.resourcesSet, DEP, workload(pod)), [
            'init container "init" must set resources requests.cpu, requests.memory, limits.cpu, limits.memory',
            'container "app" must set resources requests.cpu, requests.memory, limits.cpu',
        ]);
    });

    it("requires probes on long-running containers only", async () => {
        const noLive = podOf([podContainer({ livenessProbe: undefined })], {
            initContainers: [{ name: "init", image: "busybox:1" }],
        });
        assert.deepEqual(await resourceMessages(k8s.probesSet, DEP, workload(noLive)), [
            'container "app" must have a livenessProbe',
        ]);
        const job = await checkResource(k8s.probesSet, "kubernetes:batch/v1:Job", workload(noLive));
        assert.deepEqual(job.messages, []);
        assert.equal(job.notApplicable.length > 0, true);
    });

    it("takes runAsNonRoot and runAsUser from the container, else the pod", async () => {
        const sc = (pod: Props, c: Props) =>
            resourceMessages(
                k8s.restrictedSecurityContext,
                DEP,
                workload(
                    podOf(
                        [
                            podContainer({
                                securityContext: {
                                    allowPrivilegeEscalation: false,
                                    readOnlyRootFilesystem: true,
                                    ...c,
                                },
                            }),
                        ],
                        pod,
                    ),
                ),
            );
        const root = ['container "app" must run as non-root (securityContext.runAsNonRoot: true)'];
        assert.deepEqual(await sc({}, {}), []);
        assert.deepEqual(
            await sc({ securityContext: {} }, { runAsNonRoot: true, runAsUser: 1 }),
            [],
        );
        assert.deepEqual(
            await sc({ securityContext: { runAsNonRoot: true, runAsUser: 0 } }, {}),
            root,
        );
        assert.deepEqual(await sc({}, { runAsUser: 0 }), root);
        assert.deepEqual(await sc({}, { runAsNonRoot: false }), root);
        assert.deepEqual(await sc({ securityContext: undefined }, {}), root);
        assert.deepEqual(
            await sc({ securityContext: { runAsNonRoot: false } }, { runAsNonRoot: true }),
            [],
        );
    });

    it("reports escalation, privileged mode and a writable root filesystem", async () => {
        const sc = (c: Props | undefined) =>
            resourceMessages(
                k8s.restrictedSecurityContext,
                DEP,
                workload(podOf([podContainer({ securityContext: c })])),
            );
        const escalation =
            'container "app" must set securityContext.allowPrivilegeEscalation: false and not be privileged';
        const rofs = 'container "app" must set securityContext.readOnlyRootFilesystem: true';
        assert.deepEqual(
            await sc({
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                privileged: true,
            }),
            [escalation],
        );
        assert.deepEqual(await sc({ readOnlyRootFilesystem: true }), [escalation]);
        assert.deepEqual(await sc({ allowPrivilegeEscalation: false }), [rofs]);
        assert.deepEqual(await sc(undefined), [escalation, rofs]);
    });

    it("reports literal secret-looking env, and reads the configured name pattern", async () => {
        const env = (e: Props[], config?: Props) =>
            resourceMessages(
                k8s.noLiteralSecretEnv,
                DEP,
                workload(podOf([podContainer({ env: e })])),
                config,
            );
        assert.deepEqual(
            await env([
                { name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "s", key: "t" } } },
                { name: "LOG_LEVEL", value: "info" },
                { name: "db_password", value: "" },
            ]),
            [
                'container "app" env db_password must come from a Secret (valueFrom.secretKeyRef), not a literal value',
            ],
        );
        assert.deepEqual(
            await env([{ name: "LICENSE", value: "x" }], { namePattern: "^license$" }),
            [
                'container "app" env LICENSE must come from a Secret (valueFrom.secretKeyRef), not a literal value',
            ],
        );
    });

    it("reports a wildcard among CORS origins, for any configured variable name", async () => {
        const env = (e: Props[], config?: Props) =>
            resourceMessages(
                k8s.corsNotWildcard,
                DEP,
                workload(podOf([podContainer({ env: e })])),
                config,
            );
        assert.deepEqual(
            await env([
                { name: "CORS_ORIGINS", value: "https://a.example.com, https://b.example.com" },
            ]),
            [],
        );
        assert.deepEqual(
            await env([
                { name: "cors_origin", value: "https://a.example.com https://*.example.com" },
            ]),
            [
                'container "app" env cors_origin must list explicit origins, not a wildcard (got "https://a.example.com https://*.example.com")',
            ],
        );
        assert.deepEqual(
            await env([
                { name: "CORS_ORIGINS", valueFrom: { configMapKeyRef: { name: "c", key: "k" } } },
            ]),
            [],
        );
        assert.deepEqual(await env([{ name: "OTHER", value: "*" }]), []);
        assert.deepEqual(
            await env([{ name: "WEB_ORIGINS", value: "*" }], { envNames: ["web_origins"] }),
            [
                'container "app" env WEB_ORIGINS must list explicit origins, not a wildcard (got "*")',
            ],
        );
    });
});

describe("policy branches: routed workloads", () => {
    const routed = (
        pod: (p: Props) => void = () => undefined,
        weights = { blue: 90, green: 10 },
    ) => {
        const graph = [...colours(), httpRoute([weightedRule(weights)])];
        for (const d of graph.filter((r) => r.type === TYPES.deployment)) {
            const spec = (d.inputs as Props).spec.template.spec;
            spec.containers = [podContainer()];
            pod(spec);
        }
        return graph;
    };

    it("graceful shutdown: Kubernetes' default 30 s counts, the minimum itself passes", async () => {
        const p = k8s.routedGracefulShutdown;
        assert.deepEqual(await notApplicable(p, colours()), [
            "no Deployment is behind a routing object",
        ]);
        assert.deepEqual(await messages(p, routed()), []);
        assert.deepEqual(
            await messages(
                p,
                routed((s) => (s.terminationGracePeriodSeconds = 30)),
            ),
            [],
        );
        assert.deepEqual(
            await messages(
                p,
                routed((s) => (s.terminationGracePeriodSeconds = 29)),
            ),
            [
                "Deployment app-blue terminationGracePeriodSeconds must be at least 30 (got 29)",
                "Deployment app-green terminationGracePeriodSeconds must be at least 30 (got 29)",
            ],
        );
        assert.deepEqual(await messages(p, routed(), { minGracePeriodSeconds: 45 }), [
            "Deployment app-blue terminationGracePeriodSeconds must be at least 45 (got 30)",
            "Deployment app-green terminationGracePeriodSeconds must be at least 45 (got 30)",
        ]);
        // Init containers end before the pod serves: they need no preStop hook.
        const init = routed((s) => (s.initContainers = [{ name: "init", image: "busybox:1" }]));
        assert.deepEqual(await messages(p, init), []);
    });

    it("HPA and PDB: only for colours with traffic, matched by target and namespace", async () => {
        const p = k8s.routedColourHasHpaAndPdb;
        const hpa = (name: string, extra: Props = {}) =>
            planned(TYPES.hpa, `hpa-${name}`, {
                metadata: { name, namespace: NS },
                spec: { scaleTargetRef: { kind: "Deployment", name }, minReplicas: 3 },
                ...extra,
            });
        const pdb = (color: string, namespace = NS) =>
            planned(TYPES.pdb, `pdb-${color}-${namespace}`, {
                metadata: { name: `app-${color}`, namespace },
                spec: { selector: { matchLabels: { "app.kubernetes.io/name": "app", color } } },
            });
        const base = () => routed(undefined, { blue: 100, green: 0 });
        assert.deepEqual(
            await notApplicable(p, [
                ...colours(),
                httpRoute([weightedRule({ blue: 0, green: 0 })]),
            ]),
            ["no Deployment receives traffic"],
        );
        // Green gets nothing, so only blue needs them.
        assert.deepEqual(await messages(p, [...base(), hpa("app-blue"), pdb("blue")]), []);
        const wrong = [
            ...base(),
            planned(TYPES.hpa, "hpa-1", {
                metadata: { name: "x", namespace: NS },
                spec: { scaleTargetRef: { kind: "StatefulSet", name: "app-blue" } },
            }),
            planned(TYPES.hpa, "hpa-2", {
                metadata: { name: "y", namespace: "other" },
                spec: { scaleTargetRef: { kind: "Deployment", name: "app-blue" } },
            }),
            hpa("app-green"),
            pdb("blue", "other"),
            pdb("green"),
        ];
        assert.deepEqual(await messages(p, wrong), [
            "Deployment app-blue receives 100 % of traffic, so it must have a HorizontalPodAutoscaler",
            "Deployment app-blue receives 100 % of traffic, so it must have a PodDisruptionBudget selecting its pods",
        ]);
    });
});

// ---- network ----

describe("policy branches: network policies", () => {
    const p = net.noPublicDataIngress;
    const sg = (ingress: Props[]) => ({ name: "data", ingress });

    it("reads inline ingress defaults: tcp, port 0, IPv4 and IPv6 ranges", async () => {
        assert.deepEqual(
            await resourceMessages(p, TYPES.securityGroup, sg([{ cidrBlocks: ["0.0.0.0/0"] }])),
            [],
        );
        assert.deepEqual(
            await resourceMessages(
                p,
                TYPES.securityGroup,
                sg([{ fromPort: 0, toPort: 65535, ipv6CidrBlocks: "::/0" }]),
            ),
            ["Security group data ingress must not allow ::/0 on data-store ports 5432, 6379"],
        );
        assert.deepEqual(
            await resourceMessages(
                p,
                TYPES.securityGroup,
                sg([{ protocol: "all", cidrBlocks: ["10.0.0.0/8", "0.0.0.0/0"] }]),
            ),
            ["Security group data ingress must not allow 0.0.0.0/0 on data-store ports 5432, 6379"],
        );
        // A port range that stops short of the data-store port, and a private range, pass.
        assert.deepEqual(
            await resourceMessages(
                p,
                TYPES.securityGroup,
                sg([
                    { protocol: "tcp", fromPort: 5433, toPort: 6378, cidrBlocks: ["0.0.0.0/0"] },
                    { protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/8"] },
                ]),
            ),
            [],
        );
        assert.deepEqual(
            await resourceMessages(p, TYPES.securityGroup, {
                ingress: [{ fromPort: 6379, toPort: 6379, cidrBlocks: ["0.0.0.0/0"] }],
            }),
            ["Security group subject ingress must not allow 0.0.0.0/0 on data-store port 6379"],
        );
    });

    it("checks standalone rules of both kinds, and the configured ports", async () => {
        const rule = {
            type: "ingress",
            protocol: "tcp",
            fromPort: 3306,
            toPort: 3306,
            cidrBlocks: ["0.0.0.0/0"],
        };
        assert.deepEqual(await resourceMessages(p, TYPES.securityGroupRule, rule), []);
        assert.deepEqual(
            await resourceMessages(p, TYPES.securityGroupRule, rule, { ports: [3306] }),
            ["Security group rule subject must not allow 0.0.0.0/0 on data-store port 3306"],
        );
        assert.deepEqual(
            await resourceMessages(p, TYPES.vpcIngressRule, {
                ipProtocol: "-1",
                cidrIpv4: "0.0.0.0/0",
            }),
            ["Ingress rule subject must not allow 0.0.0.0/0 on data-store ports 5432, 6379"],
        );
        // toPort defaults to fromPort on the VPC rule.
        assert.deepEqual(
            await resourceMessages(p, TYPES.vpcIngressRule, {
                fromPort: 5432,
                cidrIpv4: "0.0.0.0/0",
            }),
            ["Ingress rule subject must not allow 0.0.0.0/0 on data-store port 5432"],
        );
    });

    const db = (sgIds: string[] = ["data-sg-id"]) =>
        planned(TYPES.rdsInstance, "db", { identifier: "db", vpcSecurityGroupIds: sgIds });
    const dataSg = (ingress: Props[] = []) =>
        planned(TYPES.securityGroup, "data-sg", { name: "data", ingress });
    const q = net.dataStoresAppOnly;

    it("is not applicable without a data store; any group is allowed when none is configured", async () => {
        assert.deepEqual(await notApplicable(q, colours()), ["no database or cache in the stack"]);
        const graph = [
            dataSg([{ protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: ["sg-any"] }]),
            db(),
        ];
        assert.deepEqual(await messages(q, graph), []);
    });

    it("reports address ranges and prefix lists on the group or its standalone rules", async () => {
        const graph = [
            dataSg([{ protocol: "tcp", fromPort: 5432, toPort: 5432, prefixListIds: ["pl-1"] }]),
            db(),
            planned(TYPES.securityGroupRule, "r1", {
                type: "ingress",
                securityGroupId: "data-sg-id",
                cidrBlocks: ["10.0.0.0/8"],
                fromPort: 5432,
                toPort: 5432,
            }),
            planned(TYPES.securityGroupRule, "r2", {
                type: "egress",
                securityGroupId: "data-sg-id",
                cidrBlocks: ["0.0.0.0/0"],
            }),
            planned(TYPES.securityGroupRule, "r3", {
                type: "ingress",
                securityGroupId: "other",
                cidrBlocks: ["0.0.0.0/0"],
            }),
        ];
        assert.deepEqual(await messages(q, graph), [
            "Security group data of Instance db must admit only the app security group, not address ranges (got pl-1)",
            "Security group data of Instance db must admit only the app security group, not address ranges (got 10.0.0.0/8)",
        ]);
    });

    it("checks a group shared by the database and the cache once; the cache by securityGroupIds", async () => {
        const open = [
            { protocol: "tcp", fromPort: 5432, toPort: 6379, securityGroups: ["sg-bastion"] },
        ];
        const graph = [
            dataSg(open),
            db(),
            planned(TYPES.replicationGroup, "cache", {
                replicationGroupId: "c",
                securityGroupIds: ["data-sg-id"],
            }),
            planned(TYPES.replicationGroup, "cache2", { securityGroupIds: [] }),
        ];
        assert.deepEqual(await messages(q, graph, { appSecurityGroupIds: ["sg-app"] }), [
            "Security group data of Instance db must admit only the app security group (got sg-bastion)",
            "ReplicationGroup cache2 securityGroupIds must name a security group defined in this stack",
        ]);
    });

    const tagged = (name: string, tag: string, sources: string[]) =>
        planned(TYPES.securityGroup, name, {
            name,
            tags: { [net.APP_SG_TAG]: tag },
            ingress: [{ protocol: "tcp", fromPort: 5432, toPort: 6379, securityGroups: sources }],
        });
    const cacheIn = (sg: string) =>
        planned(TYPES.replicationGroup, "cache", {
            replicationGroupId: "c",
            securityGroupIds: [`${sg}-id`],
        });

    it("without config, a store's group admits only the group its tag names; an empty tag names none", async () => {
        const graph = (tag: string) => [tagged("data-sg", tag, ["sg-app", "sg-x"]), db()];
        assert.deepEqual(await messages(q, graph("sg-app")), [
            "Security group data-sg of Instance db must admit only the app security group (got sg-x)",
        ]);
        assert.deepEqual(await messages(q, graph("")), []);
    });

    it("without config, every store of the stack must name the same app group; config overrides the tags", async () => {
        const graph = [
            tagged("data-sg", "sg-b", ["sg-b"]),
            db(),
            tagged("cache-sg", "sg-a", ["sg-a"]),
            cacheIn("cache-sg"),
        ];
        assert.deepEqual(await messages(q, graph), [
            `Data stores must admit one app security group per stack (their ${net.APP_SG_TAG} tags name sg-a, sg-b)`,
        ]);
        assert.deepEqual(await messages(q, graph, { appSecurityGroupIds: ["sg-a"] }), [
            "Security group data-sg of Instance db must admit only the app security group (got sg-b)",
        ]);
        const same = [tagged("data-sg", "sg-a", ["sg-a"]), db(), tagged("cache-sg", "sg-a", [])];
        assert.deepEqual(await messages(q, [...same, cacheIn("cache-sg")]), []);
    });
});

// ---- monitoring ----

const alertRule = (
    alert: string,
    labels: Props = { severity: "critical", team: "api" },
    annotations: Props = { runbook_url: "https://runbooks.example.com/x" },
) => ({ alert, expr: "vector(1)", labels, annotations });
const promRule = (name: string, rules: Props[]) =>
    planned(TYPES.prometheusRule, name, {
        kind: "PrometheusRule",
        metadata: { name, namespace: NS },
        spec: { groups: [{ name: "g", rules }, { name: "empty" }] },
    });

describe("policy branches: monitoring policies", () => {
    it("requires every catalogue alert by default, across all PrometheusRules", async () => {
        const p = mon.requiredAlerts;
        const names = Object.values(ALERT_CATALOGUE).flat();
        const split = [
            promRule(
                "a",
                names.slice(0, 5).map((n) => alertRule(n)),
            ),
            promRule("b", [
                { record: "HPAAtMax", expr: "1" },
                ...names.slice(5).map((n) => alertRule(n)),
            ]),
        ];
        assert.deepEqual(await messages(p, split), []);
        const missingTwo = [
            promRule(
                "a",
                names.slice(2).map((n) => alertRule(n)),
            ),
        ];
        assert.deepEqual(await messages(p, missingTwo), [
            `The PrometheusRules must define the alerts ${names[0]}, ${names[1]}`,
        ]);
        const asRecord = [
            promRule("a", [
                ...names.slice(0, -1).map((n) => alertRule(n)),
                { record: names[names.length - 1], expr: "1" },
            ]),
        ];
        assert.deepEqual(await messages(p, asRecord), [
            `The PrometheusRules must define the alert ${names[names.length - 1]}`,
        ]);
    });

    it("checks severity, team and an http(s) runbook on every alert, listing each problem", async () => {
        const p = mon.alertLabels;
        const check = (rules: Props[], config?: Props) =>
            resourceMessages(p, TYPES.prometheusRule, promRule("r", rules).inputs, config);
        assert.deepEqual(
            await check([alertRule("A"), alertRule("B", { severity: "info", team: "t" })]),
            [],
        );
        assert.deepEqual(await check([alertRule("A", {}, {})]), [
            "Alert A must have a severity label (critical|warning|info), a team label, a runbook_url annotation",
        ]);
        assert.deepEqual(await check([alertRule("A", undefined, { runbook_url: "ftp://x" })]), [
            "Alert A must have a runbook_url annotation",
        ]);
        assert.deepEqual(await check([{ alert: "A", expr: "1" }]), [
            "Alert A must have a severity label (critical|warning|info), a team label, a runbook_url annotation",
        ]);
        assert.deepEqual(
            await check([alertRule("A", { severity: "info", team: "t" })], {
                severities: ["page"],
            }),
            ["Alert A must have a severity label (page)"],
        );
        const other = await checkResource(p, TYPES.serviceMonitor, {});
        assert.deepEqual(other, {
            messages: [],
            notApplicable: [`Policy only applies to resources of type '${TYPES.prometheusRule}'`],
        });
    });

    it("matches a ServiceMonitor by namespace selector, label selector and endpoint port", async () => {
        const p = mon.serviceMonitorTargetsApp;
        const graph = (monitor: Props, namespace = NS) => [
            ...colours().filter((r) => r.name.endsWith("blue")),
            httpRoute([weightedRule({ blue: 100 })]),
            planned(TYPES.serviceMonitor, "sm", {
                metadata: { name: "sm", namespace },
                spec: monitor,
            }),
        ];
        const labelled = (g: PlannedResource[]) =>
            edit(g, "svc-blue", (s) => (s.metadata.labels = { "app.kubernetes.io/name": "app" }));
        const sel = { selector: { matchLabels: { "app.kubernetes.io/name": "app" } } };
        const report = [
            "Service app-blue must be scraped by a ServiceMonitor whose selector matches its labels and whose endpoint names one of its ports",
        ];
        assert.deepEqual(await notApplicable(p, colours()), ["no Service behind a routing object"]);
        assert.deepEqual(
            await messages(p, labelled(graph({ ...sel, endpoints: [{ port: "http" }] }))),
            [],
        );
        assert.deepEqual(
            await messages(p, labelled(graph({ ...sel, endpoints: [{ targetPort: 8080 }] }))),
            [],
        );
        assert.deepEqual(
            await messages(p, labelled(graph({ ...sel, endpoints: [{ port: "metrics" }] }))),
            report,
        );
        assert.deepEqual(await messages(p, labelled(graph({ ...sel, endpoints: [] }))), report);
        assert.deepEqual(
            await messages(p, graph({ ...sel, endpoints: [{ port: "http" }] })),
            report,
        );
        // Namespaces: the monitor's own by default, else matchNames, or any.
        const ep = { ...sel, endpoints: [{ port: "http" }] };
        assert.deepEqual(await messages(p, labelled(graph(ep, "monitoring"))), report);
        assert.deepEqual(
            await messages(
                p,
                labelled(graph({ ...ep, namespaceSelector: { matchNames: [NS] } }, "monitoring")),
            ),
            [],
        );
        assert.deepEqual(
            await messages(p, labelled(graph({ ...ep, namespaceSelector: { matchNames: ["x"] } }))),
            report,
        );
        assert.deepEqual(
            await messages(
                p,
                labelled(graph({ ...ep, namespaceSelector: { any: true } }, "monitoring")),
            ),
            [],
        );
    });
});

// ---- what the mutation run showed the tests above still let through ----

describe("policy branches: the pack", () => {
    it("contains every policy each area module defines", () => {
        const names = new Set(policies().map((p) => p.name));
        let found = 0;
        for (const mod of [backup, cache, db, k8s, mon, net, rel, sec]) {
            for (const [key, value] of Object.entries(mod)) {
                // Each policy is exported as the function that builds it, taking no arguments.
                if (typeof value !== "function" || value.length !== 0) continue;
                let v: { name?: unknown; validateResource?: unknown; validateStack?: unknown };
                try {
                    v = value();
                } catch {
                    continue;
                }
                if (typeof v !== "object" || v === null || Array.isArray(v)) continue;
                if (!v.validateResource && !v.validateStack) continue;
                found++;
                assert.ok(
                    names.has(String(v.name)),
                    `${key} (${String(v.name)}) is not in the pack`,
                );
            }
        }
        // Every policy outside storage and identity (their own file checks those).
        assert.equal(found, names.size - 7);
    });

    it("declares config schemas the engine accepts: JSON-schema types, defaults of that type, a description", () => {
        const TYPES_OK = ["string", "integer", "number", "boolean", "array", "object"];
        const ofType = (v: unknown, t: string) =>
            t === "integer"
                ? Number.isInteger(v)
                : t === "array"
                  ? Array.isArray(v)
                  : t === "object"
                    ? typeof v === "object" && v !== null && !Array.isArray(v)
                    : typeof v === t;
        for (const p of policies()) {
            for (const [key, prop] of Object.entries(p.configSchema?.properties ?? {})) {
                const s = prop as {
                    type?: string;
                    default?: unknown;
                    items?: { type?: string };
                    description?: unknown;
                };
                const where = `${p.name}.${key}`;
                assert.ok(TYPES_OK.includes(String(s.type)), `${where} type ${s.type}`);
                // `pulumi policy` shows it to whoever writes the pack config: one sentence.
                assert.match(String(s.description), /^\S[^]*\.$/, `${where} description`);
                if (s.items) assert.ok(TYPES_OK.includes(String(s.items.type)), `${where} items`);
                if (s.default !== undefined) {
                    assert.ok(
                        ofType(s.default, s.type!),
                        `${where} default ${JSON.stringify(s.default)}`,
                    );
                    if (Array.isArray(s.default) && s.items) {
                        for (const d of s.default)
                            assert.ok(ofType(d, s.items.type!), `${where} item`);
                    }
                }
            }
        }
    });
});

describe("policy branches: edge cases", () => {
    it("rds-backup-retention and rds-multi-az say why a read replica is exempt", async () => {
        const replica = {
            identifier: "r",
            replicateSourceDb: "db",
            backupRetentionPeriod: 0,
            multiAz: false,
        };
        const backups = await checkResource(db.rdsBackupRetention, TYPES.rdsInstance, replica);
        assert.deepEqual(backups, {
            messages: [],
            notApplicable: ["read replica: the primary keeps the backups"],
        });
        const multiAz = await checkResource(db.rdsMultiAz, TYPES.rdsInstance, replica);
        assert.deepEqual(multiAz, {
            messages: [],
            notApplicable: ["read replica: it is the standby copy itself"],
        });
    });

    it("rds-force-ssl: finds a group by its physical name, ignores what is not a parameter group or an instance", async () => {
        const p = db.rdsForceSsl;
        const byName = [
            parameterGroup("shop-pg", [{ ...FORCE_SSL, value: "0" }], "pg-resource"),
            rds({ parameterGroupName: "shop-pg" }),
        ];
        assert.deepEqual(await messages(p, byName), [
            "RDS parameter group shop-pg must set rds.force_ssl = 1 (got 0)",
        ]);
        // The instance takes another resource's output as its group name: not a parameter group.
        const notAGroup = [
            planned(TYPES.rdsSnapshot, "impostor", {}),
            rds({ parameterGroupName: "impostor-id" }),
        ];
        assert.deepEqual(await messages(p, notAGroup), [
            "RDS instance db must use a parameter group from this stack that sets rds.force_ssl = 1 (got impostor-id)",
        ]);
        // An Aurora cluster carries a PostgreSQL engine but is not an instance.
        const cluster = planned("aws:rds/cluster:Cluster", "cluster", {
            engine: "aurora-postgresql",
        });
        assert.deepEqual(
            await messages(p, [parameterGroup("db-pg", [FORCE_SSL]), cluster, rds()]),
            [],
        );
    });

    it("traffic-weights-consistent: an nginx primary and canary without a host pair up", async () => {
        const hostless = (r: PlannedResource) => {
            delete (r.inputs as Props).spec.rules[0].host;
            return r;
        };
        const graph = [
            ...colours(),
            hostless(ingress("primary", {}, nginxTls)),
            hostless(nginxCanary("10")),
        ];
        assert.deepEqual(await messages(rel.weightsConsistent, graph), []);
        const alone = [...colours(), ingress("primary", {}, nginxTls), hostless(nginxCanary("10"))];
        const found = await messages(rel.weightsConsistent, alone);
        assert.equal(found.length, 1);
        assert.match(
            found[0],
            /^Ingress canary must have a primary \(non-canary\) Ingress for host/,
        );
    });

    it("traffic-public-route-tls: manifests without metadata or spec, and look-alike Gateways", async () => {
        const p = rel.publicRouteTls;
        const plain = { name: "https", protocol: "HTTP", port: 80 };
        const report =
            "HTTPRoute app attaches to Gateway gw listener https, which must be HTTPS with a TLS certificate (got HTTP)";
        // A Service that shares the Gateway's name and namespace is not the Gateway.
        const lookalike = planned(TYPES.service, "gw-svc", {
            kind: "Service",
            metadata: { name: "gw", namespace: NS },
            spec: { listeners: [httpsListener()] },
        });
        const graph = [lookalike, gateway([plain]), httpRoute([weightedRule({ blue: 100 })])];
        assert.deepEqual(await messages(p, graph), [report]);
        // A route without metadata and a parent without a namespace: no Gateway to check.
        const bare = httpRoute([weightedRule({ blue: 100 })], { parentRefs: [{ name: "gw" }] });
        delete (bare.inputs as Props).metadata;
        assert.deepEqual(await messages(p, [gateway([plain]), bare]), []);
        // An Ingress without a spec has no host to cover.
        const empty = planned(TYPES.ingress, "empty", {
            kind: "Ingress",
            metadata: { name: "empty", namespace: NS },
        });
        assert.deepEqual(await messages(p, [empty]), []);
    });
});

describe("policy branches: traffic-weight-on-step", () => {
    const p = rel.weightOnStep;
    const STEPS = "release.pulumi.com/traffic-steps";
    const withSteps = <T extends PlannedResource>(r: T, steps: string | null): T => {
        const meta = r.inputs.metadata as Props;
        meta.annotations = { ...(meta.annotations ?? {}) };
        if (steps !== null) meta.annotations[STEPS] = steps;
        return r;
    };
    const route = (weights: Record<string, unknown>, steps: string | null = "5,25,50,100") => [
        ...colours(),
        withSteps(httpRoute([previewRule("green"), weightedRule(weights)]), steps),
    ];
    const off = (w: string, steps = "5, 25, 50, 100") =>
        `HTTPRoute app splits traffic ${w}, so the canary's weight must be 0 or one of the steps (${steps})`;

    it("is not applicable without a routing object", async () => {
        assert.deepEqual(await notApplicable(p, colours()), ["no routing object in the stack"]);
    });

    it("requires every route to declare its steps as whole percentages 1–100", async () => {
        assert.deepEqual(await messages(p, route({ blue: 100, green: 0 }, null)), [
            `HTTPRoute app must declare its canary steps in the ${STEPS} annotation`,
        ]);
        for (const steps of ["5,abc", "0,50,100", "5,101", "12.5,100", ""]) {
            assert.deepEqual(
                await messages(p, route({ blue: 100, green: 0 }, steps)),
                [
                    `HTTPRoute app ${STEPS} must list whole percentages 1–100 (got ${JSON.stringify(steps)})`,
                ],
                steps,
            );
        }
    });

    it("accepts a split whose canary side is 0 or a step, from either colour", async () => {
        for (const weights of [
            { blue: 100, green: 0 },
            { blue: 0, green: 100 },
            { blue: 75, green: 25 },
            { blue: 25, green: 75 },
            { blue: 50, green: 50 },
            { blue: 95, green: 5 },
        ]) {
            assert.deepEqual(
                await messages(p, route(weights, " 5, 25 ,50,100")),
                [],
                JSON.stringify(weights),
            );
        }
        // A single backend takes everything.
        assert.deepEqual(await messages(p, route({ blue: 100 })), []);
    });

    it("reports a split off the steps, listing them", async () => {
        assert.deepEqual(await messages(p, route({ blue: 90, green: 10 })), [
            off("90/10", "5, 25, 50, 100"),
        ]);
        assert.deepEqual(await messages(p, route({ blue: 25, green: 80 })), [
            off("25/80", "5, 25, 50, 100"),
        ]);
        assert.deepEqual(await messages(p, route({ blue: 30 })), [off("30", "5, 25, 50, 100")]);
        assert.deepEqual(
            await messages(p, route({ blue: 60, green: 40 }, "40")),
            [],
            "40/60 is on step 40",
        );
        assert.deepEqual(await messages(p, route({ blue: 60, green: 35 }, "40")), [
            off("60/35", "40"),
        ]);
    });

    it("checks the nginx canary's own weight and each ALB action", async () => {
        const nginxRoutes = (w: string) => [
            ...colours(),
            withSteps(ingress("primary", {}, nginxTls), "10,50,100"),
            withSteps(nginxCanary(w), "10,50,100"),
        ];
        assert.deepEqual(await messages(p, nginxRoutes("10")), []);
        assert.deepEqual(await messages(p, nginxRoutes("0")), []);
        assert.deepEqual(await messages(p, nginxRoutes("20")), [
            "Ingress canary splits traffic 20, so the canary's weight must be 0 or one of the steps (10, 50, 100)",
        ]);
        const alb = (weights: Record<string, number>) => [
            ...colours(),
            withSteps(albIngress(weights), "10,50,100"),
        ];
        assert.deepEqual(await messages(p, alb({ blue: 90, green: 10 })), []);
        assert.deepEqual(await messages(p, alb({ blue: 80, green: 20 })), [
            "Ingress app splits traffic 80/20, so the canary's weight must be 0 or one of the steps (10, 50, 100)",
        ]);
    });
});

describe("policy branches: more edges", () => {
    it("Kubernetes: only an HPA scaling the Deployment counts; half-written HPAs and PDBs are skipped", async () => {
        const graph = [...colours(), httpRoute([weightedRule({ blue: 100, green: 0 })])];
        for (const d of graph.filter((r) => r.type === TYPES.deployment)) {
            (d.inputs as Props).spec.template.spec.containers = [podContainer()];
        }
        const vpa = planned("kubernetes:autoscaling.k8s.io/v1:VerticalPodAutoscaler", "vpa", {
            metadata: { name: "app-blue", namespace: NS },
            spec: { scaleTargetRef: { kind: "Deployment", name: "app-blue" } },
        });
        const bareHpa = planned(TYPES.hpa, "bare-hpa", {
            metadata: { name: "x", namespace: NS },
            spec: {},
        });
        const noSpecHpa = planned(TYPES.hpa, "nospec-hpa", {
            metadata: { name: "y", namespace: NS },
        });
        const barePdb = planned(TYPES.pdb, "bare-pdb", {
            metadata: { name: "p", namespace: NS },
            spec: {},
        });
        const noSpecPdb = planned(TYPES.pdb, "nospec-pdb", {
            metadata: { name: "q", namespace: NS },
        });
        assert.deepEqual(
            await messages(k8s.routedColourHasHpaAndPdb, [
                bareHpa,
                noSpecHpa,
                barePdb,
                noSpecPdb,
                vpa,
                ...graph,
            ]),
            [
                "Deployment app-blue receives 100 % of traffic, so it must have a HorizontalPodAutoscaler",
                "Deployment app-blue receives 100 % of traffic, so it must have a PodDisruptionBudget selecting its pods",
            ],
        );
    });

    it("monitoring: lists every missing alert, reads runbook URLs strictly, skips half-written monitors", async () => {
        assert.deepEqual(await messages(mon.requiredAlerts, colours(), { alerts: ["A", "B"] }), [
            "The stack must define a PrometheusRule with the alerts A, B",
        ]);
        const check = (url: string) =>
            resourceMessages(
                mon.alertLabels,
                TYPES.prometheusRule,
                promRule("r", [alertRule("A", undefined, { runbook_url: url })]).inputs,
            );
        assert.deepEqual(await check("http://runbooks.example.com/a"), []);
        assert.deepEqual(await check("see https://runbooks.example.com/a"), [
            "Alert A must have a runbook_url annotation",
        ]);
        const p = mon.serviceMonitorTargetsApp;
        const report = [
            "Service app-blue must be scraped by a ServiceMonitor whose selector matches its labels and whose endpoint names one of its ports",
        ];
        const base = () => {
            const g = [
                ...colours().filter((r) => r.name.endsWith("blue")),
                httpRoute([weightedRule({ blue: 100 })]),
            ];
            return edit(
                g,
                "svc-blue",
                (s) => (s.metadata.labels = { "app.kubernetes.io/name": "app" }),
            );
        };
        const spec = {
            selector: { matchLabels: { "app.kubernetes.io/name": "app" } },
            endpoints: [{ port: "http" }],
        };
        const half = [
            planned(TYPES.serviceMonitor, "nospec", { metadata: { name: "a", namespace: NS } }),
            planned(TYPES.serviceMonitor, "nosel", {
                metadata: { name: "b", namespace: NS },
                spec: { endpoints: [{ port: "http" }] },
            }),
        ];
        assert.deepEqual(await messages(p, [...half, ...base()]), report);
        // A PodMonitor with the same shape does not scrape the Service.
        const podMonitor = planned(TYPES.podMonitor, "pm", {
            metadata: { name: "pm", namespace: NS },
            spec,
        });
        assert.deepEqual(await messages(p, [podMonitor, ...base()]), report);
        // A route to a Service that is not in the stack leaves nothing to check.
        const missing = [
            ...colours().filter((r) => r.type !== TYPES.service),
            httpRoute([weightedRule({ blue: 100 })]),
        ];
        assert.deepEqual(await notApplicable(p, missing), ["no Service behind a routing object"]);
    });

    it("network: rule protocols and ports, several ranges at once, egress and other rule types", async () => {
        const p = net.noPublicDataIngress;
        const world = { cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] };
        assert.deepEqual(
            await resourceMessages(p, TYPES.securityGroupRule, {
                type: "ingress",
                protocol: "-1",
                fromPort: 0,
                toPort: 0,
                ...world,
            }),
            [
                "Security group rule subject must not allow 0.0.0.0/0, ::/0 on data-store ports 5432, 6379",
            ],
        );
        assert.deepEqual(
            await resourceMessages(p, TYPES.securityGroupRule, {
                type: "ingress",
                fromPort: 6379,
                toPort: 6379,
                ...world,
            }),
            ["Security group rule subject must not allow 0.0.0.0/0, ::/0 on data-store port 6379"],
        );
        const egress = await checkResource(p, TYPES.securityGroupRule, {
            type: "egress",
            ...world,
        });
        assert.deepEqual(egress.messages, []);
        assert.ok(egress.notApplicable.includes("egress rule"), egress.notApplicable.join("; "));

        const q = net.dataStoresAppOnly;
        const sg = planned(TYPES.securityGroup, "data-sg", { name: "data", ingress: [] });
        const db = (props: Props) =>
            planned(TYPES.rdsInstance, "db", { identifier: "shop-db", ...props });
        // Egress rules of the VPC API are not ingress, however they reference the group.
        const vpcEgress = planned(
            "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
            "out",
            {
                securityGroupId: "data-sg-id",
                cidrIpv4: "0.0.0.0/0",
                ipProtocol: "-1",
            },
        );
        assert.deepEqual(
            await messages(q, [sg, vpcEgress, db({ vpcSecurityGroupIds: ["data-sg-id"] })]),
            [],
        );
        // An id that is not a security group's.
        const param = planned("aws:ssm/parameter:Parameter", "param", { name: "x" });
        assert.deepEqual(await messages(q, [param, db({ vpcSecurityGroupIds: ["param-id"] })]), [
            "Instance shop-db vpcSecurityGroupIds must name a security group defined in this stack",
        ]);
        // Every range and every foreign group of a rule is named.
        const wide = planned(TYPES.securityGroup, "data-sg", {
            name: "data",
            ingress: [
                {
                    protocol: "tcp",
                    fromPort: 5432,
                    toPort: 5432,
                    cidrBlocks: ["10.0.0.0/8", "192.168.0.0/16"],
                },
                {
                    protocol: "tcp",
                    fromPort: 5432,
                    toPort: 5432,
                    securityGroups: ["sg-a", "sg-b", "sg-app"],
                },
            ],
        });
        assert.deepEqual(
            await messages(q, [wide, db({ vpcSecurityGroupIds: ["data-sg-id"] })], {
                appSecurityGroupIds: ["sg-app"],
            }),
            [
                "Security group data of Instance shop-db must admit only the app security group, not address ranges (got 10.0.0.0/8, 192.168.0.0/16)",
                "Security group data of Instance shop-db must admit only the app security group (got sg-a, sg-b)",
            ],
        );
    });
});

describe("policy branches: backup-cronjob-forbid-concurrency", () => {
    const p = backup.backupConcurrencyForbid;
    const CRON = "kubernetes:batch/v1:CronJob";
    const job = (name: string, props: Props) => planned(CRON, name, props);
    const backupLabels = { labels: { "app.kubernetes.io/component": "backup" } };

    it("checks only CronJobs labelled as backups, and says why it does not apply", async () => {
        const others = [
            job("report", {
                metadata: { name: "report", labels: { "app.kubernetes.io/component": "report" } },
                spec: {},
            }),
            job("bare", { spec: {} }),
            job("nolabels", { metadata: { name: "nolabels" }, spec: {} }),
            planned("kubernetes:batch/v1:Job", "once", {
                metadata: { name: "once", ...backupLabels },
                spec: {},
            }),
        ];
        const f = await checkStack(p, others);
        assert.deepEqual(f, { messages: [], notApplicable: ["no backup CronJob in the stack"] });
    });

    it("reports a backup CronJob without a spec, named by its resource when the manifest has no name", async () => {
        assert.deepEqual(await messages(p, [job("b", { metadata: { ...backupLabels } })]), [
            "Backup CronJob b concurrencyPolicy must be Forbid (got not set)",
        ]);
        assert.deepEqual(
            await messages(p, [
                job("b", {
                    metadata: { name: "nightly", ...backupLabels },
                    spec: { concurrencyPolicy: "Forbid" },
                }),
            ]),
            [],
        );
    });
});

// ---- what the mutation run showed once names, schemas and defaults became runtime code ----

describe("policy branches: workload kinds, secret names and defaults", () => {
    const podless = (kind: string) => ({
        apiVersion: "v1",
        kind,
        metadata: { name: "w" },
        spec: {},
    });

    it("names the kind of a workload without a pod template", async () => {
        const kinds: [string, string][] = [
            ["Deployment", TYPES.deployment],
            ["StatefulSet", "kubernetes:apps/v1:StatefulSet"],
            ["DaemonSet", "kubernetes:apps/v1:DaemonSet"],
            ["Job", "kubernetes:batch/v1:Job"],
            ["CronJob", "kubernetes:batch/v1:CronJob"],
        ];
        for (const [kind, type] of kinds) {
            const f = await checkResource(k8s.imagePinned, type, podless(kind));
            assert.deepEqual(f.messages, []);
            assert.ok(f.notApplicable.includes(`${kind} has no pod template`), kind);
        }
    });

    it("expandsSecret: only $(VAR) of a Secret-read variable, with URL parameters at most", () => {
        const fromSecret = new Set(["DB_PASSWORD", "_U2"]);
        const yes = [
            "$(DB_PASSWORD)",
            "$(_U2)",
            "$(DB_PASSWORD)?sslmode=require",
            "$(DB_PASSWORD)?sslmode=",
            "$(DB_PASSWORD)?sslmode=require&connect_timeout=10",
            "$(DB_PASSWORD)?a.b~c%20-d=e.f~g%20-h",
        ];
        const no = [
            "x$(DB_PASSWORD)",
            "$(DB_PASSWORD)x",
            "$(DB_PASSWORD)?",
            "$(DB_PASSWORD)?=require",
            "$(DB_PASSWORD)?sslmode",
            "$(DB_PASSWORD)?sslmode=require&",
            "$(DB_PASSWORD)?sslmode=require&=1",
            "$(DB_PASSWORD)?ssl mode=require",
            "$(DB_PASSWORD)?sslmode=re quire",
            "$(DB_PASSWORD)?a=b&c d=e",
            "$(DB_PASSWORD)?a=b&c=d e",
            "$(OTHER)",
            "$(1DB)",
            "$()",
            "$(DB-PASSWORD)",
            "$(DB_PASSWORD)$(DB_PASSWORD)",
        ];
        for (const v of yes) assert.equal(k8s.expandsSecret(v, fromSecret), true, v);
        for (const v of no)
            assert.equal(k8s.expandsSecret(v, new Set([...fromSecret, "1DB"])), false, v);
    });

    const podWith = (env: Props[]) => ({
        kind: "Deployment",
        metadata: { name: "d" },
        spec: { template: { spec: { containers: [{ name: "app", image: "r/app:1", env }] } } },
    });
    const secretRef = { secretKeyRef: { name: "s", key: "k" } };

    it("k8s-no-literal-secret-env: an expansion counts only when its variable came from a Secret", async () => {
        const messages = async (env: Props[]) =>
            (await checkResource(k8s.noLiteralSecretEnv, TYPES.deployment, podWith(env))).messages;
        assert.deepEqual(
            await messages([
                { name: "DB_PASSWORD", valueFrom: secretRef },
                { name: "DATABASE_URL", value: "$(DB_PASSWORD)?sslmode=require" },
            ]),
            [],
        );
        assert.deepEqual(
            await messages([
                { name: "DB_USER", value: "app" },
                { name: "DATABASE_URL", value: "$(DB_USER)" },
            ]),
            [
                'container "app" env DATABASE_URL must come from a Secret (valueFrom.secretKeyRef), not a literal value',
            ],
        );
        // Neither a value nor a source, or a source beside a value: no literal to report.
        assert.deepEqual(await messages([{ name: "API_TOKEN" }]), []);
        assert.deepEqual(
            await messages([{ name: "API_TOKEN", value: "x", valueFrom: secretRef }]),
            [],
        );
    });

    it("k8s-no-literal-secret-env takes the shared name lists as its schema defaults", () => {
        const props = k8s.noLiteralSecretEnv().configSchema?.properties as Record<string, Props>;
        assert.equal(props.namePattern.default, SECRET_ENV_PATTERN);
        assert.equal(props.notNamePattern.default, NOT_SECRET_ENV_PATTERN);
    });

    it("isSecretEnvName: token lifetimes hold no credential unless the exception is emptied", () => {
        assert.equal(isSecretEnvName("REFRESH_TOKEN"), true);
        assert.equal(isSecretEnvName("refresh_token_expires_in"), false);
        assert.equal(isSecretEnvName("REFRESH_TOKEN_EXPIRES_IN", SECRET_ENV_PATTERN, ""), true);
        assert.equal(isSecretEnvName("PORT"), false);
    });

    it("k8s-cors-not-wildcard reads every default CORS variable", async () => {
        const names = (k8s.corsNotWildcard().configSchema?.properties as Record<string, Props>)
            .envNames.default as string[];
        for (const name of names) {
            const f = await checkResource(
                k8s.corsNotWildcard,
                TYPES.deployment,
                podWith([{ name, value: "https://a.example.com, *" }]),
            );
            assert.equal(f.messages.length, 1, name);
        }
        assert.deepEqual(k8s.corsNotWildcard().configSchema!.properties!.envNames.default, [
            "CORS_ORIGINS",
            "CORS_ORIGIN",
            "CORS_ALLOWED_ORIGINS",
            "ALLOWED_ORIGINS",
            "ACCESS_CONTROL_ALLOW_ORIGIN",
        ]);
    });

    it("no-plaintext-credentials is mandatory even where the pack's default level is advisory", () => {
        const p = sec.noPlaintextCredentials();
        assert.equal(enforcementLevelOf(p, {}, "advisory"), "mandatory");
    });
});

describe("policy branches: no-plaintext-credentials, every path", () => {
    const q = sec.noPlaintextCredentials;
    const configMap = (data: Props, name = "settings") =>
        planned("kubernetes:core/v1:ConfigMap", name, {
            kind: "ConfigMap",
            metadata: { name, namespace: "ns" },
            data,
        });

    it("is not applicable to a stack of Secrets only", async () => {
        const secret = planned("kubernetes:core/v1:Secret", "s", {
            metadata: { name: "s" },
            stringData: { DATABASE_URL: "postgresql://app:hunter2@db:5432/app" },
        });
        assert.deepEqual(await notApplicable(q, [secret]), [
            "no resource outside Kubernetes Secrets",
        ]);
    });

    it("matches credential shapes whatever their case, on resources with or without metadata", async () => {
        const hook = "HTTPS://HOOKS.SLACK.COM/services/T0/B0/x";
        const bare = planned("aws:ssm/parameter:Parameter", "hook", { value: hook, tags: null });
        assert.deepEqual(await messages(q, [bare]), [
            "Parameter hook value must not hold a credential in plain text (a URL with a password or a webhook URL): put it in a Secret and reference it",
        ]);
    });

    it("reads credential-named keys in a ConfigMap's data only, skipping empty and secret values", async () => {
        assert.deepEqual(
            await messages(q, [configMap({ password: "", token: SECRET_MARKER })]),
            [],
        );
        assert.deepEqual(await messages(q, [configMap({ password: "hunter2" })]), [
            "ConfigMap settings data.password must not hold a credential in plain text: put it in a Secret and reference it",
        ]);
        const other = planned("aws:ssm/parameter:Parameter", "p", {
            name: "p",
            data: { password: "hunter2" },
        });
        assert.deepEqual(await messages(q, [other]), []);
    });
});

describe("policy branches: the pack's name, level and app alerts", () => {
    it("is named as its package, and is mandatory unless a stage's config says otherwise", () => {
        assert.equal(PACK_NAME, require("../policies/package.json").name);
        assert.equal(DEFAULT_ENFORCEMENT, "mandatory");
        assert.equal(enforcementLevelOf(k8s.imagePinned(), {}), "mandatory");
    });

    it("requires no store alert of a stack without stores", () => {
        for (const a of [...mon.DEFAULT_DATABASE_ALERTS, ...mon.DEFAULT_CACHE_ALERTS]) {
            assert.ok(!mon.DEFAULT_APP_ALERTS.includes(a), a);
            assert.ok(mon.DEFAULT_REQUIRED_ALERTS.includes(a), a);
        }
        assert.ok(mon.DEFAULT_APP_ALERTS.includes("HighErrorRate"));
    });
});
