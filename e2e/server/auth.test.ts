import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { API_KEY_PREFIX } from "@opensync/protocol";
import Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { expectError } from "../harness/expect.js";
import { startServer, type ServerProcess } from "../harness/server-process.js";

/**
 * Three servers: a default one (claim, login, keys), one with sign-up and a trusted proxy on
 * loopback, one whose trusted proxy is an address the tests never come from.
 */
let plain: ServerProcess;
let open: ServerProcess;
let elsewhere: ServerProcess;

beforeAll(async () => {
  [plain, open, elsewhere] = await Promise.all([
    startServer(),
    startServer({ env: { OPENSYNC_ALLOW_SIGNUP: "true", OPENSYNC_TRUSTED_HEADER: "Remote-Email", OPENSYNC_TRUSTED_PROXIES: "127.0.0.1" } }),
    startServer({ env: { OPENSYNC_TRUSTED_HEADER: "Remote-Email", OPENSYNC_TRUSTED_PROXIES: "10.1.2.3" } }),
  ]);
});
afterAll(async () => {
  await Promise.all([plain, open, elsewhere].map((s) => s?.cleanup()));
});

/** The `name=value` of a Set-Cookie header, and its attributes. */
function cookieOf(res: Response): { pair: string; attributes: string } {
  const header = res.headers.get("set-cookie") ?? "";
  const [pair, ...attributes] = header.split(";").map((s) => s.trim());
  return { pair, attributes: attributes.join("; ") };
}

const OWNER = { email: "owner@example.com", password: "correct horse battery" };

describe("without credentials", () => {
  test("GET /health and /api/health are open; everything else is a 401 JSON", async () => {
    for (const path of ["/health", "/api/health"]) {
      const res = await plain.request(path);
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body).toEqual({ status: "ok", timestamp: expect.any(Number), version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
      expect(Math.abs(body.timestamp - Date.now())).toBeLessThan(60_000);
    }
    const guarded: Array<[string, string]> = [
      ["POST", "/sync/session"], ["POST", "/sync/message"], ["POST", "/sync/batch"], ["GET", "/sync/sessions/list"],
      ["GET", "/api/sessions"], ["GET", "/api/sessions/get?id=x"], ["GET", "/api/sessions/x"], ["DELETE", "/api/sessions/x"],
      ["GET", "/api/stats"], ["GET", "/api/export?format=csv"], ["GET", "/api/events"], ["GET", "/api/me"], ["DELETE", "/api/me"],
      ["DELETE", "/api/me/data"], ["GET", "/api/me/logs"], ["GET", "/api/keys"], ["POST", "/api/keys"], ["DELETE", "/api/keys/x"],
    ];
    for (const [method, path] of guarded) {
      await expectError(await plain.request(path, { method }), 401, "unauthorized");
      await expectError(await plain.request(path, { method, key: "osk_" + "x".repeat(43) }), 401, "unauthorized", /invalid or has been revoked/);
      await expectError(await plain.request(path, { method, headers: { authorization: "Basic dXNlcjpwYXNz" } }), 401, "unauthorized", /Bearer/);
    }
  });
});

describe("first run: the claim link", () => {
  test("the server prints a one-time link; the claim creates the owner once", async () => {
    expect(plain.claimUrl).toBe(`${plain.url}/claim?token=${plain.claimToken}`);
    // The link opens the web app's claim page (e2e/server/web-app.test.ts covers what it serves).
    const page = await plain.request(`/claim?token=${plain.claimToken}`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await (await plain.request("/api/auth/status")).json()).toEqual({ hasUsers: false, hasOwner: false, allowSignup: false, trustedHeader: false });

    await expectError(await plain.request("/api/auth/claim", { body: { token: "wrong", ...OWNER } }), 400, "invalid_input", /token/);
    await expectError(await plain.request("/api/auth/claim", { body: { token: plain.claimToken, email: OWNER.email, password: "short" } }), 400, "invalid_input", /^password: /);

    const res = await plain.request("/api/auth/claim", { body: { token: plain.claimToken, ...OWNER } });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ user: { id: expect.any(String), email: OWNER.email, name: null, role: "owner", createdAt: expect.any(Number) } });
    const { pair, attributes } = cookieOf(res);
    expect(pair).toMatch(/^opensync_session=[A-Za-z0-9_-]{40,}$/);
    expect(attributes).toMatch(/HttpOnly/);
    expect(attributes).toMatch(/SameSite=Lax/);
    expect(attributes).toMatch(/Path=\//);
    const me = await (await plain.request("/api/me", { headers: { cookie: pair } })).json();
    expect(me).toMatchObject({ user: { email: OWNER.email, role: "owner" }, authMethod: "cookie" });

    // The link is used up, and the server now has an owner.
    await expectError(await plain.request("/api/auth/claim", { body: { token: plain.claimToken, email: "second@example.com", password: "another password" } }), 409, "conflict", /already has an owner/);
    expect(await (await plain.request("/api/auth/status")).json()).toEqual({ hasUsers: true, hasOwner: true, allowSignup: false, trustedHeader: false });
  });

  test("sign-up is off by default", async () => {
    await expectError(await plain.request("/api/auth/signup", { body: { email: "new@example.com", password: "a long password" } }), 403, "forbidden", /sign-up is disabled/);
  });
});

