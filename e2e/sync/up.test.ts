import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, REPO_ROOT } from "../harness/server-process.js";
import { expectedFrom, isolatedEnv, makeFixtureHome } from "./fixture-home.js";

function waitFor(read: () => string, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const m = pattern.exec(read());
      if (m) return resolve(m);
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${pattern}\n${read()}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

describe("opensync up (zero-configuration local mode)", () => {
  let child: ChildProcess;
  let out = "";
  let home: string;
  let dataDir: string;
  let url: string;
  let cookie: string;

  beforeAll(async () => {
    home = makeFixtureHome();
    dataDir = mkdtempSync(join(tmpdir(), "opensync-up-"));
    child = spawn(process.execPath, [CLI, "up", "--port", "0", "--data-dir", dataDir], { cwd: REPO_ROOT, env: { ...isolatedEnv(home), OPENSYNC_LOG_LEVEL: "warn" }, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (out += d));
  });
  afterAll(async () => {
    child?.kill("SIGKILL");
    await rm(home, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it("starts, prints a one-time sign-in link, imports the machine's history and says it is watching", async () => {
    url = (await waitFor(() => out, /OpenSync is running at (http:\/\/\S+)/))[1];
    await waitFor(() => out, /Watching for new sessions/);
    expect(out).toMatch(/Synced \d+ messages/);
    const link = (await waitFor(() => out, /(http:\/\/\S+\/\?token=\S+)/))[1];
    const res = await fetch(link, { redirect: "manual" });
    expect(res.status).toBe(302);
    cookie = res.headers.get("set-cookie")!.split(";")[0];
    expect(cookie).toMatch(/^opensync_session=/);
    // The link works once.
    expect((await fetch(link, { redirect: "manual" })).status).toBe(400);
  });

  it("the owner sees every session of the fixture home, and the credentials point at the local server", async () => {
    const expected = await expectedFrom(home);
    const res = await fetch(`${url}/api/sessions?limit=500`, { headers: { cookie } });
    const body = (await res.json()) as { sessions: Array<{ externalId: string; messageCount: number }> };
    expect(new Set(body.sessions.map((s) => s.externalId))).toEqual(new Set(expected.keys()));
    const creds = JSON.parse(readFileSync(join(home, ".opensync/credentials.json"), "utf8")) as { serverUrl: string; apiKey: string };
    expect(creds.serverUrl).toBe(url);
    expect(creds.apiKey).toMatch(/^osk_/);
    // The cookie the link set signs the owner in to the web app (it reads /api/me).
    const me = (await (await fetch(`${url}/api/me`, { headers: { cookie } })).json()) as { user: { email: string; role: string } };
    expect(me.user).toMatchObject({ email: expect.stringMatching(/@localhost$/), role: "owner" });
  });

  it("a new Claude Code session written while it runs shows up within seconds", async () => {
    const dir = join(home, ".claude/projects/-work-new");
    mkdirSync(dir, { recursive: true });
    const now = Date.now();
    const base = { sessionId: "up-live-session", cwd: "/work/new", version: "2.1.330", gitBranch: "main", isSidechain: false, userType: "external" };
    const lines = [
      { ...base, type: "user", uuid: "u1", parentUuid: null, timestamp: new Date(now).toISOString(), message: { role: "user", content: "hello from the watcher test" } },
      { ...base, type: "assistant", uuid: "a1", parentUuid: "u1", requestId: "req_1", timestamp: new Date(now + 1000).toISOString(), message: { id: "msg_1", role: "assistant", model: "claude-sonnet-4-5-20250929", content: [{ type: "text", text: "hi" }], usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } } },
    ];
    writeFileSync(join(dir, "up-live-session.jsonl"), lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    const deadline = Date.now() + 20_000;
    let found: { session: { messageCount: number; title: string } } | undefined;
    while (Date.now() < deadline) {
      const r = await fetch(`${url}/api/sessions/up-live-session`, { headers: { cookie } });
      if (r.status === 200) {
        found = (await r.json()) as typeof found;
        if (found!.session.messageCount === 2) break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(found?.session.messageCount).toBe(2);
    expect(found?.session.title).toBe("hello from the watcher test");
  });

  it("admin login-link prints a fresh one-time link for the owner", async () => {
    const { execFileSync } = await import("node:child_process");
    const { userInfo } = await import("node:os");
    const out = execFileSync(process.execPath, [CLI, "admin", "login-link", "--email", `${userInfo().username}@localhost`, "--data-dir", dataDir, "--url", url], { cwd: REPO_ROOT, env: isolatedEnv(home) }).toString().trim();
    expect(out).toMatch(new RegExp(`^${url}/\\?token=\\S+$`));
    const res = await fetch(out, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("set-cookie")).toMatch(/opensync_session=/);
  });

  it("a second server on the same port explains the conflict instead of crashing", async () => {
    const { spawnSync } = await import("node:child_process");
    const port = new URL(url).port;
    const r = spawnSync(process.execPath, [CLI, "serve", "--port", port, "--data-dir", mkdtempSync(join(tmpdir(), "opensync-busy-"))], { cwd: REPO_ROOT, env: { ...isolatedEnv(home), OPENSYNC_LOG_LEVEL: "warn" }, encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`port ${port} .* already in use`));
  });

  it("stops cleanly on SIGTERM", async () => {
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("a second start reuses the owner and the device key", async () => {
    const again = spawn(process.execPath, [CLI, "up", "--port", "0", "--data-dir", dataDir, "--no-watch"], { cwd: REPO_ROOT, env: { ...isolatedEnv(home), OPENSYNC_LOG_LEVEL: "warn" }, stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    again.stdout!.setEncoding("utf8").on("data", (d: string) => (text += d));
    again.stderr!.setEncoding("utf8").on("data", (d: string) => (text += d));
    try {
      await waitFor(() => text, /Synced \d+ messages/);
      expect(text).not.toMatch(/claim\?token/);
      const device = JSON.parse(readFileSync(join(dataDir, "device-key.json"), "utf8")) as { apiKey: string };
      const creds = JSON.parse(readFileSync(join(home, ".opensync/credentials.json"), "utf8")) as { apiKey: string };
      expect(device.apiKey).toBe(creds.apiKey);
    } finally {
      again.kill("SIGKILL");
    }
  });
});
