import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { startSeededApp, OWNER, type SeededApp } from "./app.js";
import { axeSerious, collectErrors, DESKTOP, HAS_BROWSER, horizontalOverflow, launch, newContext, PHONE, screenshot, signIn } from "./browser.js";

/**
 * Every page, desktop (1400 px) and phone (390 px), light and dark: it renders its heading, has
 * no serious or critical axe-core violation, never scrolls sideways on a phone, logs no error,
 * and leaves a screenshot in e2e/web/.artifacts/ to look at.
 */
const PAGES: { name: string; path: string; heading: RegExp }[] = [
  { name: "overview", path: "/", heading: /^Overview$/ },
  { name: "overview-split", path: "/?range=90&metric=cost&by=week&split=model", heading: /^Overview$/ },
  { name: "sessions", path: "/sessions", heading: /^Sessions$/ },
  // A question: its words marked in the snippets, its stopwords not.
  { name: "search", path: "/search?q=why+does+the+login+test+fail&type=fulltext", heading: /^Search$/ },
  { name: "analytics", path: "/analytics", heading: /^Analytics$/ },
  { name: "analytics-cumulative", path: "/analytics?range=90&metric=cost&by=week&cumulative=1&breakdown=source", heading: /^Analytics$/ },
  { name: "wrapped", path: "/wrapped", heading: /^Daily summary$/ },
  { name: "settings", path: "/settings", heading: /^Settings$/ },
  { name: "docs", path: "/docs", heading: /^Docs$/ },
];

describe.skipIf(!HAS_BROWSER)("every page in both themes and sizes", () => {
  let app: SeededApp;
  let browser: Browser;
  beforeAll(async () => {
    [app, browser] = await Promise.all([startSeededApp(), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  for (const viewport of [DESKTOP, PHONE]) {
    for (const dark of [false, true]) {
      const variant = `${viewport === DESKTOP ? "desktop" : "phone"}-${dark ? "dark" : "light"}`;
      it(`${variant}: renders, passes axe, fits the width`, async () => {
        const context = await newContext(browser, { viewport, dark });
        await signIn(context, app.server.url, OWNER.email, OWNER.password);
        const page = await context.newPage();
        const errors = collectErrors(page);
        const problems: string[] = [];
        for (const p of PAGES) {
          await page.goto(app.server.url + p.path);
          await page.getByRole("heading", { level: 1, name: p.heading }).waitFor();
          await page.waitForLoadState("networkidle").catch(() => undefined);
          expect(await page.evaluate(() => document.documentElement.classList.contains("dark"))).toBe(dark);
          await screenshot(page, `${p.name}-${variant}`);
          const overflow = await horizontalOverflow(page);
          if (overflow > 0) problems.push(`${p.path}: scrolls sideways by ${overflow}px`);
          for (const v of await axeSerious(page)) problems.push(`${p.path}: axe ${v.impact} ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
        }
        await context.close();
        expect(problems).toEqual([]);
        expect(errors).toEqual([]);
      }, 240_000);

      it(`${variant}: the signed-out pages (login, claim) render, pass axe, fit the width`, async () => {
        const context = await newContext(browser, { viewport, dark });
        const page = await context.newPage();
        const problems: string[] = [];
        for (const [name, path, heading] of [["login", "/login?next=%2Fsessions", "Sign in"], ["claim", "/claim?token=used", "Already claimed"]] as const) {
          await page.goto(app.server.url + path);
          await page.getByRole("heading", { level: 1, name: heading }).waitFor();
          await screenshot(page, `${name}-${variant}`);
          const overflow = await horizontalOverflow(page);
          if (overflow > 0) problems.push(`${path}: scrolls sideways by ${overflow}px`);
          for (const v of await axeSerious(page)) problems.push(`${path}: axe ${v.impact} ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
        }
        await context.close();
        expect(problems).toEqual([]);
      }, 120_000);
    }
  }
});
