import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OpenSyncClient } from "@opensync/protocol";
import { expectError } from "../harness/expect.js";
import { startServer, type ServerProcess } from "../harness/server-process.js";

/** The API request log a user sees, and the server's own structured log lines. */
let server: ServerProcess;
let aliceKey: string;
let alice: OpenSyncClient;
let bob: OpenSyncClient;
const SECRET_TEXT = "my password is hunter2-e2e";

beforeAll(async () => {
  server = await startServer({ env: { OPENSYNC_LOG_LEVEL: "debug" } });
  let bobKey: string;
  [aliceKey, bobKey] = await Promise.all([server.createKey("alice@example.com"), server.createKey("bob@example.com")]);
  alice = server.client(aliceKey);
  bob = server.client(bobKey);
});
afterAll(() => server?.cleanup());

describe("GET /api/me/logs", () => {
  test("shows my calls (endpoint pattern, method, status, duration), newest first, and only mine", async () => {
    const started = Date.now();
    const { sessionId } = await alice.syncSession({ externalId: "logged" });
    await alice.syncMessage({ sessionExternalId: "logged", externalId: "m", role: "user", textContent: SECRET_TEXT });
    await alice.listSessions({ source: "opencode" });
    await alice.getSession(sessionId);
    await expectError(await server.request("/api/sessions/no-such-session", { key: aliceKey }), 404, "not_found");
    await expectError(await server.request("/sync/session", { key: aliceKey, body: {} }), 400, "invalid_input");
    await bob.syncSession({ externalId: "bobs" });
    await bob.stats();

    const { logs } = await alice.myLogs();
    expect(logs.slice(0, 6).map((l) => [l.method, l.endpoint, l.status])).toEqual([
      ["POST", "/sync/session", 400],
      ["GET", "/api/sessions/:id", 404],
      ["GET", "/api/sessions/:id", 200],
      ["GET", "/api/sessions", 200],
      ["POST", "/sync/message", 200],
      ["POST", "/sync/session", 200],
    ]);
    for (const entry of logs) {
      expect(Object.keys(entry).sort()).toEqual(["createdAt", "durationMs", "endpoint", "keyId", "keyName", "method", "status"]);
      // Every call above was made with alice's key, which `admin create-key` names "e2e".
      expect(entry).toMatchObject({ keyId: expect.any(String), keyName: "e2e" });
      expect(entry.durationMs).toBeGreaterThanOrEqual(0);
      expect(entry.createdAt).toBeGreaterThanOrEqual(started - 1000);
      // Route patterns only: never ids, query strings or another user's calls.
      expect(entry.endpoint).not.toMatch(/[?]|no-such-session|logged/);
      expect(entry.endpoint).not.toBe("/api/stats");
    }
    expect(JSON.stringify(logs)).not.toContain(sessionId);

    const bobs = (await bob.myLogs()).logs;
    expect(bobs.map((l) => l.endpoint).slice(0, 2)).toEqual(["/api/stats", "/sync/session"]);
    expect(bobs.some((l) => l.endpoint === "/sync/message")).toBe(false);
  });

  test("each row names the key of the call (its current name, also once revoked); cookie calls name none", async () => {
    const created = await alice.createKey("laptop");
    const laptop = server.client(created.key);
    await laptop.listSessions();
    await alice.renameKey(created.id, "old laptop");
    await alice.revokeKey(created.id);
    const login = await server.request("/api/auth/login", { body: { email: "carol@example.com", password: "wrong" } });
    expect(login.status).toBe(401);
    const rows = (await alice.myLogs(20)).logs;
    const viaLaptop = rows.find((l) => l.endpoint === "/api/sessions" && l.keyId === created.id);
    expect(viaLaptop).toMatchObject({ method: "GET", status: 200, keyName: "old laptop" });
    expect(rows.find((l) => l.endpoint === "/api/keys/:id" && l.method === "PATCH")).toMatchObject({ status: 200, keyName: "e2e" });

    await server.createUser("carol@example.com", "carol password");
    const cookie = (await server.request("/api/auth/login", { body: { email: "carol@example.com", password: "carol password" } })).headers.get("set-cookie")!.split(";")[0];
    await server.request("/api/sessions", { headers: { cookie } });
    const carols = (await (await server.request("/api/me/logs", { headers: { cookie } })).json()) as { logs: Array<{ endpoint: string; keyId: string | null; keyName: string | null }> };
    expect(carols.logs.find((l) => l.endpoint === "/api/sessions")).toMatchObject({ keyId: null, keyName: null });
  });

  test("limit bounds the answer", async () => {
    expect((await alice.myLogs(2)).logs).toHaveLength(2);
    await expectError(await server.request("/api/me/logs?limit=5000", { key: aliceKey }), 400, "invalid_input", /limit/);
  });
});

describe("server log lines", () => {
  test("one JSON line per request at debug; never an API key or message text", async () => {
    await alice.health();
    const lines = server.stderr.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
    const requests = lines.filter((l) => l.msg === "request");
    expect(requests.length).toBeGreaterThan(5);
    expect(requests.find((l) => l.route === "/sync/message")).toMatchObject({ method: "POST", status: 200, ms: expect.any(Number), user: expect.any(String) });
    expect(server.stderr).not.toContain(aliceKey);
    expect(server.stderr).not.toContain(aliceKey.slice(4, 20));
    expect(server.stderr).not.toContain(SECRET_TEXT);
    expect(server.stdout).not.toContain(aliceKey);
  });
});