describe("cookie sessions", () => {
  test("login, use, logout; a wrong password is a 401; a logged-out cookie is dead", async () => {
    await expectError(await plain.request("/api/auth/login", { body: { email: OWNER.email, password: "wrong password" } }), 401, "unauthorized", /email or password/);
    await expectError(await plain.request("/api/auth/login", { body: { email: "nobody@example.com", password: "wrong password" } }), 401, "unauthorized", /email or password/);
    const login = await plain.request("/api/auth/login", { body: { email: "OWNER@example.com", password: OWNER.password } });
    expect(login.status).toBe(200);
    const { pair } = cookieOf(login);
    const cookie = { cookie: pair };
    expect((await plain.request("/api/sessions", { headers: cookie })).status).toBe(200);
    const synced = await plain.request("/sync/session", { headers: cookie, body: { externalId: "by-cookie" } });
    expect(synced.status).toBe(200);

    const logout = await plain.request("/api/auth/logout", { method: "POST", headers: cookie });
    expect(await logout.json()).toEqual({ ok: true });
    expect(cookieOf(logout).pair).toBe("opensync_session=");
    await expectError(await plain.request("/api/sessions", { headers: cookie }), 401, "unauthorized");
  });

  test("a cookie-authenticated write from another origin is refused", async () => {
    const { pair } = cookieOf(await plain.request("/api/auth/login", { body: OWNER }));
    await expectError(await plain.request("/api/keys", { headers: { cookie: pair, origin: "https://evil.example" }, body: { name: "x" } }), 403, "forbidden", /cross-origin/);
    const same = await plain.request("/api/keys", { headers: { cookie: pair, origin: plain.url }, body: { name: "same-origin" } });
    expect(same.status).toBe(201);
  });

  test("a password is changed only with the current one; a user without one (opensync up's owner) sets it", async () => {
    const email = "changer@example.com";
    await plain.createUser(email, "first password");
    const { pair } = cookieOf(await plain.request("/api/auth/login", { body: { email, password: "first password" } }));
    const headers = { cookie: pair };
    await expectError(await plain.request("/api/me/password", { headers, body: { currentPassword: "wrong one", newPassword: "second password" } }), 400, "invalid_input", /currentPassword/);
    await expectError(await plain.request("/api/me/password", { headers, body: { currentPassword: "first password", newPassword: "short" } }), 400, "invalid_input", /newPassword/);
    expect((await plain.request("/api/me/password", { headers, body: { currentPassword: "first password", newPassword: "second password" } })).status).toBe(200);
    await expectError(await plain.request("/api/auth/login", { body: { email, password: "first password" } }), 401, "unauthorized");
    expect((await plain.request("/api/auth/login", { body: { email, password: "second password" } })).status).toBe(200);

    const keyOnly = await plain.createKey("keyonly@example.com");
    expect((await plain.request("/api/me/password", { key: keyOnly, body: { newPassword: "now i have one" } })).status).toBe(200);
    expect((await plain.request("/api/auth/login", { body: { email: "keyonly@example.com", password: "now i have one" } })).status).toBe(200);
  });

  test("repeated failed logins are throttled with Retry-After", async () => {
    const email = "throttled@example.com";
    for (let i = 0; i < 10; i++) await expectError(await plain.request("/api/auth/login", { body: { email, password: "nope nope" } }), 401, "unauthorized");
    const res = await plain.request("/api/auth/login", { body: { email, password: "nope nope" } });
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    await expectError(res, 429, "rate_limited");
  });
});

