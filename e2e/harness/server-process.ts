import { spawn, execFile, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { OpenSyncClient } from "@opensync/protocol";

/**
 * The real `opensync serve` as a child process on a fresh temp data dir, for black-box tests.
 * It runs the built CLI (`packages/cli/dist`): `npm test` builds first; alone, run
 * `npx tsc -b packages/cli` before `npx vitest run e2e/server`.
 */

const execFileAsync = promisify(execFile);
export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
export const CLI = join(REPO_ROOT, "packages/cli/bin/opensync.js");
const READY_LINE = /OpenSync is running at (\S+)/;
const CLAIM_LINE = /(\S+\/claim\?token=(\S+))/;

type Env = Record<string, string | undefined>;

export interface StartOptions {
  /**
   * Extra environment for the server (merged over a copy of ours without any OPENSYNC_* variable,
   * plus `OPENSYNC_EMBEDDINGS=off` unless given here).
   */
  env?: Env;
  /** Reuse a data dir (default: a new temp dir, removed by `cleanup()`). */
  dataDir?: string;
  /** Default 0: the OS picks a free port and the server prints it. */
  port?: number;
  readyTimeoutMs?: number;
}

export interface ExitInfo { code: number | null; signal: NodeJS.Signals | null }

export interface RequestInit2 {
  method?: string;
  key?: string;
  headers?: Record<string, string>;
  /** A string or bytes is sent as is; anything else is JSON-encoded with `content-type: application/json`. */
  body?: unknown;
}

/** Newest mtime of the files under `dir` whose names pass `keep`. */
function newest(dir: string, keep: (name: string) => boolean): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    // `parentPath` is Node >= 20.12; `path` is its older name.
    const parent = entry.parentPath ?? (entry as unknown as { path: string }).path;
    if (entry.isFile() && keep(entry.name)) latest = Math.max(latest, statSync(join(parent, entry.name)).mtimeMs);
  }
  return latest;
}

