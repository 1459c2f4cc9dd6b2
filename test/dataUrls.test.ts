// What the app actually receives: the DATABASE_URL / REDIS_URL values, built from the generated
// credentials and the endpoints, as Pulumi secrets. Runs the components directly under mocks,
// because the plan redacts the Secret's contents (which is the point of it).
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Cache } from "../components/data/cache";
import { parseStackConfig, type StackConfig } from "../config";
import { Database } from "../components/data/database";
import { MOCK_SECRET_PREFIX, computedOutputs } from "../scripts/lib/mockOutputs";
import { loadStackInput } from "../scripts/lib/stackFile";

function prodConfig(edit?: (c: Record<string, any>) => void): StackConfig {
    const input = loadStackInput("prod");
    const raw: Record<string, any> = {};
    for (const [k, v] of Object.entries(input.config)) {
        if (k.startsWith("release:")) raw[k.slice("release:".length)] = structuredClone(v);
    }
    edit?.(raw);
    return parseStackConfig(raw);
}

async function reveal(o: pulumi.Output<string>): Promise<{ value: string; secret: boolean }> {
    const out = o as unknown as { promise(): Promise<string>; isSecret: Promise<boolean> };
    return { value: await out.promise(), secret: await out.isSecret };
}

describe("data tier connection URLs", () => {
    before(async () => {
        await pulumi.runtime.setMocks(
            {
                newResource: (a) => ({
                    id: `${a.name}-id`,
                    state: { ...a.inputs, ...computedOutputs(a) },
                }),
                call: (a) => a.inputs,
            },
            "release",
            "prod",
            false,
        );
    });

    it("DATABASE_URL points at the primary with the generated password, as a secret", async () => {
        const cfg = prodConfig();
        const db = new Database("t1", { config: cfg.database!, network: cfg.network! });
        const { value, secret } = await reveal(db.databaseUrl);
        assert.ok(secret, "DATABASE_URL must be a Pulumi secret");
        const url = new URL(value);
        assert.strictEqual(url.hostname, "nova-prod.c9akciq32xyz.eu-west-1.rds.amazonaws.com");
        assert.strictEqual(url.username, "nova_admin");
        assert.strictEqual(decodeURIComponent(url.password), `${MOCK_SECRET_PREFIX}t1-password`);
        assert.strictEqual(url.searchParams.get("sslmode"), "require");
        assert.strictEqual(db.replicaUrls.length, 1);
        const replica = new URL((await reveal(db.replicaUrls[0])).value);
        assert.strictEqual(replica.hostname.split(".")[0], "nova-prod-replica-1");
    });

    it("after a restore, DATABASE_URL points at the restored instance", async () => {
        const cfg = prodConfig((c) => {
            c.database.restoreFromSnapshot = "nova-prod-pre-v1-2-3";
            c.data = { writes: "stopped" };
        });
        const db = new Database("t2", { config: cfg.database!, network: cfg.network! });
        const { value, secret } = await reveal(db.databaseUrl);
        assert.ok(secret);
        assert.strictEqual(new URL(value).hostname.split(".")[0], "nova-prod-restored-pre-v1-2-3");
        assert.strictEqual(
            db.instances.length,
            4,
            "original primary + replica, restored + replica",
        );
    });

    it("REDIS_URL is rediss:// with the generated AUTH token, as a secret", async () => {
        const cfg = prodConfig();
        const cache = new Cache("t3", { config: cfg.cache!, network: cfg.network! });
        const { value, secret } = await reveal(cache.redisUrl);
        assert.ok(secret, "REDIS_URL must be a Pulumi secret");
        const url = new URL(value);
        assert.strictEqual(url.protocol, "rediss:");
        assert.strictEqual(url.hostname, "master.nova-prod.c9akci.euw1.cache.amazonaws.com");
        assert.strictEqual(decodeURIComponent(url.password), `${MOCK_SECRET_PREFIX}t3-auth-token`);
    });
});