describe("API keys", () => {
  test("create shows the key once; list never shows it; last use is recorded; delete revokes", async () => {
    const { pair } = cookieOf(await plain.request("/api/auth/login", { body: OWNER }));
    const cookie = { cookie: pair };
    const before = Date.now();
    const created = await plain.request("/api/keys", { headers: cookie, body: { name: "laptop" } });
    expect(created.status).toBe(201);
    const key = await created.json();
    expect(key).toEqual({ id: expect.any(String), name: "laptop", key: expect.stringMatching(/^osk_[A-Za-z0-9_-]{32,}$/), prefix: key.key.slice(0, 8), createdAt: expect.any(Number) });
    expect(key.key.startsWith(API_KEY_PREFIX)).toBe(true);

    const list = async () => (await (await plain.request("/api/keys", { headers: cookie })).json()).keys as Array<Record<string, unknown>>;
    const listed = (await list()).find((k) => k.id === key.id)!;
    expect(listed).toEqual({ id: key.id, name: "laptop", prefix: key.prefix, createdAt: key.createdAt, lastUsedAt: null });
    expect(JSON.stringify(await list())).not.toContain(key.key);

    // Using the key records it; keys can manage keys too.
    const api = plain.client(key.key);
    expect((await api.me()).user.email).toBe(OWNER.email);
    const used = (await api.listKeys()).keys.find((k) => k.id === key.id)!;
    expect(used.lastUsedAt).toBeGreaterThanOrEqual(before);
    expect(used.lastUsedAt).toBeLessThanOrEqual(Date.now());
    const second = await api.createKey("ci");
    expect(second.key).not.toBe(key.key);

    expect(await api.revokeKey(second.id)).toEqual({ ok: true });
    await expectError(await plain.request("/api/me", { key: second.key }), 401, "unauthorized", /revoked/);
    await expectError(await plain.request(`/api/keys/${second.id}`, { method: "DELETE", headers: cookie }), 404, "not_found");
    expect((await list()).map((k) => k.id)).not.toContain(second.id);
    // The first key still works.
    expect((await api.me()).user.email).toBe(OWNER.email);
  });

  test("a Pocketbase-edition os_ key present in the database authenticates like ours", async () => {
    const key = await plain.createKey("legacy@example.com");
    const me = await plain.client(key).me();
    const legacy = "os_" + "L".repeat(40);
    // As a migration from the Pocketbase edition would leave it: only the key's hash, in api_keys.
    const db = new Database(join(plain.dataDir, "opensync.db"));
    try {
      db.prepare("INSERT INTO api_keys (id, user_id, name, key_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .run("legacy-key", me.user.id, "pocketbase", createHash("sha256").update(legacy).digest("hex"), "os_LLLL", Date.now());
    } finally {
      db.close();
    }
    expect((await plain.client(legacy).me()).user.email).toBe("legacy@example.com");
    const res = await plain.request("/sync/session", { key: legacy, body: { externalId: "from-legacy-plugin" } });
    expect(res.status).toBe(200);
    await expectError(await plain.request("/api/me", { key: "os_" + "M".repeat(40) }), 401, "unauthorized");
  });

  test("the admin CLI creates a key for a new user; deleting the account kills its keys", async () => {
    const key = await plain.createKey("cli-user@example.com", "script");
    expect(key).toMatch(/^osk_[A-Za-z0-9_-]{43}$/);
    const api = plain.client(key);
    expect(await api.me()).toMatchObject({ user: { email: "cli-user@example.com", role: "member" } });
    await api.syncSession({ externalId: "soon-gone" });
    expect(await (await plain.request("/api/me", { method: "DELETE", key })).json()).toEqual({ ok: true });
    await expectError(await plain.request("/api/me", { key }), 401, "unauthorized");
  });

  test("a restart keeps users and keys and prints no claim link", async () => {
    const key = await plain.createKey(OWNER.email, "restart");
    await plain.restart();
    expect(plain.claimUrl).toBeNull();
    expect(plain.stdout).toContain("OpenSync is running at");
    expect((await plain.client(key).me()).user.email).toBe(OWNER.email);
  });
});

describe("OPENSYNC_ALLOW_SIGNUP", () => {
  test("anyone may sign up as a member; an email signs up once", async () => {
    expect(await (await open.request("/api/auth/status")).json()).toEqual({ hasUsers: false, hasOwner: false, allowSignup: true, trustedHeader: true });
    const res = await open.request("/api/auth/signup", { body: { email: "Member@Example.com", password: "a long password", name: "Mem" } });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ user: { id: expect.any(String), email: "member@example.com", name: "Mem", role: "member", createdAt: expect.any(Number) } });
    expect((await open.request("/api/me", { headers: { cookie: cookieOf(res).pair } })).status).toBe(200);
    await expectError(await open.request("/api/auth/signup", { body: { email: "member@example.com", password: "another password" } }), 409, "conflict");
  });

  test("concurrent sign-ups of one email: one account, the others a 409 (never a 500)", async () => {
    const statuses = await Promise.all(
      Array.from({ length: 8 }, () => open.request("/api/auth/signup", { body: { email: "racer@example.com", password: "a long password" } }).then((r) => r.status)),
    );
    expect(statuses.sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
  });

  test("the owner can still claim the server after members signed up", async () => {
    // A refused claim (the email is a member's) does not use up the link.
    await expectError(await open.request("/api/auth/claim", { body: { token: open.claimToken, email: "member@example.com", password: "the boss password" } }), 409, "conflict", /^email: /);
    const res = await open.request("/api/auth/claim", { body: { token: open.claimToken, email: "boss@example.com", password: "the boss password" } });
    expect(res.status).toBe(201);
    expect((await res.json()).user.role).toBe("owner");
    await expectError(await open.request("/api/auth/claim", { body: { token: open.claimToken, email: "boss2@example.com", password: "the boss password" } }), 409, "conflict");
  });
});

