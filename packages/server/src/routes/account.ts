import { Hono, type Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import {
  apiLogQuerySchema,
  changePasswordSchema,
  claimSchema,
  createKeySchema,
  credentialsSchema,
  newAccountSchema,
  renameKeySchema,
  type ApiLogRow,
  type AuthStatus,
} from "@opensync/protocol";
import { readJsonBody } from "../http/body.js";
import { SESSION_COOKIE, type AppEnv, type Services } from "../http/env.js";
import { ApiError } from "../http/errors.js";
import { parseOr400 } from "../http/validate.js";
import { COOKIE_SESSION_TTL_MS, toUserInfo } from "../services/accounts.js";
import { LoginThrottle } from "../auth/throttle.js";
import { remoteAddress } from "../http/auth.js";

export function setSessionCookie(c: Context, token: string, publicUrl: string | null): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Lax",
    // Behind a TLS-terminating proxy the request itself is plain HTTP: the public URL tells.
    secure: new URL(c.req.url).protocol === "https:" || (publicUrl?.startsWith("https:") ?? false),
    path: "/",
    maxAge: Math.floor(COOKIE_SESSION_TTL_MS / 1000),
  });
}

/** Login, signup and first-run claim: the endpoints that work without credentials. */
export function publicAuthRoutes(s: Services) {
  const app = new Hono<AppEnv>();
  const throttle = new LoginThrottle();
  const body = (c: Context) => readJsonBody(c.req.raw, 64 * 1024);

  app.post("/api/auth/login", async (c) => {
    const { email, password } = parseOr400(credentialsSchema, await body(c));
    // Per address and email: a stranger elsewhere cannot lock the owner out of their own account.
    const key = `${remoteAddress(c) ?? "?"}|${email}`;
    const wait = throttle.retryAfter(key);
    if (wait > 0) throw new ApiError(429, "rate_limited", "too many failed logins; try again later", undefined, { "retry-after": String(wait) });
    try {
      const user = await s.accounts.verifyCredentials(email, password);
      throttle.succeeded(key);
      setSessionCookie(c, await s.accounts.startSession(user.id), s.config.publicUrl);
      return c.json({ user: toUserInfo(user) });
    } catch (err) {
      throttle.failed(key);
      throw err;
    }
  });

  app.post("/api/auth/logout", async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token) await s.accounts.endSession(token);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.json({ ok: true });
  });

  app.post("/api/auth/signup", async (c) => {
    if (!s.config.allowSignup) throw new ApiError(403, "forbidden", "sign-up is disabled on this server; ask its owner for an account");
    const input = parseOr400(newAccountSchema, await body(c));
    const user = await s.accounts.createUser({ ...input, role: "member" });
    setSessionCookie(c, await s.accounts.startSession(user.id), s.config.publicUrl);
    return c.json({ user: toUserInfo(user) }, 201);
  });

  app.post("/api/auth/claim", async (c) => {
    const input = parseOr400(claimSchema, await body(c));
    const user = await s.accounts.claim(input.token, input.email, input.password, input.name);
    setSessionCookie(c, await s.accounts.startSession(user.id), s.config.publicUrl);
    return c.json({ user: toUserInfo(user) }, 201);
  });

  app.get("/api/auth/status", async (c) => {
    const status: AuthStatus = {
      hasUsers: (await s.store.users.count()) > 0,
      hasOwner: await s.accounts.hasOwner(),
      allowSignup: s.config.allowSignup,
      trustedHeader: s.config.trustedHeader !== null,
    };
    return c.json(status);
  });
  return app;
}

/** The caller's own account, keys, data, and (for the owner) other users. */
export function accountRoutes(s: Services) {
  const app = new Hono<AppEnv>();

  app.get("/api/me", (c) => c.json({ user: toUserInfo(c.get("user")), authMethod: c.get("authMethod") }));
  app.post("/api/me/password", async (c) => {
    const input = parseOr400(changePasswordSchema, await readJsonBody(c.req.raw, 64 * 1024));
    await s.accounts.changePassword(c.get("user"), input.currentPassword, input.newPassword);
    return c.json({ ok: true });
  });
  app.delete("/api/me", async (c) => {
    await s.accounts.deleteAccount(c.get("user").id);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.json({ ok: true });
  });
  app.delete("/api/me/data", async (c) => c.json({ ok: true, sessions: await s.sessions.deleteAll(c.get("user").id) }));
  app.get("/api/me/logs", async (c) => {
    const { limit } = parseOr400(apiLogQuerySchema, c.req.query());
    // Flush first so the caller sees the calls they just made (writes are otherwise batched).
    await s.apiLog.flush();
    const entries = await s.store.apiLogs.recent(c.get("user").id, limit);
    const logs = entries.map(({ method, endpoint, status, durationMs, createdAt, keyId, keyName }): ApiLogRow => ({ method, endpoint, status, durationMs, createdAt, keyId, keyName }));
    return c.json({ logs });
  });

  app.post("/api/keys", async (c) => {
    const { name } = parseOr400(createKeySchema, await readJsonBody(c.req.raw, 64 * 1024));
    return c.json(await s.accounts.createKey(c.get("user").id, name), 201);
  });
  app.get("/api/keys", async (c) => c.json({ keys: await s.accounts.listKeys(c.get("user").id) }));
  app.patch("/api/keys/:id", async (c) => {
    const { name } = parseOr400(renameKeySchema, await readJsonBody(c.req.raw, 64 * 1024));
    return c.json({ key: await s.accounts.renameKey(c.get("user").id, c.req.param("id"), name) });
  });
  app.delete("/api/keys/:id", async (c) => {
    await s.accounts.revokeKey(c.get("user").id, c.req.param("id"));
    return c.json({ ok: true });
  });

  app.get("/api/admin/users", async (c) => {
    if (c.get("user").role !== "owner") throw new ApiError(403, "forbidden", "only the owner can list users");
    return c.json({ users: (await s.store.users.list()).map(toUserInfo) });
  });
  app.post("/api/admin/users", async (c) => {
    if (c.get("user").role !== "owner") throw new ApiError(403, "forbidden", "only the owner can create users");
    const input = parseOr400(newAccountSchema, await readJsonBody(c.req.raw, 64 * 1024));
    return c.json({ user: toUserInfo(await s.accounts.createUser({ ...input, role: "member" })) }, 201);
  });
  app.delete("/api/admin/users/:id", async (c) => {
    if (c.get("user").role !== "owner") throw new ApiError(403, "forbidden", "only the owner can delete users");
    await s.accounts.deleteUserAsOwner(c.get("user"), c.req.param("id"));
    return c.json({ ok: true });
  });
  return app;
}
