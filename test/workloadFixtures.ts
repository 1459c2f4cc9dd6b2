// Config edits the tests share: the root prod stack grown to every workload kind.
import { exampleStackFiles } from "../scripts/lib/examples";
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

export { EXAMPLES_DIR } from "../scripts/lib/examples";

/** Every example stack file, as a path the plan command takes. */
export const EXAMPLE_STACKS: string[] = exampleStackFiles();
