// Pure: the pre-traffic smoke test of one deployed version, as a batch/v1 Job spec. It calls the
// configured paths on that colour's Service and fails unless each answers its expected status, so
// the router (which depends on the Job) never sends traffic to a version that cannot serve.
import type { StackConfig } from "../config";
import { bounded, slug } from "./dataNaming";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./podSecurity";

/** curl's image runs fine as nobody under the restricted profile. */
const SMOKE_UID = 65534;

export interface SmokeTestInputs {
    readonly appName: string;
    readonly namespace: string;
    readonly color: string;
    readonly version: string;
    /** The colour's ClusterIP Service (port 80). */
    readonly serviceName: string;
    /** Checks in force: release:traffic.smokeTest.checks, or the readiness path answering 200. */
    readonly checks: readonly { path: string; status: number }[];
    readonly settings: StackConfig["traffic"]["smokeTest"];
}

/** `<app>-smoke-<color>-<version>`, at most 63 characters: one immutable Job per deployed version. */
export const smokeTestJobName = (appName: string, color: string, version: string) =>
    bounded(`${appName}-smoke-${color}-`, slug(version) || "v", 63);

/** The checks to run: the configured ones, else the readiness probe's path answering 200. */
export const smokeChecks = (cfg: Pick<StackConfig, "app" | "traffic">) =>
    cfg.traffic.smokeTest.checks ?? [{ path: cfg.app.health.readiness, status: 200 }];

/** POSIX sh: each check retried until it answers its status or runs out of tries. */
export function smokeScript(base: string, s: SmokeTestInputs): string {
    const lines = [
        "set -u",
        "failed=0",
        "check() {",
        "  tries=0",
        "  while :; do",
        `    got=$(curl -s -o /dev/null -w '%{http_code}' --max-time ${s.settings.timeoutSeconds} "${base}$1" || true)`,
        '    if [ "$got" = "$2" ]; then echo "ok   $1 answered $got"; return 0; fi',
        "    tries=$((tries + 1))",
        `    if [ "$tries" -gt ${s.settings.retries} ]; then echo "FAIL $1 answered $got, expected $2"; return 1; fi`,
        "    sleep 3",
        "  done",
        "}",
        // Paths are validated as absolute HTTP paths of safe characters, so they quote as-is.
        ...s.checks.map((c) => `check '${c.path}' ${c.status} || failed=1`),
        'exit "$failed"',
    ];
    return lines.join("\n");
}

/** metadata and spec of the Job. */
export function smokeTestJob(s: SmokeTestInputs) {
    const base = `http://${s.serviceName}.${s.namespace}.svc.cluster.local`;
    const labels = {
        "app.kubernetes.io/name": s.appName,
        "app.kubernetes.io/component": "smoke-test",
        "app.kubernetes.io/part-of": s.appName,
        "app.kubernetes.io/managed-by": "pulumi",
        color: s.color,
        version: s.version,
    };
    return {
        metadata: {
            name: smokeTestJobName(s.appName, s.color, s.version),
            namespace: s.namespace,
            labels,
            // A failed smoke test is re-run by the next `pulumi up` instead of failing on the dead Job.
            annotations: { "pulumi.com/replaceUnready": "true" },
        },
        spec: {
            backoffLimit: 0,
            activeDeadlineSeconds: s.settings.activeDeadlineSeconds,
            template: {
                metadata: { labels },
                spec: {
                    restartPolicy: "Never",
                    automountServiceAccountToken: false,
                    securityContext: restrictedPodSecurity(SMOKE_UID),
                    containers: [
                        {
                            name: "smoke",
                            image: s.settings.image,
                            imagePullPolicy: "IfNotPresent",
                            command: ["/bin/sh", "-c", smokeScript(base, s)],
                            resources: {
                                requests: { cpu: "10m", memory: "16Mi" },
                                limits: { cpu: "100m", memory: "64Mi" },
                            },
                            securityContext: restrictedContainerSecurity(),
                        },
                    ],
                },
            },
        },
    };
}
