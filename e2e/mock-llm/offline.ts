import { spawnSync } from "node:child_process";
import { createConnection, createServer, type Server } from "node:net";
import { join } from "node:path";

/**
 * Runs an agent with no network but loopback (REAL-AGENTS.md): inside a fresh network namespace
 * (`unshare -n`, or `unshare -rn` where only user namespaces are allowed), where the mock LLM is
 * reached at the same 127.0.0.1 port through a forwarder to a Unix socket in the test process.
 * Where no namespace can be made, the agent runs as it is, against the mock on 127.0.0.1.
 */

/** Inside the namespace: listen on 127.0.0.1:PORT, pipe each connection to SOCKET, run the agent, exit with its code. */
const FORWARDER = `
const net = require("node:net"); const { spawn } = require("node:child_process");
const [port, socket, cmd, ...args] = process.argv.slice(1);
const server = net.createServer((c) => { const u = net.connect(socket); c.pipe(u).pipe(c); c.on("error", () => u.destroy()); u.on("error", () => c.destroy()); });
server.listen(Number(port), "127.0.0.1", () => {
  const child = spawn(cmd, args, { stdio: "inherit" });
  child.on("exit", (code, signal) => { server.close(); process.exit(code ?? (signal ? 1 : 0)); });
  for (const s of ["SIGTERM", "SIGINT"]) process.on(s, () => child.kill(s));
});`;

let namespaceFlags: string[] | null | undefined;

/** `unshare` flags that make a network namespace here, or null when none can be made. */
export function networkNamespaceFlags(): string[] | null {
  if (namespaceFlags !== undefined) return namespaceFlags;
  namespaceFlags = null;
  for (const flags of [["-n"], ["-r", "-n"]]) {
    if (spawnSync("unshare", [...flags, "ip", "link", "set", "lo", "up"], { stdio: "ignore" }).status === 0) {
      namespaceFlags = flags;
      break;
    }
  }
  return namespaceFlags;
}

export interface OfflineCommand {
  cmd: string;
  args: string[];
  /** Call once the agent has exited. */
  close(): Promise<void>;
}

/**
 * The command line that runs `cmd args` offline against the mock at `mockUrl`; `dir` holds the
 * Unix socket. Spawn it with the agent's env and cwd (e.g. through e2e/agents/support.ts `runAs`).
 */
export async function offlineCommand(mockUrl: string, dir: string, cmd: string, args: string[]): Promise<OfflineCommand> {
  const flags = networkNamespaceFlags();
  if (!flags) return { cmd, args, close: async () => {} };
  const { port } = new URL(mockUrl);
  const socket = join(dir, "mock-llm.sock");
  const bridge: Server = createServer((c) => {
    const upstream = createConnection(Number(port), "127.0.0.1");
    c.pipe(upstream).pipe(c);
    c.on("error", () => upstream.destroy());
    upstream.on("error", () => c.destroy());
  });
  await new Promise<void>((resolve) => bridge.listen(socket, resolve));
  const script = `ip link set lo up && exec "${process.execPath}" -e "$0" "$@"`;
  return {
    cmd: "unshare",
    args: [...flags, "sh", "-c", script, FORWARDER, port, socket, cmd, ...args],
    close: () => new Promise((resolve) => bridge.close(() => resolve())),
  };
}
