import { Hono } from "hono";
import type { AppEnv, Services } from "../http/env.js";
import { noRoute } from "../http/errors.js";
import { setSessionCookie } from "../routes/account.js";
import { webDirFrom } from "./location.js";
import { StaticSite, REVALIDATE_CACHE, type StaticFile } from "./static.js";

/**
 * Paths the app never owns: they answer JSON (a 404 for an unknown one), never index.html. Tools
 * probe `/.well-known/*` (MCP clients, OAuth discovery) and expect JSON or a 404, not an HTML page.
 */
const API_PREFIXES = ["/api/", "/sync/", "/.well-known/"];
const isApiPath = (path: string) => path === "/api" || path === "/sync" || path === "/health" || API_PREFIXES.some((p) => path.startsWith(p));

/** A last path segment with a dot names a file (`/favicon.ico`): a missing one is a 404, not the app. */
const namesFile = (path: string) => /\.[^/]*$/.test(path);

/** Plain pages the server writes itself (no script, no inline style: the app's CSP applies). */
function plainPage(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title} · OpenSync</title></head><body><h1>OpenSync</h1>${body}</body></html>`;
}

export const NOT_BUILT_PAGE = plainPage(
  "Web app not built",
  `<p>The server is running, but the web app has not been built, so there is nothing to show here yet.</p>
<p>Build it from the OpenSync checkout with <code>npm run build</code> (or <code>npm install</code>, which builds everything), then reload this page.</p>
<p>The HTTP API works meanwhile: see <code>/api/health</code> and <code>/api/openapi.json</code>.</p>`,
);

export const EXPIRED_LINK_PAGE = plainPage(
  "Link expired",
  `<p>This sign-in link is invalid, expired or already used.</p>
<p><a href="/login">Sign in</a> with your password, or ask for a new link (<code>opensync admin login-link --email you@example.com</code>).</p>`,
);

function send(file: StaticFile, status: 200 | 400 = 200): Response {
  return new Response(file.body, { status, headers: file.headers });
}

function html(text: string, status: 200 | 400): Response {
  return new Response(text, { status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": REVALIDATE_CACHE } });
}

/**
 * The web app on the same origin as the API: its files from `webDir` (packages/web/dist, or `OPENSYNC_WEB_DIR`), and
 * `index.html` for every other path so a direct load or reload of `/sessions/abc` works (the app
 * routes in the browser). `GET /?token=` is the one-time sign-in link `opensync up` and
 * `opensync admin login-link` print: the server consumes it and redirects to the app.
 */
export function webRoutes(s: Services, webDir: string = webDirFrom()) {
  const app = new Hono<AppEnv>();
  const site = new StaticSite(webDir);

  const appShell = async (): Promise<Response> => {
    const index = await site.index();
    return index ? send(index) : html(NOT_BUILT_PAGE, 200);
  };

  app.get("*", async (c) => {
    const path = c.req.path;
    if (isApiPath(path)) return noRoute(c);
    if (path === "/" && c.req.query("token")) {
      const user = await s.accounts.consumeLoginToken(c.req.query("token")!);
      if (!user) return html(EXPIRED_LINK_PAGE, 400);
      setSessionCookie(c, await s.accounts.startSession(user.id), s.config.publicUrl);
      return c.redirect("/", 302);
    }
    if (path !== "/" && path !== "/index.html") {
      const file = await site.file(path);
      if (file) return send(file);
      if (namesFile(path)) return c.text("not found", 404);
    }
    return appShell();
  });
  return app;
}
