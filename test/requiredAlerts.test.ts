// The pack requires the catalogue alerts that apply to the stack: the app's always, the database's
// when the graph has an RDS instance, the cache's when it has an ElastiCache replication group.
import { strict as assert } from "assert";
import * as mon from "../policies/monitoring";
import { TYPES } from "../policies/util";
import { checkStack, planned, type Props } from "./policyArgs";

const rule = (alert: string) => ({
    alert,
    expr: "vector(1)",
    labels: { severity: "critical", team: "api" },
    annotations: { runbook_url: "https://runbooks.example.com/x" },
});
const promRule = (names: readonly string[]) =>
    planned(TYPES.prometheusRule, "rules", {
        kind: "PrometheusRule",
        metadata: { name: "rules", namespace: "app" },
        spec: { groups: [{ name: "g", rules: names.map(rule) }] },
    });
const rds = planned(TYPES.rdsInstance, "db", { identifier: "db" });
const redis = planned(TYPES.replicationGroup, "cache", { replicationGroupId: "cache" });

async function messages(graph: ReturnType<typeof planned>[], config: Props = {}) {
    const f = await checkStack(mon.requiredAlerts(), graph, {
        [mon.requiredAlerts().name]: config,
    });
    return f.messages;
}

const APP = mon.DEFAULT_APP_ALERTS;
const DB = mon.DEFAULT_DATABASE_ALERTS;
const CACHE = mon.DEFAULT_CACHE_ALERTS;

describe("policy prometheus-required-alerts: conditional on the stack's data stores", () => {
    it("splits the catalogue into app, database and cache alerts, each alert once", () => {
        assert.deepEqual(DB, [
            "DatabaseDown",
            "ReplicationLag",
            "DatabaseConnectionPool",
            "DatabaseStorageLow",
        ]);
        assert.deepEqual(CACHE, ["CacheHitRatioLow"]);
        assert.deepEqual([...APP, ...DB, ...CACHE].sort(), [...mon.DEFAULT_REQUIRED_ALERTS].sort());
    });

    it("asks an app without data stores for the app alerts only", async () => {
        assert.deepEqual(await messages([promRule(APP)]), []);
        assert.deepEqual(await messages([promRule(APP.slice(1))]), [
            `The PrometheusRules must define the alert ${APP[0]}`,
        ]);
    });

    it("requires the database alerts when the graph has an RDS instance", async () => {
        assert.deepEqual(await messages([rds, promRule([...APP, ...DB])]), []);
        assert.deepEqual(await messages([rds, promRule([...APP, ...DB.slice(0, 3)])]), [
            "The PrometheusRules must define the alert DatabaseStorageLow",
        ]);
        assert.deepEqual(await messages([rds, promRule(APP)]), [
            `The PrometheusRules must define the alerts ${DB.join(", ")}`,
        ]);
    });

    it("requires the cache alert when the graph has a replication group", async () => {
        assert.deepEqual(await messages([redis, promRule([...APP, ...CACHE])]), []);
        assert.deepEqual(await messages([redis, promRule(APP)]), [
            "The PrometheusRules must define the alert CacheHitRatioLow",
        ]);
        assert.deepEqual(await messages([rds, redis, promRule([...APP, ...DB])]), [
            "The PrometheusRules must define the alert CacheHitRatioLow",
        ]);
    });

    it("lists the store alerts when there is no PrometheusRule, and takes each list from config", async () => {
        assert.deepEqual(await messages([redis], { alerts: ["A"] }), [
            "The stack must define a PrometheusRule with the alerts A, CacheHitRatioLow",
        ]);
        assert.deepEqual(
            await messages([rds, promRule(["A"])], { alerts: ["A"], databaseAlerts: ["B"] }),
            ["The PrometheusRules must define the alert B"],
        );
        assert.deepEqual(
            await messages([redis, promRule(["A"])], { alerts: ["A"], cacheAlerts: [] }),
            [],
        );
    });
});
