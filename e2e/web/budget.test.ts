import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startSeededApp, OWNER, type SeededApp } from "./app.js";
import { ARTIFACTS, HAS_BROWSER, launch, newContext, signIn } from "./browser.js";

/** Gzipped bytes of every script a first load of `path` fetches (code-splitting keeps this small). */
async function firstLoadJs(page: Page, url: string, ready: () => Promise<unknown>): Promise<{ files: number; gzipBytes: number }> {
  const seen = new Map<string, number>();
  const onResponse = async (r: import("playwright-core").Response) => {
    if (!r.url().endsWith(".js")) return;
    try {
      seen.set(r.url(), gzipSync(await r.body(), { level: 9 }).length);
    } catch {
      /* a response without a body (redirect): nothing to count */
    }
  };
  page.on("response", onResponse);
  await page.goto(url);
  await ready();
  await page.waitForLoadState("networkidle");
  page.off("response", onResponse);
  return { files: seen.size, gzipBytes: [...seen.values()].reduce((a, b) => a + b, 0) };
}

const BUDGET_FIRST_LOAD = 300 * 1024;

describe.skipIf(!HAS_BROWSER)("JavaScript budget per route", () => {
  let app: SeededApp;
  let browser: Browser;
  beforeAll(async () => {
    [app, browser] = await Promise.all([startSeededApp({ sessions: 12 }), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it("the first load of / stays under 300 KB of gzipped JavaScript; every route is measured", async () => {
    const routes = ["/", "/sessions", "/analytics", "/wrapped", "/settings", "/docs", "/search", "/context"];
    const results: Record<string, { files: number; gzipKB: number }> = {};
    for (const path of routes) {
      // A fresh context per route: nothing cached, exactly what a first visit downloads.
      const context = await newContext(browser);
      await signIn(context, app.server.url, OWNER.email, OWNER.password);
      const page = await context.newPage();
      const r = await firstLoadJs(page, app.server.url + path, () => page.locator("main h1").first().waitFor());
      results[path] = { files: r.files, gzipKB: Math.round(r.gzipBytes / 102.4) / 10 };
      await context.close();
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, "js-budget.json"), JSON.stringify(results, null, 2));
    process.stdout.write(`[e2e/web] first-load gzipped JS per route (KB): ${JSON.stringify(results)}\n`);
    expect(results["/"].gzipKB * 1024).toBeLessThan(BUDGET_FIRST_LOAD);
  }, 240_000);
});
