import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import { CLI, REPO_ROOT } from "../harness/server-process.js";

const execFileAsync = promisify(execFile);
type Env = Record<string, string | undefined>;

/** Our environment without any OPENSYNC_* variable, plus `extra`. */
export function cleanEnv(extra: Env = {}): NodeJS.ProcessEnv {
  const env: Env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("OPENSYNC_")) env[k] = v;
  env.OPENSYNC_LOG_LEVEL = "warn";
  return { ...env, ...extra } as NodeJS.ProcessEnv;
}

/** `opensync <args>` (built CLI) to completion; never throws on a non-zero exit. */
export async function runCli(args: string[], env: Env = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: cleanEnv(env) });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * `opensync serve <args>` with flags of our choosing (the harness passes only port and data dir):
 * resolves once it prints its address.
 */
export function serve(args: string[], env: Env = {}, timeoutMs = 20_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", ...args], { cwd: REPO_ROOT, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`serve did not start:\n${out}\n${err}`));
    }, timeoutMs);
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      const m = /OpenSync is running at (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], child, stderr: () => err, stop });
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${child.exitCode}):\n${out}\n${err}`));
    });
  });
}

/** A key for `email` on the data dir (the last stdout line of `admin create-key`). */
export async function createKey(dataDir: string, email: string): Promise<string> {
  const { stdout, stderr, code } = await runCli(["admin", "create-key", "--email", email, "--name", "e2e", "--data-dir", dataDir]);
  if (code !== 0) throw new Error(stderr);
  return stdout.trim().split("\n").pop()!.trim();
}
