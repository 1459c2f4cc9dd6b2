// A throwaway Prometheus server on 127.0.0.1 for tests and the bench: backfill series with
// `promtool tsdb create-blocks-from openmetrics`, start `prometheus` on a free port, wait until it
// is ready, and stop it by its PID (also when the process exits early).
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

export interface LocalPrometheus {
    readonly url: string;
    readonly pid: number;
    stop(): Promise<void>;
}

export const hasPrometheus = () =>
    ["prometheus", "promtool"].every(
        (bin) => spawnSync(bin, ["--version"], { stdio: "ignore" }).status === 0,
    );

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const { port } = srv.address() as net.AddressInfo;
            srv.close(() => resolve(port));
        });
    });
}

const running = new Set<ChildProcess>();
const killAll = () => {
    for (const child of running) {
        try {
            if (child.pid && child.exitCode === null) process.kill(child.pid, "SIGKILL");
        } catch {
            // already gone
        }
    }
    running.clear();
};
// A test run that dies, is interrupted or forgets stop must not leave a server behind.
process.once("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
        killAll();
        // Keep the default action (exit) unless someone else (mocha) handles the signal.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) {
            throw new Error(
                `prometheus exited with ${child.exitCode} before it was ready:\n${log()}`,
            );
        }
        try {
            const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
            if (res.ok) return;
        } catch {
            // not listening yet
        }
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`prometheus at ${url} was not ready within 30 s:\n${log()}`);
}

/** Backfills `openMetrics` (text ending in "# EOF") and starts a server over it. */
export async function startLocalPrometheus(openMetrics: string): Promise<LocalPrometheus> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-prometheus-"));
    const data = path.join(dir, "data");
    const input = path.join(dir, "series.om");
    fs.writeFileSync(input, openMetrics);
    const backfill = spawnSync(
        "promtool",
        ["tsdb", "create-blocks-from", "openmetrics", input, data],
        { encoding: "utf8" },
    );
    if (backfill.status !== 0) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw new Error(`promtool backfill failed:\n${backfill.stderr || backfill.stdout}`);
    }
    const config = path.join(dir, "prometheus.yml");
    fs.writeFileSync(config, "global:\n  evaluation_interval: 1m\n");
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let stderr = "";
    const child = spawn(
        "prometheus",
        [
            `--config.file=${config}`,
            `--storage.tsdb.path=${data}`,
            `--web.listen-address=127.0.0.1:${port}`,
            "--storage.tsdb.retention.time=30d",
            "--log.level=warn",
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
    );
    child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    running.add(child);
    const pid = child.pid;
    const stop = async () => {
        if (child.exitCode === null && child.signalCode === null && pid) {
            const exited = new Promise((r) => child.once("exit", r));
            process.kill(pid, "SIGTERM");
            const timer = setTimeout(
                () => child.exitCode === null && process.kill(pid, "SIGKILL"),
                5000,
            );
            await exited;
            clearTimeout(timer);
        }
        running.delete(child);
        fs.rmSync(dir, { recursive: true, force: true });
    };
    try {
        if (!pid) throw new Error("prometheus did not start (is it on PATH?)");
        await waitReady(url, child, () => stderr);
    } catch (e) {
        await stop();
        throw e;
    }
    return { url, pid, stop };
}