describe("trusted header (reverse proxy)", () => {
  test("honoured from a configured proxy address: the user is resolved (and created) by email", async () => {
    const res = await open.request("/api/me", { headers: { "Remote-Email": "Proxy.User@Example.com" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: { email: "proxy.user@example.com" }, authMethod: "header" });
    expect((await open.request("/sync/session", { headers: { "remote-email": "proxy.user@example.com" }, body: { externalId: "via-proxy" } })).status).toBe(200);
    expect((await (await open.request("/sync/sessions/list", { headers: { "remote-email": "proxy.user@example.com" } })).json()).sessionIds).toEqual(["via-proxy"]);
    await expectError(await open.request("/api/me", { headers: { "Remote-Email": "not an email" } }), 401, "unauthorized");
    // A new user's first requests arriving together create one account.
    const ids = await Promise.all(
      Array.from({ length: 8 }, async () => (await (await open.request("/api/me", { headers: { "Remote-Email": "burst@example.com" } })).json()).user.id),
    );
    expect(new Set(ids).size).toBe(1);
    // Another header name is not the configured one.
    await expectError(await open.request("/api/me", { headers: { "X-Forwarded-Email": "proxy.user@example.com" } }), 401, "unauthorized");
  });

  test("ignored from any other address, whatever X-Forwarded-For says", async () => {
    await expectError(await elsewhere.request("/api/me", { headers: { "Remote-Email": "owner@example.com" } }), 401, "unauthorized");
    await expectError(await elsewhere.request("/api/me", { headers: { "Remote-Email": "owner@example.com", "X-Forwarded-For": "10.1.2.3", "X-Real-IP": "10.1.2.3" } }), 401, "unauthorized");
    await expectError(await elsewhere.request("/sync/session", { headers: { "Remote-Email": "owner@example.com" }, body: { externalId: "x" } }), 401, "unauthorized");
  });

  test("off unless configured", async () => {
    await expectError(await plain.request("/api/me", { headers: { "Remote-Email": OWNER.email } }), 401, "unauthorized");
  });
});
