// The data tier builders (decisions/dataTier.ts) without Pulumi mocks: the stage's guardrails,
// the datastore Secret's entries, the exporter's targets, the Secrets' names and the snapshot and
// migration each deployed version gets.
import { strict as assert } from "assert";
import { cacheSchema, databaseSchema } from "../config/data";
import { datastoreSecretName } from "../decisions/dataNaming";
import {
    dataTierSecretName,
    datastoreSecretData,
    exporterSources,
    migrationDeadline,
    migrationJobArgs,
    migrationSecretName,
    migrationTimeouts,
    postgresTargets,
    releaseSnapshotArgs,
    releaseSteps,
    storeGuardrails,
    type CacheEndpoints,
    type DatabaseEndpoints,
} from "../decisions/dataTier";

const database = (extra: Record<string, unknown> = {}) =>
    databaseSchema.parse({
        identifier: "shop-db",
        migration: { command: ["./migrate"] },
        ...extra,
    });
const cache = (extra: Record<string, unknown> = {}) =>
    cacheSchema.parse({ replicationGroupId: "shop-cache", ...extra });

/** Endpoints whose every value says where it came from. */
const db = (replicas: number): DatabaseEndpoints<string> => ({
    activeIdentifier: "shop-db",
    activeReplicaIdentifiers: Array.from(
        { length: replicas },
        (_, i) => `shop-db-replica-${i + 1}`,
    ),
    databaseUrl: "url",
    replicaUrls: Array.from({ length: replicas }, (_, i) => `replica-url-${i + 1}`),
    connection: {
        host: "host",
        port: "5432",
        dbName: "shop",
        username: "app",
        password: "pw",
        urlBase: "url-base",
        replicaUrlBases: Array.from({ length: replicas }, (_, i) => `replica-base-${i + 1}`),
    },
});
const redis: CacheEndpoints<string> = {
    redisUrl: "redis-url",
    connection: { host: "redis-host", port: "6379", password: "token" },
};

describe("data tier builders", () => {
    it("protects prod stores and applies their changes in the maintenance window", () => {
        assert.deepEqual(storeGuardrails(true), { protect: true, applyImmediately: false });
        assert.deepEqual(storeGuardrails(false), { protect: false, applyImmediately: true });
    });

    it("puts every form of each store's connection into the datastore Secret", () => {
        assert.deepEqual(datastoreSecretData(db(2), redis), {
            DATABASE_URL: "url",
            DATABASE_URL_BASE: "url-base",
            DATABASE_HOST: "host",
            DATABASE_PORT: "5432",
            DATABASE_NAME: "shop",
            DATABASE_USER: "app",
            DATABASE_PASSWORD: "pw",
            DATABASE_REPLICA_1_URL: "replica-url-1",
            DATABASE_REPLICA_1_URL_BASE: "replica-base-1",
            DATABASE_REPLICA_2_URL: "replica-url-2",
            DATABASE_REPLICA_2_URL_BASE: "replica-base-2",
            REDIS_URL: "redis-url",
            REDIS_HOST: "redis-host",
            REDIS_PORT: "6379",
            REDIS_PASSWORD: "token",
        });
    });

    it("holds only the stores that exist", () => {
        assert.deepEqual(Object.keys(datastoreSecretData(undefined, redis)), [
            "REDIS_URL",
            "REDIS_HOST",
            "REDIS_PORT",
            "REDIS_PASSWORD",
        ]);
        const onlyDb = datastoreSecretData(db(0), undefined);
        assert.equal(Object.keys(onlyDb).length, 7);
        assert.ok(!Object.keys(onlyDb).some((k) => k.includes("REPLICA") || k.startsWith("REDIS")));
        assert.deepEqual(datastoreSecretData(undefined, undefined), {});
    });

    it("scrapes the active primary and each replica by its own Secret key", () => {
        assert.deepEqual(postgresTargets(db(2)), [
            { name: "shop-db", role: "primary", secretKey: "DATABASE_URL" },
            { name: "shop-db-replica-1", role: "replica", secretKey: "DATABASE_REPLICA_1_URL" },
            { name: "shop-db-replica-2", role: "replica", secretKey: "DATABASE_REPLICA_2_URL" },
        ]);
    });

    it("runs an exporter per store that exists, with the store's image", () => {
        const targets = postgresTargets(db(0));
        const d = database({ exporterImage: "example.com/pg-exporter:1.0.0" });
        const c = cache({ exporterImage: "example.com/redis-exporter:1.0.0" });
        assert.deepEqual(exporterSources(d, c, targets), {
            postgres: { image: "example.com/pg-exporter:1.0.0", targets },
            redis: { image: "example.com/redis-exporter:1.0.0", secretKey: "REDIS_URL" },
        });
        assert.deepEqual(exporterSources(undefined, undefined, []), {
            postgres: undefined,
            redis: undefined,
        });
    });

    it("renames the datastore Secret on a restore or a rotation, so pods roll", () => {
        const name = (active: string | undefined, d = database(), c = cache()) =>
            dataTierSecretName("shop", active, d, c);
        assert.equal(name("shop-db"), datastoreSecretName("shop", ["shop-db", 1, "shop-cache", 1]));
        assert.match(name("shop-db"), /^shop-datastores-/);
        assert.notEqual(name("shop-db"), name("shop-db-restored-abc"));
        assert.notEqual(name("shop-db"), name("shop-db", database({ passwordRotation: 2 })));
        assert.notEqual(
            name("shop-db"),
            name("shop-db", database(), cache({ authTokenRotation: 2 })),
        );
        assert.notEqual(
            name("shop-db"),
            name("shop-db", database(), cache({ replicationGroupId: "other-cache" })),
        );
        assert.equal(
            dataTierSecretName("shop", undefined, undefined, undefined),
            datastoreSecretName("shop", ["", 0, "", 0]),
        );
    });

    it("gives the migrations a Secret whose name never changes", () => {
        assert.equal(migrationSecretName("shop"), "shop-migrations");
    });

    it("gives each deployed version a snapshot and a migration, named by version", () => {
        const d = database({
            migration: {
                command: ["./migrate", "up"],
                backoffLimit: 3,
                activeDeadlineSeconds: 600,
            },
        });
        const steps = releaseSteps(
            "shop-data",
            [
                { version: "v1.2.3", image: "example.com/shop@sha256:1" },
                { version: "v1.3.0", image: "example.com/shop@sha256:2" },
            ],
            d,
        );
        assert.deepEqual(steps, [
            {
                snapshotName: "shop-data-pre-v1-2-3",
                migrationName: "shop-data-migrate-v1-2-3",
                version: "v1.2.3",
                image: "example.com/shop@sha256:1",
                migration: {
                    command: ["./migrate", "up"],
                    backoffLimit: 3,
                    activeDeadlineSeconds: 600,
                },
            },
            {
                snapshotName: "shop-data-pre-v1-3-0",
                migrationName: "shop-data-migrate-v1-3-0",
                version: "v1.3.0",
                image: "example.com/shop@sha256:2",
                migration: {
                    command: ["./migrate", "up"],
                    backoffLimit: 3,
                    activeDeadlineSeconds: 600,
                },
            },
        ]);
        // Without a database there is nothing to snapshot or migrate.
        assert.deepEqual(releaseSteps("shop-data", [{ version: "v1", image: "i" }], undefined), []);
    });
});

