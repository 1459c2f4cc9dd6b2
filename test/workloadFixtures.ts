// Config edits the tests share: the root prod stack grown to every workload kind.
import * as fs from "fs";
import * as path from "path";
import type { ConfigEdit } from "./helpers";

/** Nova's API plus an RTMP ingest, a queue worker, a nightly cron and an admin web frontend. */
export const ALL_KINDS: ConfigEdit = (c) => {
    c.workloads.admin = {
        kind: "web",
        repository: "registry.example.com/nova/admin",
        pathPrefix: "/admin",
        port: 3000,
    };
    c.workloads.rtmp = {
        kind: "tcp",
        image: "registry.example.com/nova/nginx-rtmp:1.25.3",
        port: 1935,
    };
    c.workloads.worker = {
        kind: "worker",
        command: ["./user-service", "worker"],
        autoscaling: { baselineReplicas: 4 },
    };
    c.workloads.cleanup = {
        kind: "cron",
        schedule: "0 3 * * *",
        command: ["./user-service", "cleanup"],
    };
};

export const EXAMPLES_DIR = path.join(__dirname, "..", "examples");

/** Every example stack file, as a path the plan command takes. */
export const EXAMPLE_STACKS: string[] = fs
    .readdirSync(EXAMPLES_DIR)
    .sort()
    .flatMap((system) =>
        fs
            .readdirSync(path.join(EXAMPLES_DIR, system))
            .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
            .map((f) => path.join("examples", system, f)),
    );
