import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expectError } from "../harness/expect.js";
import { CLI, REPO_ROOT, startServer, type ServerProcess } from "../harness/server-process.js";

/**
 * The web app on the API's origin: a stand-in build (index.html + a hashed bundle) in a temp
 * folder given as OPENSYNC_WEB_DIR, and a second server whose build folder does not exist.
 */
const INDEX = `<!doctype html><html><head><script type="module" src="/assets/index-Abc123xy.js"></script></head><body><div id="root"></div></body></html>`;
const BUNDLE = `console.log("app");`;
const APP_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

let root: string;
let built: ServerProcess;
let unbuilt: ServerProcess;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "opensync-web-"));
  const dist = join(root, "dist");
  mkdirSync(join(dist, "assets"), { recursive: true });
  writeFileSync(join(dist, "index.html"), INDEX);
  writeFileSync(join(dist, "assets/index-Abc123xy.js"), BUNDLE);
  writeFileSync(join(dist, "robots.txt"), "User-agent: *\n");
  writeFileSync(join(root, "secret.txt"), "outside the build");
  [built, unbuilt] = await Promise.all([
    startServer({ env: { OPENSYNC_WEB_DIR: dist } }),
    startServer({ env: { OPENSYNC_WEB_DIR: join(root, "missing-dist") } }),
  ]);
});
afterAll(async () => {
  await Promise.all([built?.cleanup(), unbuilt?.cleanup()]);
  rmSync(root, { recursive: true, force: true });
});

function expectAppHeaders(res: Response): void {
  expect(res.headers.get("content-security-policy")).toBe(APP_CSP);
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("referrer-policy")).toBe("no-referrer");
  expect(res.headers.get("x-frame-options")).toBe("DENY");
}

describe("the built app", () => {
  test("every app route (direct load or reload) answers index.html, revalidated on each load, with the app's security headers", async () => {
    for (const path of ["/", "/sessions", "/sessions/abc123", "/search?q=x", "/context", "/analytics", "/wrapped", "/settings", "/docs", "/login", "/claim?token=abc", "/s/some-slug", "/evals", "/index.html"]) {
      const res = await built.request(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expectAppHeaders(res);
      expect(await res.text()).toBe(INDEX);
    }
  });

  test("hashed bundles are cached for a year; other files are revalidated", async () => {
    const bundle = await built.request("/assets/index-Abc123xy.js");
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(bundle.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(bundle.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await bundle.text()).toBe(BUNDLE);
    const robots = await built.request("/robots.txt");
    expect(robots.headers.get("cache-control")).toBe("no-cache");
    expect(await robots.text()).toBe("User-agent: *\n");
    const head = await built.request("/assets/index-Abc123xy.js", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(BUNDLE.length));
  });

  test("a missing file is a 404, not the app; nothing outside the build folder is served", async () => {
    for (const path of ["/assets/index-Missing1.js", "/favicon.ico", "/assets/%2e%2e/%2e%2e/secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt"]) {
      const res = await built.request(path);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain("outside the build");
    }
  });

  test("unknown /api/* and /sync/* paths still answer a JSON 404; API answers carry no-store and a deny-all policy", async () => {
    const key = await built.createKey("reader@example.com");
    for (const path of ["/api/nothing-here", "/sync/nothing", "/api/sessions/x/y/z"]) {
      const res = await built.request(path, { key });
      await expectError(res, 404, "not_found", "no route for GET");
      expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    }
    // Tools probe /.well-known/* (MCP clients, OAuth discovery): JSON 404, never the app's HTML.
    const wellKnown = await built.request("/.well-known/security.txt");
    await expectError(wellKnown, 404, "not_found", "no route for GET");
    const health = await built.request("/api/health");
    expect(health.headers.get("cache-control")).toBe("no-store");
    expect(health.headers.get("x-content-type-options")).toBe("nosniff");
    expect(health.headers.get("referrer-policy")).toBe("no-referrer");
    expect(health.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    const denied = await built.request("/api/me");
    expect(denied.status).toBe(401);
    expect(denied.headers.get("cache-control")).toBe("no-store");
    expect(denied.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

describe("the one-time sign-in link of `opensync up` / `admin login-link`", () => {
  test("GET /?token= signs in and redirects to the app once; a used link is a 400 page that offers the sign-in form", async () => {
    await built.createUser("root@localhost", "a local password");
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, "admin", "login-link", "--email", "root@localhost", "--data-dir", built.dataDir, "--url", built.url], { cwd: REPO_ROOT, env: built.env as NodeJS.ProcessEnv });
    const link = stdout.trim();
    expect(link).toMatch(new RegExp(`^${built.url}/\\?token=\\S+$`));
    const res = await fetch(link, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/");
    const cookie = res.headers.get("set-cookie")!.split(";")[0];
    expect(cookie).toMatch(/^opensync_session=/);
    const me = await built.request("/api/me", { headers: { cookie } });
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe("root@localhost");

    const again = await fetch(link, { redirect: "manual" });
    expect(again.status).toBe(400);
    expectAppHeaders(again);
    const page = await again.text();
    expect(page).toContain("invalid, expired or already used");
    expect(page).toContain(`href="/login"`);
    expect(page).not.toMatch(/<script|style=/i);
  });
});

describe("without a build", () => {
  test("app routes answer a page saying how to build the app (never a 500); the API works", async () => {
    for (const path of ["/", "/sessions/abc", "/claim?token=x"]) {
      const res = await unbuilt.request(path);
      expect(res.status, path).toBe(200);
      expectAppHeaders(res);
      const page = await res.text();
      expect(page).toContain("npm run build");
      expect(page).not.toMatch(/<script|style=/i);
    }
    expect((await unbuilt.request("/assets/index-Abc123xy.js")).status).toBe(404);
    expect((await unbuilt.request("/api/health")).status).toBe(200);
  });
});