let staleChecked = false;
/** The server runs the built dist: say so loudly when a source is newer than its build. */
function warnIfStale(): void {
  if (staleChecked) return;
  staleChecked = true;
  for (const pkg of ["protocol", "server", "cli"]) {
    const root = join(REPO_ROOT, "packages", pkg);
    const src = newest(join(root, "src"), (n) => n.endsWith(".ts") && !n.endsWith(".test.ts"));
    // tsc -b leaves unchanged outputs alone but always rewrites its build info.
    const info = join(root, "tsconfig.tsbuildinfo");
    const dist = existsSync(info) ? statSync(info).mtimeMs : 0;
    if (src > dist) process.stderr.write(`\n[e2e] packages/${pkg}/src is newer than its dist: run \`npx tsc -b packages/cli\` or these tests run old code\n\n`);
  }
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

function childEnv(overrides: Env): Env {
  const env: Env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("OPENSYNC_")) env[k] = v;
  env.OPENSYNC_LOG_LEVEL = "warn";
  // No test server reaches for the model hub unless its test asks for embeddings.
  env.OPENSYNC_EMBEDDINGS = "off";
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export class ServerProcess {
  url = "";
  port = 0;
  /** The one-time claim link the server printed (only while no user exists), and its token. */
  claimUrl: string | null = null;
  claimToken: string | null = null;
  stdout = "";
  stderr = "";
  private child: ChildProcess | undefined;
  private exited: Promise<ExitInfo> | undefined;

  private constructor(
    readonly dataDir: string,
    readonly env: Env,
    private readonly ownsDataDir: boolean,
  ) {}

  static async start(options: StartOptions = {}): Promise<ServerProcess> {
    if (!existsSync(join(REPO_ROOT, "packages/cli/dist/main.js"))) {
      throw new Error("packages/cli/dist is missing: run `npx tsc -b packages/cli` (npm test does it) before the e2e tests");
    }
    warnIfStale();
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "opensync-e2e-")));
    const server = new ServerProcess(dataDir, childEnv(options.env ?? {}), options.dataDir === undefined);
    await server.launch(options.port ?? 0, options.readyTimeoutMs ?? 20_000);
    return server;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private launch(port: number, timeoutMs: number): Promise<void> {
    this.claimUrl = this.claimToken = null;
    const child = spawn(process.execPath, [CLI, "serve", "--port", String(port), "--data-dir", this.dataDir], {
      cwd: REPO_ROOT,
      env: this.env as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    live.add(child);
    this.exited = new Promise<ExitInfo>((done) =>
      child.once("exit", (code, signal) => {
        live.delete(child);
        done({ code, signal });
      }),
    );
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (this.stderr += d));
    return new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`server did not start within ${timeoutMs} ms\n${this.stdout}\n${this.stderr}`)), timeoutMs);
      let pending = "";
      child.stdout!.setEncoding("utf8").on("data", (d: string) => {
        this.stdout += d;
        pending += d;
        const lines = pending.split("\n");
        pending = lines.pop()!;
        for (const line of lines) {
          const claim = CLAIM_LINE.exec(line);
          if (claim) {
            this.claimUrl = claim[1];
            this.claimToken = claim[2];
          }
          const started = READY_LINE.exec(line);
          if (started) {
            this.url = started[1];
            this.port = Number(new URL(this.url).port);
            clearTimeout(timer);
            ready();
          }
        }
      });
      void this.exited!.then((info) => {
        clearTimeout(timer);
        fail(new Error(`server exited before it was ready (${JSON.stringify(info)})\n${this.stdout}\n${this.stderr}`));
      });
    });
  }

  private cli(args: string[]): Promise<{ stdout: string; stderr: string }> {
    return execFileAsync(process.execPath, [CLI, ...args, "--data-dir", this.dataDir], {
      cwd: REPO_ROOT,
      env: this.env as NodeJS.ProcessEnv,
    });
  }

  /** `opensync admin create-key` on this server's data dir; the key is the last stdout line. */
  async createKey(email: string, name = "e2e"): Promise<string> {
    const { stdout } = await this.cli(["admin", "create-key", "--email", email, "--name", name]);
    const key = stdout.trim().split("\n").pop()!.trim();
    if (!key.startsWith("osk_")) throw new Error(`create-key printed no key: ${stdout}`);
    return key;
  }

  async createUser(email: string, password?: string): Promise<void> {
    await this.cli(["admin", "create-user", "--email", email, ...(password ? ["--password", password] : [])]);
  }

  client(key?: string, headers?: Record<string, string>): OpenSyncClient {
    return new OpenSyncClient({ baseUrl: this.url, apiKey: key, headers });
  }

  /** A plain HTTP call (for what the typed client deliberately cannot send). */
  request(path: string, init: RequestInit2 = {}): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.key) headers.authorization = `Bearer ${init.key}`;
    let body: BodyInit | undefined;
    if (typeof init.body === "string" || init.body instanceof Uint8Array) body = init.body as BodyInit;
    else if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers["content-type"] ??= "application/json";
    }
    return fetch(this.url + path, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, body });
  }

  /** SIGTERM (graceful shutdown) and wait for the exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<ExitInfo> {
    if (!this.running) return this.exited!;
    this.child!.kill(signal);
    return this.exited!;
  }

  /** kill -9: no shutdown code runs. */
  kill9(): Promise<ExitInfo> {
    return this.stop("SIGKILL");
  }

  /** Starts again on the same data dir and, so existing clients keep working, the same port. */
  async restart(): Promise<void> {
    if (this.running) await this.stop();
    await this.launch(this.port, 20_000);
  }

  /** Stops the server (if running) and removes the temp data dir it created. */
  async cleanup(): Promise<void> {
    if (this.running) await this.kill9();
    if (this.ownsDataDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}

export const startServer = (options?: StartOptions) => ServerProcess.start(options);
