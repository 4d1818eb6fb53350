import type { MiddlewareHandler } from "hono";

/**
 * The app's Content-Security-Policy: everything from this origin only, no inline script or
 * style, no plugins, never framed. Vite's production build needs nothing more (one module script
 * and stylesheets, all files under /assets/); images may also be `data:` URIs (inlined icons).
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** JSON and downloads render nothing: a policy that allows nothing, in case a browser tries. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Headers on every response. `no-referrer`: app URLs carry one-time tokens (`/?token=`,
 * `/claim?token=`) and session ids that must not leak to another site. API answers are private
 * to their caller, so no cache keeps them (`no-store`) unless the route chose otherwise.
 */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  const headers = c.res.headers;
  headers.set("x-content-type-options", "nosniff");
  headers.set("referrer-policy", "no-referrer");
  const html = (headers.get("content-type") ?? "").startsWith("text/html");
  headers.set("content-security-policy", html ? APP_CSP : API_CSP);
  if (html) headers.set("x-frame-options", "DENY");
  const path = c.req.path;
  if ((path.startsWith("/api/") || path.startsWith("/sync/")) && !headers.has("cache-control")) headers.set("cache-control", "no-store");
};
