// Rules that live twice, because the policy pack ships alone and imports nothing from the program,
// must say the same thing in both places: secret-looking names, engine floors, the security-group
// tag. And the pack must judge any app's stack by that stack's own graph.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { APP_SECURITY_GROUP_TAG } from "../components/data/dataNetwork";
import { ConfigError, parseStackConfig } from "../config";
import { POSTGRES_MIN_MAJOR, REDIS_MIN_MAJOR } from "../config/data";
import { NOT_SECRET_ENV_PATTERN, SECRET_ENV_PATTERN, isSecretEnvName } from "../config/rules";
import { cacheEngineVersion } from "../policies/cache";
import { rdsEngineVersion } from "../policies/database";
import { expandsSecret } from "../policies/kubernetes";
import { APP_SG_TAG } from "../policies/network";
import * as pack from "../policies/secretNames";
import { runPolicies } from "../scripts/lib/policyRunner";
import { planStack } from "./helpers";

const defaultOf = (policy: { configSchema?: unknown }, key: string): unknown =>
    (policy.configSchema as { properties: Record<string, { default?: unknown }> }).properties[key]
        .default;

function plainEnvProblems(env: Record<string, string>): string[] {
    try {
        parseStackConfig({
            stage: "staging",
            app: { name: "a", namespace: "a", host: "a.example.com", repository: "r/a", env },
            workloads: { web: { kind: "web" } },
            colors: { blue: { version: "v1" } },
            traffic: { stable: "blue" },
            router: { tls: { secretName: "a-tls" } },
        });
        return [];
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
}

describe("one rule, two places: config and policy pack agree", () => {
    it("use the same list of secret-looking env names", () => {
        assert.strictEqual(SECRET_ENV_PATTERN, pack.SECRET_ENV_PATTERN);
        assert.strictEqual(NOT_SECRET_ENV_PATTERN, pack.NOT_SECRET_ENV_PATTERN);
        for (const name of [
            "SENTRY_DSN",
            "DB_PASSWORD",
            "JWT_SECRET",
            "CLICKHOUSE_CONNECTION_STRING",
            "JWT_EXPIRES_IN",
            "REFRESH_TOKEN_EXPIRES_IN",
            "LOG_LEVEL",
        ]) {
            assert.strictEqual(isSecretEnvName(name), pack.isSecretEnvName(name), name);
        }
    });

    it("refuse SENTRY_DSN as plain env in the config, as the pack does in the manifest", () => {
        const problems = plainEnvProblems({ SENTRY_DSN: "https://k@o.ingest.sentry.io/1" });
        assert.ok(
            problems.some((p) => p.startsWith("release:app.env.SENTRY_DSN must not be a literal")),
            problems.join("\n"),
        );
        assert.ok(pack.isSecretEnvName("SENTRY_DSN"));
    });

    it("accept token lifetimes (*_EXPIRES_IN) as plain env in both", () => {
        assert.deepStrictEqual(
            plainEnvProblems({ JWT_EXPIRES_IN: "7d", REFRESH_TOKEN_EXPIRES_IN: "30d" }),
            [],
        );
        assert.strictEqual(pack.isSecretEnvName("REFRESH_TOKEN_EXPIRES_IN"), false);
        assert.strictEqual(pack.isSecretEnvName("REFRESH_TOKEN"), true);
    });

    it("hold the same engine floors: PostgreSQL 15, Redis 7 (CL-35)", () => {
        assert.strictEqual(POSTGRES_MIN_MAJOR, 15);
        assert.strictEqual(defaultOf(rdsEngineVersion(), "minMajor"), POSTGRES_MIN_MAJOR);
        assert.strictEqual(defaultOf(cacheEngineVersion(), "minMajor"), REDIS_MIN_MAJOR);
    });

    it("tag data-store security groups with the name the pack reads", () => {
        assert.strictEqual(APP_SECURITY_GROUP_TAG, APP_SG_TAG);
    });

    it("accept a URL composed from a Secret only as $(VAR) plus query parameters", () => {
        const fromSecret = new Set(["RELEASE_DATABASE_URL_BASE"]);
        assert.ok(expandsSecret("$(RELEASE_DATABASE_URL_BASE)?sslmode=require", fromSecret));
        assert.ok(
            expandsSecret(
                "$(RELEASE_DATABASE_URL_BASE)?sslmode=require&connection_limit=20",
                fromSecret,
            ),
        );
        assert.ok(!expandsSecret("$(OTHER)?sslmode=require", fromSecret), "not from a Secret");
        assert.ok(!expandsSecret("postgresql://u:p@h/db", fromSecret));
        assert.ok(!expandsSecret("$(RELEASE_DATABASE_URL_BASE)hunter2", fromSecret));
        assert.ok(!expandsSecret("$(RELEASE_DATABASE_URL_BASE)?p=x@y", fromSecret));
    });
});

describe("the pack judges each stack by its own app security group", () => {
    const appOnly = async (edit: (c: Record<string, any>) => void) =>
        (await runPolicies(await planStack("prod", edit))).violations.filter(
            (v) => v.policy === "network-data-stores-app-only",
        );

    it("passes a second app's prod stack without editing the pack config", async () => {
        assert.deepStrictEqual(
            await appOnly((c) => (c.network.appSecurityGroupId = "sg-0fedcba9876543210")),
            [],
        );
    });

    it("names no security group in the checked-in pack configs", () => {
        for (const stage of ["prod", "staging"]) {
            const text = fs.readFileSync(
                path.join(__dirname, "..", "policies", `policy-config.${stage}.json`),
                "utf8",
            );
            assert.doesNotMatch(text, /sg-[0-9a-f]/, stage);
        }
    });
});

describe("CI lists the stacks from the stack files", () => {
    const workflows = path.join(__dirname, "..", ".github", "workflows");
    for (const file of fs.readdirSync(workflows).filter((f) => f.endsWith(".yml"))) {
        it(`${file} has no fixed stack list`, () => {
            const doc = parse(fs.readFileSync(path.join(workflows, file), "utf8"));
            for (const [name, job] of Object.entries<any>(doc.jobs ?? {})) {
                const stacks = job.strategy?.matrix?.stack;
                assert.ok(
                    stacks === undefined || typeof stacks === "string",
                    `${file} job ${name} lists stacks by hand: ${JSON.stringify(stacks)}`,
                );
                const options = doc.on?.workflow_dispatch?.inputs?.stack?.options;
                assert.ok(
                    options === undefined,
                    `${file} offers a fixed stack choice: ${JSON.stringify(options)}`,
                );
            }
        });
    }
});
