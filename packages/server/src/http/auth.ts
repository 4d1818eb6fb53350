import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { isEmailAddress } from "@opensync/protocol";
import { ipAllowed } from "../auth/ip.js";
import type { UserRecord } from "../store/types.js";
import { SESSION_COOKIE, type AppEnv, type AuthMethod, type Services } from "./env.js";
import { ApiError, unauthorized } from "./errors.js";

/** The TCP peer's address (not a forwarded header: that is only trusted via the configured proxy list). */
export function remoteAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

/**
 * Resolves the caller from, in order: a bearer API key, the session cookie, or the trusted proxy
 * header (only from configured proxy addresses). A bad bearer key is a 401 even if a cookie is set.
 */
export async function authenticate(c: Context, services: Services): Promise<{ user: UserRecord; method: AuthMethod; keyId?: string } | undefined> {
  const authorization = c.req.header("authorization");
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw unauthorized('the Authorization header must be "Bearer <api key>"');
    const found = await services.accounts.resolveKey(match[1]);
    if (!found) throw unauthorized("the API key is invalid or has been revoked");
    return { user: found.user, method: "key", keyId: found.keyId };
  }
  const cookie = getCookie(c, SESSION_COOKIE);
  if (cookie) {
    const user = await services.accounts.userForSession(cookie);
    if (user) return { user, method: "cookie" };
  }
  const { trustedHeader, trustedProxies } = services.config;
  if (trustedHeader) {
    const email = c.req.header(trustedHeader)?.trim().toLowerCase();
    if (email && isEmailAddress(email) && ipAllowed(remoteAddress(c), trustedProxies)) {
      return { user: await services.accounts.ensureUser(email), method: "header" };
    }
  }
  return undefined;
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

/** Requires a user on every request it guards; rejects cross-site writes made with a cookie. */
export function requireUser(services: Services): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const found = await authenticate(c, services);
    if (!found) throw unauthorized();
    if (found.method === "cookie" && !["GET", "HEAD", "OPTIONS"].includes(c.req.method)) {
      const origin = c.req.header("origin");
      if (origin && hostOf(origin) !== hostOf(c.req.url)) {
        throw new ApiError(403, "forbidden", "cross-origin request refused");
      }
    }
    c.set("user", found.user);
    c.set("authMethod", found.method);
    if (found.keyId) c.set("apiKeyId", found.keyId);
    await next();
  };
}
