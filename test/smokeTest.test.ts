import * as assert from "assert";
import { smokeScript, smokeTestJobName } from "../decisions/smokeTest";
import { byType, inputs, planStack } from "./helpers";

const JOB = "kubernetes:batch/v1:Job";
const smokeJobs = (plan: Awaited<ReturnType<typeof planStack>>) =>
    byType(plan, JOB).filter(
        (j) => inputs(j).metadata.labels["app.kubernetes.io/component"] === "smoke-test",
    );

describe("pre-traffic smoke test", () => {
    it("runs one Job per deployed version against that colour's Service, before the router", async () => {
        const plan = await planStack("prod");
        const jobs = smokeJobs(plan);
        assert.deepStrictEqual(jobs.map((j) => inputs(j).metadata.name).sort(), [
            "nova-api-smoke-blue-v1-2-3",
            "nova-api-smoke-green-v1-2-4",
        ]);
        const green = inputs(jobs.find((j) => j.name === "nova-api-green-smoke-v1-2-4-job")!);
        const script: string = green.spec.template.spec.containers[0].command[2];
        assert.match(script, /"http:\/\/nova-api-green\.nova-prod\.svc\.cluster\.local\$1"/);
        assert.match(script, /^check '\/health\/ready' 200 \|\| failed=1$/m);
        // The router waits for both smoke tests, like it waits for the migration Job.
        const route = plan.resources.find((r) => r.type.endsWith(":HTTPRoute"))!;
        for (const j of jobs)
            assert.ok(route.options.dependsOn.includes(`${JOB}::${j.name}`), j.name);
        // And each smoke test waits for its colour's Deployment and the migration.
        const greenJob = jobs.find((j) => j.name === "nova-api-green-smoke-v1-2-4-job")!;
        assert.ok(
            greenJob.options.dependsOn.includes(
                "kubernetes:apps/v1:Deployment::nova-api-green-deployment",
            ),
        );
        assert.ok(
            greenJob.options.dependsOn.some((d) => /Job::.*migrat/.test(d)),
            JSON.stringify(greenJob.options.dependsOn),
        );
    });

    it("pins its image and runs under the restricted pod security profile", async () => {
        for (const j of smokeJobs(await planStack("prod"))) {
            const pod = inputs(j).spec.template.spec;
            const c = pod.containers[0];
            assert.match(c.image, /^docker\.io\/curlimages\/curl:\d+\.\d+\.\d+$/);
            assert.deepStrictEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
            assert.strictEqual(pod.securityContext.runAsNonRoot, true);
            assert.strictEqual(pod.automountServiceAccountToken, false);
            assert.deepStrictEqual(c.securityContext.capabilities, { drop: ["ALL"] });
            assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false);
            assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
            assert.ok(c.resources.limits.cpu && c.resources.limits.memory);
        }
    });

    it("runs the configured checks and skips a colour scaled to zero", async () => {
        const plan = await planStack("prod", (c) => {
            c.traffic.smokeTest = {
                checks: [
                    { path: "/health/ready", status: 200 },
                    { path: "/api/v1/version", status: 204 },
                ],
                retries: 2,
            };
            c.traffic.canaryWeight = 0;
            c.traffic.idleReplicas = 0;
        });
        const jobs = smokeJobs(plan);
        assert.deepStrictEqual(
            jobs.map((j) => j.name),
            ["nova-api-blue-smoke-v1-2-3-job"],
        );
        const script: string = inputs(jobs[0]).spec.template.spec.containers[0].command[2];
        assert.match(script, /^check '\/api\/v1\/version' 204 \|\| failed=1$/m);
        assert.match(script, /-gt 2 \]/);
    });

    it("refuses an unpinned image or a bad check at plan time", async () => {
        const { configProblems } = await import("./helpers");
        const problems = await configProblems("prod", (c) => {
            c.traffic.smokeTest = {
                image: "curlimages/curl:latest",
                checks: [{ path: "health", status: 99 }],
            };
        });
        assert.ok(
            problems.includes(
                'release:traffic.smokeTest.image must be pinned: the tag "latest" is mutable (got "curlimages/curl:latest")',
            ),
            problems.join("\n"),
        );
        assert.ok(
            problems.includes(
                'release:traffic.smokeTest.checks[0].path must be an absolute HTTP path (got "health")',
            ),
            problems.join("\n"),
        );
        assert.ok(
            problems.includes(
                "release:traffic.smokeTest.checks[0].status must be an integer 100–599 (got 99)",
            ),
            problems.join("\n"),
        );
    });

    it("keeps Job names within 63 characters and distinct per version", () => {
        const long = "v".repeat(80);
        const a = smokeTestJobName("nova-api", "green", `${long}1`);
        const b = smokeTestJobName("nova-api", "green", `${long}2`);
        assert.ok(a.length <= 63 && b.length <= 63);
        assert.notStrictEqual(a, b);
    });

    it("fails the Job when a check never answers its status", async function () {
        // Run the generated script with a fake curl that always answers 503.
        const { spawnSync } = await import("child_process");
        const fs = await import("fs");
        const os = await import("os");
        const path = await import("path");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "smoke-"));
        try {
            fs.writeFileSync(path.join(dir, "curl"), "#!/bin/sh\necho 503\n", { mode: 0o755 });
            fs.writeFileSync(path.join(dir, "sleep"), "#!/bin/sh\n", { mode: 0o755 });
            const script = smokeScript("http://svc", {
                appName: "a",
                namespace: "n",
                color: "green",
                version: "v1",
                serviceName: "a-green",
                checks: [{ path: "/ready", status: 200 }],
                settings: {
                    image: "x:1",
                    timeoutSeconds: 1,
                    retries: 1,
                    activeDeadlineSeconds: 60,
                },
            });
            const run = spawnSync("/bin/sh", ["-c", script], {
                env: { PATH: `${dir}:/usr/bin:/bin` },
                encoding: "utf8",
            });
            assert.strictEqual(run.status, 1);
            assert.match(run.stdout, /FAIL \/ready answered 503, expected 200/);
            fs.writeFileSync(path.join(dir, "curl"), "#!/bin/sh\necho 200\n", { mode: 0o755 });
            const ok = spawnSync("/bin/sh", ["-c", script], {
                env: { PATH: `${dir}:/usr/bin:/bin` },
                encoding: "utf8",
            });
            assert.strictEqual(ok.status, 0, ok.stdout);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
