// Stack files written the way a careless engineer or a hostile PR would write them, run through
// `npm run plan` as a user would. Every invalid case must exit 1 with a message naming the key, the
// value and the rule (and inventing no key); every form `pulumi config set` writes must plan.
// Cases share a CLI run where they touch different keys (each run costs a process start).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { runPlanCli } from "./helpers";

type Config = Record<string, any>;
type Case = { name: string; edit: (c: Config) => void; expect: string | RegExp };

const REPO = path.resolve(__dirname, "..");
const prodConfig = (): Config =>
    parse(fs.readFileSync(path.join(REPO, "Pulumi.prod.yaml"), "utf8")).config;

const digest = "0123456789abcdef".repeat(4);

/** Values the API server or AWS would refuse halfway through `pulumi up`. */
const CONFIG_CASES: Case[] = [
    // Image references: the whole grammar, not only the tag.
    {
        name: "repository with upper case",
        edit: (c) => (c["release:database"].exporterImage = "quay.io/Prometheus/exporter:v1"),
        expect: 'release:database.exporterImage must have a lowercase repository path (registry host aside) (got "quay.io/Prometheus/exporter:v1")',
    },
    {
        name: "command substitution in the repository",
        edit: (c) => (c["release:workloads"].api.image = "registry.example.com/$(id)/api:v1.2.4"),
        expect: /^release:workloads\.api\.image must be an image reference \[registry\[:port\]\/\]repository\[:tag\]\[@algorithm:hex\] .*\(got "registry\.example\.com\/\$\(id\)\/api:v1\.2\.4"\)$/,
    },
    {
        name: "short digest",
        edit: (c) => (c["release:cache"].exporterImage = "quay.io/x/exporter@sha256:abc"),
        expect: 'release:cache.exporterImage must use a digest of the form @sha256:<64 hex characters> (got "quay.io/x/exporter@sha256:abc")',
    },
    {
        name: "a tag that is no label value (it becomes the version label)",
        edit: (c) => (c["release:colors"].blue.version = "v1.2.4-"),
        expect: "release:colors.blue.version must be an image tag that is also a label value (1–63 letters, digits, '.', '_', '-') (got \"v1.2.4-\")",
    },
    // Derived names and label values.
    {
        name: "app name starting with a digit (Service names are RFC 1035)",
        edit: (c) => (c["release:app"].name = "9nova"),
        expect: 'release:app.name must be a lowercase DNS label of at most 40 characters starting with a letter (got "9nova")',
    },
    {
        name: "requests above limits",
        edit: (c) => {
            c["release:app"].resources.requests.cpu = "2";
            c["release:app"].resources.limits.cpu = "1";
        },
        expect: 'release:app.resources.requests.cpu must be ≤ release:app.resources.limits.cpu (1) (got "2")',
    },
    // AWS identifiers and timestamps.
    {
        name: "RDS identifier with upper case",
        edit: (c) => (c["release:database"].identifier = "Nova-Prod"),
        expect: 'release:database.identifier must be 1–63 lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen (got "Nova-Prod")',
    },
    {
        name: "impossible restore time",
        edit: (c) => (c["release:database"].restoreToTime = "2026-13-45T99:99:00Z"),
        expect: 'release:database.restoreToTime must be a real date and time (month 01–12, a day that month has, 00:00–23:59:59) (got "2026-13-45T99:99:00Z")',
    },
    {
        name: "ElastiCache id with upper case",
        edit: (c) => (c["release:cache"].replicationGroupId = "Nova-Prod"),
        expect: 'release:cache.replicationGroupId must be 1–40 lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen (got "Nova-Prod")',
    },
    // Messages.
    {
        name: "a section set to null",
        edit: (c) => (c["release:router"] = null),
        expect: "release:router must be a mapping of settings (got null)",
    },
    {
        name: "a missing section",
        edit: (c) => delete c["release:traffic"],
        expect: "release:traffic is required: it must be a mapping of settings",
    },
    {
        name: "a Cyrillic look-alike in a key",
        edit: (c) => (c["release:autoscaling"]["minReplicaѕ"] = 3),
        expect: "release:autoscaling.minReplica\\u0455 must not be set: it is not a known setting (check the spelling)",
    },
    {
        name: "an env name with a hyphen",
        edit: (c) => (c["release:app"].env["MY-VAR"] = "1"),
        expect: 'release:app.env.MY-VAR must have a valid name: the name must be an environment variable name (got "MY-VAR")',
    },
    {
        name: "a flat dotted key",
        edit: (c) => (c["release:traffic.canaryWeight"] = 50),
        expect: "release:traffic.canaryWeight must be nested, not a flat dotted key: put canaryWeight under release:traffic (pulumi config set --path traffic.canaryWeight <value>)",
    },
];

/** Cross-field rules run once every value parses, so they get a run of their own. */
const CROSS_FIELD_CASES: Case[] = [
    {
        name: "a restore while the colours still serve writes to the old database",
        edit: (c) => (c["release:database"].restoreFromSnapshot = "nova-prod-pre-v1-2-3"),
        expect: /^release:data\.writes must be stopped while release:database\.restoreFromSnapshot moves the app to nova-prod-restored-pre-v1-2-3: stop writes in their own pulumi up first .* \(got "serving"\)$/,
    },
];

