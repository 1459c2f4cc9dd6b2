// Which stack-file settings count as plaintext credentials: names of env vars and of appSecrets
// keys are not credentials; the same key names elsewhere still are.
import * as assert from "assert";
import { plaintextCredentials } from "../config/credentials";

const paths = (settings: Record<string, unknown>) =>
    plaintextCredentials(settings).map((c) => c.path.join("."));

describe("plaintext credentials in a stack file", () => {
    it("accepts env var names in a workload's data contract and its list of appSecrets keys", () => {
        const settings = {
            app: { data: { redis: { password: "REDIS_PASSWORD" } }, envNames: { port: "PORT" } },
            workloads: {
                api: {
                    secretKeys: ["JWT_SECRET", "STRIPE_API_KEY"],
                    data: { database: { password: "DB_PASSWORD" }, redis: { password: "RP" } },
                },
            },
        };
        assert.deepStrictEqual(paths(settings), []);
    });

    it("still refuses a credential-named value outside those name lists", () => {
        const settings = {
            workloads: { api: { password: "hunter2-hunter2" } },
            app: { password: "hunter2-hunter2" },
            database: { data: { redis: { password: "hunter2-hunter2" } } },
        };
        assert.deepStrictEqual(paths(settings), [
            "workloads.api.password",
            "app.password",
            "database.data.redis.password",
        ]);
    });
});
