// Config edits the tests share: the root prod stack grown to every workload kind.
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
