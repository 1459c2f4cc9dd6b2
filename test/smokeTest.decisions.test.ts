// The smoke test Job, built directly: the whole manifest (what Kubernetes receives), the script
// line by line, the default check, and the Job name when a version has no usable characters.
import * as assert from "assert";
import {
    smokeChecks,
    smokeScript,
    smokeTestJob,
    smokeTestJobName,
    type SmokeTestInputs,
} from "../decisions/smokeTest";

const settings = {
    image: "docker.io/curlimages/curl:8.11.1",
    timeoutSeconds: 10,
    retries: 5,
    activeDeadlineSeconds: 300,
} as SmokeTestInputs["settings"];
const inputs: SmokeTestInputs = {
    appName: "nova-api",
    namespace: "nova",
    color: "green",
    version: "v2",
    serviceName: "nova-api-green",
    checks: [
        { path: "/healthz", status: 200 },
        { path: "/admin", status: 401 },
    ],
    settings,
};
const SCRIPT = [
    "set -u",
    "failed=0",
    "check() {",
    "  tries=0",
    "  while :; do",
    `    got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://svc$1" || true)`,
    '    if [ "$got" = "$2" ]; then echo "ok   $1 answered $got"; return 0; fi',
    "    tries=$((tries + 1))",
    '    if [ "$tries" -gt 5 ]; then echo "FAIL $1 answered $got, expected $2"; return 1; fi',
    "    sleep 3",
    "  done",
    "}",
    "check '/healthz' 200 || failed=1",
    "check '/admin' 401 || failed=1",
    'exit "$failed"',
].join("\n");

describe("smoke test decisions", () => {
    it("the script retries each check, then fails the Job on any check that never answered", () => {
        assert.strictEqual(smokeScript("http://svc", inputs), SCRIPT);
    });

    it("the whole Job: one immutable, re-runnable, restricted pod calling the colour's Service", () => {
        const labels = {
            "app.kubernetes.io/name": "nova-api",
            "app.kubernetes.io/component": "smoke-test",
            "app.kubernetes.io/part-of": "nova-api",
            "app.kubernetes.io/managed-by": "pulumi",
            color: "green",
            version: "v2",
        };
        assert.deepStrictEqual(smokeTestJob(inputs), {
            metadata: {
                name: "nova-api-smoke-green-v2",
                namespace: "nova",
                labels,
                annotations: { "pulumi.com/replaceUnready": "true" },
            },
            spec: {
                backoffLimit: 0,
                activeDeadlineSeconds: 300,
                template: {
                    metadata: { labels },
                    spec: {
                        restartPolicy: "Never",
                        automountServiceAccountToken: false,
                        securityContext: {
                            runAsNonRoot: true,
                            runAsUser: 65534,
                            runAsGroup: 65534,
                            fsGroup: 65534,
                            seccompProfile: { type: "RuntimeDefault" },
                        },
                        containers: [
                            {
                                name: "smoke",
                                image: "docker.io/curlimages/curl:8.11.1",
                                imagePullPolicy: "IfNotPresent",
                                command: [
                                    "/bin/sh",
                                    "-c",
                                    smokeScript(
                                        "http://nova-api-green.nova.svc.cluster.local",
                                        inputs,
                                    ),
                                ],
                                resources: {
                                    requests: { cpu: "10m", memory: "16Mi" },
                                    limits: { cpu: "100m", memory: "64Mi" },
                                },
                                securityContext: {
                                    allowPrivilegeEscalation: false,
                                    readOnlyRootFilesystem: true,
                                    runAsNonRoot: true,
                                    capabilities: { drop: ["ALL"] },
                                },
                            },
                        ],
                    },
                },
            },
        });
    });

    it("checks the readiness path for 200 unless checks are configured", () => {
        const cfg = (checks?: { path: string; status: number }[]) =>
            ({
                app: { health: { readiness: "/ready" } },
                traffic: { smokeTest: { ...settings, checks } },
            }) as unknown as Parameters<typeof smokeChecks>[0];
        assert.deepStrictEqual(smokeChecks(cfg()), [{ path: "/ready", status: 200 }]);
        assert.deepStrictEqual(smokeChecks(cfg([{ path: "/x", status: 204 }])), [
            { path: "/x", status: 204 },
        ]);
    });

    it("names the Job after app, colour and version; a version with nothing usable becomes v", () => {
        assert.strictEqual(
            smokeTestJobName("nova-api", "green", "1.4.2"),
            "nova-api-smoke-green-1-4-2",
        );
        assert.strictEqual(smokeTestJobName("nova-api", "green", "..."), "nova-api-smoke-green-v");
    });
});