/** Refused before the config is parsed: the file itself is wrong. */
const FILE_CASES: Case[] = [
    {
        name: "a typo in the config namespace",
        edit: (c) => (c["relase:traffic"] = { stable: "green" }),
        expect: "relase:traffic must use a known config namespace (release:, aws:, kubernetes:, pulumi:): nothing reads relase: (did you mean release:traffic?)",
    },
    {
        name: "an infinite weight",
        edit: (c) => (c["release:traffic"].canaryWeight = Infinity),
        expect: "release:traffic.canaryWeight must be a finite number (got .inf)",
    },
    {
        name: "an app secret in plain text",
        edit: (c) => (c["release:appSecrets"] = { JWT_SECRET: "hunter2-hunter2" }),
        expect: "release:appSecrets.JWT_SECRET must be a secret (secure:), not plain text in the stack file, because every value of release:appSecrets is a credential; store it with: pulumi config set --stack cli-file --secret --path 'appSecrets.JWT_SECRET' '<value>' (got a plaintext value)",
    },
    {
        name: "a webhook URL in plain text",
        edit: (c) =>
            (c["release:monitoring"].slackWebhookUrl = "https://hooks.slack.com/services/T0/B0/x"),
        expect: /^release:monitoring\.slackWebhookUrl must be a secret \(secure:\), .* pulumi config set --stack cli-file --secret --path 'monitoring\.slackWebhookUrl' '<value>' \(got a plaintext value\)$/,
    },
];

/** What `pulumi config set` (with and without --path / --secret) writes: all of it must plan. */
const VALID_EDITS: [string, (c: Config) => void][] = [
    ["--path integer for a version", (c) => (c["release:database"].engineVersion = 17)],
    [
        "--path integer and boolean env values",
        (c) => {
            c["release:app"].env.WORKERS = 4;
            c["release:app"].env.FEATURE_X = true;
        },
    ],
    ["secure: database user name", (c) => (c["release:database"].username = { secure: "v1:AAAA" })],
    [
        "secure: app secret",
        (c) => (c["release:appSecrets"] = { JWT_SECRET: { secure: "v1:BBBB" } }),
    ],
    [
        "a digest-pinned image with a tag",
        (c) =>
            (c["release:workloads"].api.image =
                `registry.example.com/nova/user-service:v1.2.4@sha256:${digest}`),
    ],
    [
        "a registry with a port",
        (c) => (c["release:app"].repository = "registry.example.com:5000/nova/user-service"),
    ],
    [
        "a one-letter ElastiCache id (AWS allows 1–40)",
        (c) => (c["release:cache"].replicationGroupId = "n"),
    ],
    ["fractional quantities", (c) => (c["release:app"].resources.limits.memory = "0.5Gi")],
    [
        "a restore with writes stopped (release:data.writes as pulumi config set --path writes it)",
        (c) => {
            c["release:data"] = { writes: "stopped" };
            c["release:database"].restoreToTime = "2026-11-22T03:15:00Z";
        },
    ],
];

describe("stack files a user could write (plan CLI)", function () {
    let dir: string;
    before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "safety-cli-"))));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    async function run(config: unknown, doc?: unknown) {
        const file = path.join(dir, "Pulumi.cli-file.yaml");
        fs.writeFileSync(file, stringify(doc ?? { config }));
        return runPlanCli([file, "--out", path.join(dir, "out")]);
    }

    async function expectRefused(cases: Case[]) {
        const config = prodConfig();
        for (const c of cases) c.edit(config);
        const res = await run(config);
        assert.strictEqual(res.status, 1, res.stdout + res.stderr);
        assert.doesNotMatch(res.stderr, /\n\s+at /, "no stack trace");
        const lines = res.stderr.split("\n").map((l) => l.replace(/^\s+- /, ""));
        for (const c of cases) {
            const hit = lines.some((l) =>
                typeof c.expect === "string" ? l === c.expect : c.expect.test(l),
            );
            assert.ok(hit, `${c.name}: expected ${String(c.expect)}\ngot:\n${res.stderr}`);
        }
        // No message invents a key: every key named is one the file has (or a known setting).
        assert.doesNotMatch(res.stderr, /release:\d/);
        return res;
    }

    it(`refuses ${CONFIG_CASES.length} config values the API server or AWS would refuse`, async () => {
        await expectRefused(CONFIG_CASES);
    });

    it(`refuses ${CROSS_FIELD_CASES.length} unsafe combinations of valid values`, async () => {
        await expectRefused(CROSS_FIELD_CASES);
    });

    it(`refuses ${FILE_CASES.length} stack-file problems before planning`, async () => {
        await expectRefused(FILE_CASES);
    });

    for (const [what, doc, expect] of [
        [
            "config is a list",
            { config: ["release:stage", "prod", "x", "y"] },
            "Pulumi.cli-file.yaml config must be a mapping of keys such as release:stage (got a list)",
        ],
        [
            "the file is a scalar",
            "release:stage: prod",
            'Pulumi.cli-file.yaml must be a YAML mapping with a config: key (got the string "release:stage: prod")',
        ],
    ] as const) {
        it(`refuses a file when ${what}, without inventing keys`, async () => {
            const res = await run(undefined, doc);
            assert.strictEqual(res.status, 1, res.stdout + res.stderr);
            assert.strictEqual(res.stderr.trim(), expect);
        });
    }

    it(`plans every form pulumi config set writes (${VALID_EDITS.length} at once)`, async () => {
        const config = prodConfig();
        for (const [, edit] of VALID_EDITS) edit(config);
        const res = await run(config);
        assert.strictEqual(res.status, 0, res.stdout + res.stderr);
        assert.match(res.stdout, /no violations/);
        // The restore and the stopped writes are said in the plan summary.
        assert.match(res.stdout, /^ {2}NOTICE writes stopped \(release:data\.writes\)/m);
        assert.match(
            res.stdout,
            /^ {2}DANGER restore: the app's database is nova-prod-pitr-20261122-0315, restored from 2026-11-22T03:15:00Z; the original instance stays, protected and unchanged/m,
        );
    });
});