describe("release snapshot builder", () => {
    it("snapshots the active primary as <db>-pre-<version>, tagged as that version's", () => {
        assert.deepEqual(releaseSnapshotArgs("i-ref", "shop-db", "v1.2.3", { team: "shop" }), {
            dbInstanceIdentifier: "i-ref",
            dbSnapshotIdentifier: "shop-db-pre-v1-2-3",
            tags: { team: "shop", "release/version": "v1.2.3", "release/kind": "pre-release" },
        });
        assert.deepEqual(releaseSnapshotArgs("i", "shop-db", "v2", undefined).tags, {
            "release/version": "v2",
            "release/kind": "pre-release",
        });
    });
});

describe("migration Job builder", () => {
    const app = {
        name: "shop",
        runAsUser: 2000,
        resources: {
            requests: { cpu: "250m", memory: "256Mi" },
            limits: { cpu: "1", memory: "512Mi" },
        },
    };
    const job = (extra: Record<string, unknown> = {}) =>
        migrationJobArgs({
            namespace: "shop-ns",
            app,
            version: "v1.2.3",
            image: "example.com/shop@sha256:1",
            command: ["./migrate", "up"],
            envFromSecrets: ["shop-migrations"],
            ...extra,
        });

    it("names the Job after the version and re-runs a failed one on the next update", () => {
        const { metadata } = job();
        assert.equal(metadata.name, "shop-migrate-v1-2-3");
        assert.equal(metadata.namespace, "shop-ns");
        assert.deepEqual(metadata.annotations, { "pulumi.com/replaceUnready": "true" });
        const labels = {
            "app.kubernetes.io/name": "shop",
            "app.kubernetes.io/component": "migration",
            "app.kubernetes.io/part-of": "shop",
            "app.kubernetes.io/managed-by": "pulumi",
            version: "v1.2.3",
        };
        assert.deepEqual(metadata.labels, labels);
        assert.deepEqual(job().spec.template.metadata, { labels });
    });

    it("tries once more by default and stops at the deadline, which Pulumi waits for", () => {
        assert.equal(job().spec.backoffLimit, 1);
        assert.equal(job({ backoffLimit: 0 }).spec.backoffLimit, 0);
        assert.equal(job().spec.activeDeadlineSeconds, 900);
        assert.equal(job({ activeDeadlineSeconds: 300 }).spec.activeDeadlineSeconds, 300);
        assert.equal(migrationDeadline({}), 900);
        assert.deepEqual(migrationTimeouts({}), { create: "960s", update: "960s" });
        assert.deepEqual(migrationTimeouts({ activeDeadlineSeconds: 300 }), {
            create: "360s",
            update: "360s",
        });
    });

    it("runs the version's image once, restricted, with the migration Secret as environment", () => {
        const pod = job().spec.template.spec;
        assert.equal(pod.restartPolicy, "Never");
        assert.equal(pod.automountServiceAccountToken, false);
        assert.equal(pod.securityContext.runAsUser, 2000);
        assert.equal(pod.securityContext.runAsNonRoot, true);
        assert.deepEqual(pod.containers, [
            {
                name: "migrate",
                image: "example.com/shop@sha256:1",
                imagePullPolicy: "IfNotPresent",
                command: ["./migrate", "up"],
                env: [{ name: "APP_VERSION", value: "v1.2.3" }],
                envFrom: [{ secretRef: { name: "shop-migrations" } }],
                resources: app.resources,
                securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                    capabilities: { drop: ["ALL"] },
                },
                volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            },
        ]);
        assert.deepEqual(pod.volumes, [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }]);
        assert.deepEqual(
            job({ envFromSecrets: undefined }).spec.template.spec.containers[0].envFrom,
            [],
        );
    });
});
