import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { REPO_ROOT } from "../harness/server-process.js";

/**
 * Debian's Chromium driven by playwright-core (no browser download). Without /usr/bin/chromium the
 * browser tests skip with a message, except under CI=true, where they must run (.ci/run installs it).
 */
export const CHROMIUM = process.env.OPENSYNC_CHROMIUM ?? "/usr/bin/chromium";
export const HAS_BROWSER = existsSync(CHROMIUM);
if (!HAS_BROWSER) {
  if (process.env.CI === "true") throw new Error(`${CHROMIUM} is missing: the dashboard e2e tests must run in CI (apt-get install -y chromium)`);
  process.stderr.write(`\n[e2e/web] ${CHROMIUM} not found: browser tests are skipped (apt-get install -y chromium to run them)\n\n`);
}

export const ARTIFACTS = join(REPO_ROOT, "e2e/web/.artifacts");
export const DESKTOP = { width: 1400, height: 900 };
export const PHONE = { width: 390, height: 844 };

export async function launch(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
  });
}

export async function newContext(browser: Browser, opts: { viewport?: { width: number; height: number }; dark?: boolean } = {}): Promise<BrowserContext> {
  const viewport = opts.viewport ?? DESKTOP;
  return browser.newContext({
    viewport,
    deviceScaleFactor: 1,
    isMobile: viewport.width < 500,
    hasTouch: viewport.width < 500,
    colorScheme: opts.dark ? "dark" : "light",
    timezoneId: "Europe/Berlin",
    locale: "en-US",
  });
}

/** Signs the context in with a password (the cookie lands in the browser context's jar). */
export async function signIn(context: BrowserContext, baseUrl: string, email: string, password: string): Promise<void> {
  const res = await context.request.post(`${baseUrl}/api/auth/login`, { data: { email, password } });
  if (!res.ok()) throw new Error(`login failed: ${res.status()} ${await res.text()}`);
}

/**
 * Page errors, console errors, failed requests (with their URL) and Content-Security-Policy
 * violations, collected so a test can assert the app had none. `allow` lists URL paths whose
 * 4xx/5xx is part of the test. CSP violations (an `eval` probe, an inline style) are reported to
 * no console, so the page reports them through a binding installed before any script runs.
 */
export function collectErrors(page: Page, allow: RegExp[] = []): string[] {
  const errors: string[] = [];
  void page.exposeBinding("__reportCspViolation", (_source, text: string) => void errors.push(`csp: ${text}`)).catch(() => undefined);
  void page
    .addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => {
        const report = (window as unknown as { __reportCspViolation?: (t: string) => void }).__reportCspViolation;
        report?.(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} ${e.sample ?? ""}`.trim());
      });
    })
    .catch(() => undefined);
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    // The browser's own "Failed to load resource" line has no URL: the response listener says which.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(`console: ${m.text()}`);
  });
  page.on("response", (r) => {
    const path = new URL(r.url()).pathname;
    if (r.status() >= 400 && !allow.some((a) => a.test(path))) errors.push(`HTTP ${r.status()} ${r.request().method()} ${path}`);
  });
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  // From the top: a page a click scrolled down (Playwright scrolls what it clicks into view) drew
  // its sticky phone bar halfway down the full-page image, over the content.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage: true });
  return path;
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: string[]; html: string }[] }

/** axe-core in the page; returns the serious and critical violations. */
export async function axeSerious(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol: the app's CSP (script-src 'self') rightly refuses
  // an injected <script> tag, and the test must not weaken it.
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> } }).axe;
    return axe.run(document, { resultTypes: ["violations"] });
  });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, html: n.html.slice(0, 200) })) }));
}

/** Whether the page scrolls sideways (the phone layout must not). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}
