import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { startSeededApp, OWNER, type SeededApp } from "./app.js";
import { collectErrors, HAS_BROWSER, launch, newContext, signIn } from "./browser.js";
import { openPalette } from "./palette-helper.js";
import { RICH, RICH_TITLE, seedRichSession, webDirEnv } from "./viewer-seed.js";

/**
 * Search and the command palette against a real server (no embedding provider, as by default):
 * each mode, the degraded state explained, filters, highlighted snippets, a click that opens the
 * viewer at the matching message, and Ctrl+K from another page.
 */
describe.skipIf(!HAS_BROWSER)("search", () => {
  let app: SeededApp;
  let browser: Browser;
  let targetMessageId: string;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startSeededApp({ sessions: 16, env: webDirEnv() }), launch()]);
    const client = app.server.client(app.key);
    await seedRichSession(client);
    const detail = await client.getSession(RICH);
    targetMessageId = detail.messages.find((m) => m.externalId === `${RICH}-m7`)!.id;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function open(path: string): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
    const context = await newContext(browser);
    await signIn(context, app.server.url, OWNER.email, OWNER.password);
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(app.server.url + path);
    return { page, errors, close: () => context.close() };
  }

  it("full-text: highlighted snippets; a click opens the viewer scrolled to that message", async () => {
    const { page, errors, close } = await open("/search");
    await page.getByRole("radio", { name: "Full-text" }).click();
    await page.getByLabel("Search sessions").fill("tests pass now");
    await page.waitForURL(/q=tests\+pass\+now/);
    expect(new URL(page.url()).searchParams.get("type")).toBe("fulltext");
    const result = page.getByTestId("search-result").filter({ hasText: RICH_TITLE });
    await result.waitFor();
    const marks = await result.locator("mark").allTextContents();
    expect(marks.map((m) => m.toLowerCase())).toEqual(expect.arrayContaining(["tests", "pass"]));
    await result.getByTestId("search-hit").filter({ hasText: "Tests pass now?" }).click();
    await page.waitForURL((url) => url.pathname.startsWith("/sessions/") && url.hash === `#m-${targetMessageId}`);
    const article = page.locator(`#m-${targetMessageId}`);
    await article.waitFor();
    expect(await article.getAttribute("class")).toContain("message-target");
    await close();
    expect(errors).toEqual([]);
  });

  it("semantic without an embedding provider says so instead of failing; hybrid falls back to full-text and says so", async () => {
    const { page, errors, close } = await open("/search?q=reconnect&type=semantic");
    await page.getByText("Semantic search is not set up on this server").waitFor();
    expect(await page.getByTestId("degraded-note").textContent()).toContain("semantic search is unavailable");
    expect(await page.getByTestId("search-result").count()).toBe(0);
    await page.getByRole("button", { name: "Search with hybrid instead" }).click();
    await page.getByTestId("search-result").first().waitFor();
    expect(await page.getByTestId("degraded-note").textContent()).toContain("hybrid search uses full-text only");
    await close();
    expect(errors).toEqual([]);
  });

  it("filters narrow the results and live in the URL", async () => {
    const { page, close } = await open("/search?q=app.ts&type=fulltext");
    await page.getByTestId("search-result").first().waitFor();
    const all = await page.getByTestId("search-result").count();
    expect(all).toBeGreaterThan(1);
    await page.getByLabel("Agent").selectOption("codex-cli");
    await page.waitForURL(/source=codex-cli/);
    await page.waitForFunction((n) => document.querySelectorAll("[data-testid=search-result]").length < n, all);
    const metas = await page.getByTestId("search-result").allTextContents();
    for (const text of metas) expect(text).toContain("Codex");
    await page.getByRole("button", { name: "Clear filters" }).click();
    await page.waitForFunction((n) => document.querySelectorAll("[data-testid=search-result]").length === n, all);
    await close();
  });

  it("Ctrl+K from another page finds a session and opens it; pages and actions are there too", async () => {
    const { page, errors, close } = await open("/analytics");
    await page.getByRole("heading", { level: 1 }).waitFor();
    const input = await openPalette(page);
    await page.getByRole("option", { name: /Overview/ }).waitFor();
    await input.fill("websocket reconnect");
    await page.locator("[role=listbox][aria-busy=false]").waitFor();
    const option = page.getByRole("option").filter({ hasText: RICH_TITLE });
    await option.waitFor();
    // Arrow keys move the selection; Enter opens it.
    const index = await page.getByRole("option").evaluateAll((els, title) => els.findIndex((e) => e.textContent?.includes(title as string)), RICH_TITLE);
    for (let i = 0; i < index; i++) await input.press("ArrowDown");
    expect(await option.getAttribute("aria-selected")).toBe("true");
    await input.press("Enter");
    await page.waitForURL(/\/sessions\/[^/?#]+/);
    await page.getByRole("heading", { level: 1, name: RICH_TITLE }).waitFor();
    // An action: "Search all messages for …" carries the query to the search page.
    const again = await openPalette(page);
    await again.fill("nextDelay");
    await page.locator("[role=listbox][aria-busy=false]").waitFor();
    await page.getByRole("option", { name: /Search all messages for “nextDelay”/ }).click();
    await page.waitForURL(/\/search\?q=nextDelay/);
    await page.getByTestId("search-result").first().waitFor();
    await close();
    expect(errors).toEqual([]);
  });

  it("context: the question's context as text and as messages, counted against the budget, with its sources and the MCP set-up", async () => {
    const { page, errors, close } = await open("/context");
    await page.getByLabel("Question").fill("websocket reconnect loop");
    await page.getByLabel("Question").press("Enter");
    const count = page.getByTestId("token-count");
    await count.waitFor();
    expect(await count.textContent()).toMatch(/^\d[\d,]* of 4,000 tokens/);
    const context = page.getByLabel("Context as the agent receives it");
    expect(await context.textContent()).toContain(RICH_TITLE);
    await page.getByRole("radio", { name: "Messages" }).click();
    await page.waitForFunction(() => document.querySelector("[aria-label='Context as the agent receives it']")?.textContent?.includes('"role"'));
    const messages = JSON.parse((await context.textContent())!) as { role: string; content: string }[];
    expect(messages.length).toBeGreaterThan(0);
    await page.getByLabel("Budget", { exact: true }).selectOption("1000");
    await page.waitForFunction(() => document.querySelector("[data-testid=token-count]")?.textContent?.includes("of 1,000 tokens"));
    const used = Number((await count.textContent())!.split(" ")[0]!.replace(/,/g, ""));
    expect(used).toBeLessThanOrEqual(1000);
    expect(await page.getByText(/claude mcp add --scope user opensync -- opensync mcp/).count()).toBe(1);
    expect(await page.getByText(`${app.server.url}/mcp`, { exact: false }).count()).toBeGreaterThan(0);
    await page.getByRole("list", { name: "Sources" }).getByRole("link", { name: RICH_TITLE }).click();
    await page.getByRole("heading", { level: 1, name: RICH_TITLE }).waitFor();
    await close();
    expect(errors).toEqual([]);
  });
});
