import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext } from "playwright-core";
import type { StatsResponse } from "@opensync/protocol";
import { startSeededApp, OWNER, type SeededApp } from "./app.js";
import { collectErrors, HAS_BROWSER, launch, newContext, signIn } from "./browser.js";

const formatTokens = (n: number) => {
  // The app's own formatter is browser code; the test restates its rule for the card (1.2M, 999K).
  if (n < 1000) return String(n);
  const [unit, suffix] = n < 999_500 ? [1e3, "K"] : n < 999_500_000 ? [1e6, "M"] : [1e9, "B"];
  const v = n / unit;
  return `${v >= 100 ? Math.round(v) : Math.round(v * 10) / 10}${suffix}`;
};

describe.skipIf(!HAS_BROWSER)("the dashboard against a seeded server", () => {
  let app: SeededApp;
  let browser: Browser;
  let context: BrowserContext;
  beforeAll(async () => {
    [app, browser] = await Promise.all([startSeededApp({ sessions: 48 }), launch()]);
    context = await newContext(browser);
    await signIn(context, app.server.url, OWNER.email, OWNER.password);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it("the overview's cards show the numbers /api/stats answers", async () => {
    const stats = await app.server.client(app.key).stats({});
    const page = await context.newPage();
    await page.goto(app.server.url + "/");
    const card = (id: string) => page.getByTestId(id).innerText();
    await page.getByTestId("card-sessions").waitFor();
    expect(stats.sessionCount).toBe(48);
    expect(await card("card-sessions")).toBe(String(stats.sessionCount));
    expect(await card("card-tokens")).toBe(formatTokens(stats.totalTokens));
    expect(await card("card-cost")).toBe(`$${stats.totalCost.toFixed(2)}`);
    expect(await card("card-models")).toBe(String(Object.keys(stats.modelUsage).length));
    expect(await card("card-projects")).toBe("5");
    await page.close();
  });

  it("the usage chart splits by model and by agent, and the choice stays in the URL", async () => {
    const page = await context.newPage();
    await page.goto(app.server.url + "/?range=90");
    const split = page.getByRole("radiogroup", { name: "Split by" });
    await split.getByRole("radio", { name: "Model" }).click();
    await page.waitForURL(/split=model/);
    const legend = page.locator(".recharts-legend-wrapper");
    await legend.getByText("gpt-5-codex").waitFor();
    await split.getByRole("radio", { name: "Agent" }).click();
    await page.waitForURL(/split=agent/);
    await legend.getByText("Codex CLI").waitFor();
    await page.reload();
    expect(await page.getByRole("radiogroup", { name: "Split by" }).getByRole("radio", { name: "Agent" }).getAttribute("aria-checked")).toBe("true");
    await page.close();
  });

  it("a click on a day of the heatmap opens that day's sessions", async () => {
    const page = await context.newPage();
    await page.goto(app.server.url + "/");
    const day = page.locator("svg[aria-label='Activity by day over the last year'] rect[tabindex='0']").last();
    await day.waitFor();
    await day.click();
    await page.waitForURL(/\/sessions\?from=\d+&to=\d+&day=\d{4}-\d{2}-\d{2}$/);
    const url = new URL(page.url());
    const from = Number(url.searchParams.get("from"));
    const to = Number(url.searchParams.get("to"));
    const expected = await app.server.client(app.key).listSessions({ from, to, limit: 100 });
    expect(expected.sessions.length).toBeGreaterThan(0);
    await page.locator(`[data-session-id="${expected.sessions[0].id}"]`).waitFor();
    expect(await page.locator("[data-session-id]").count()).toBe(expected.sessions.length);
    await page.close();
  });

  it("the daily summary downloads a PNG drawn in the browser, without any request leaving the server's origin", async () => {
    const page = await context.newPage();
    const foreign: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(app.server.url) && !r.url().startsWith("data:") && !r.url().startsWith("blob:")) foreign.push(r.url());
    });
    await page.goto(app.server.url + "/wrapped");
    await page.getByTestId("wrapped-card").getByText("Sessions").waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download PNG" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^opensync-\d{4}-\d{2}-\d{2}\.png$/);
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    const png = Buffer.concat(chunks);
    expect(png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    expect(png.length).toBeGreaterThan(10_000);
    expect(foreign).toEqual([]);
    await page.close();
  });

  it("filters by agent, sorts by cost, keeps both in the URL, and opens a session", async () => {
    const api = app.server.client(app.key);
    const expected = (await api.listSessions({ source: "codex-cli", sort: "cost", order: "desc", limit: 100 })).sessions;
    expect(expected.length).toBe(12);
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(app.server.url + "/sessions");
    await page.getByRole("listitem").first().waitFor();
    await page.getByLabel("Agent", { exact: true }).selectOption("codex-cli");
    await page.getByLabel("Sort", { exact: true }).selectOption("cost");
    await page.waitForURL((u) => u.searchParams.get("source") === "codex-cli" && u.searchParams.get("sort") === "cost");
    await page.locator(`[data-session-id="${expected[1].id}"]`).waitFor();
    const rows = page.locator("[data-session-id]");
    // Polled: the agent-filtered rows in the previous sort have the same count until the sorted page lands.
    await expect.poll(() => rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-session-id")))).toEqual(expected.map((s) => s.id));

    // A reload keeps the list as it was (the state is the URL).
    await page.reload();
    await page.locator(`[data-session-id="${expected[0].id}"]`).waitFor();
    expect(await page.getByLabel("Agent", { exact: true }).inputValue()).toBe("codex-cli");

    // Search-as-you-type asks the server (every session, not the loaded rows) and narrows the list.
    await page.getByLabel("Filter sessions by text").fill(expected[0].title!);
    await page.waitForURL((u) => u.searchParams.get("q") === expected[0].title);
    const matching = (await api.listSessions({ source: "codex-cli", sort: "cost", order: "desc", q: expected[0].title!, limit: 100 })).sessions;
    await expect.poll(() => rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-session-id")))).toEqual(matching.map((s) => s.id));
    const titles = await page.locator("[data-session-id] p.truncate.text-sm").allInnerTexts();
    expect(titles.length).toBeGreaterThan(0);
    expect(titles.every((t) => t.includes(expected[0].title!))).toBe(true);

    // j moves to the first row, Enter opens it (focus leaves the search box first; a click could land on a row).
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press("j");
    // The row link takes the focus on the next animation frame: Enter before that lands nowhere.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-row-link") ?? null)).toBe("0");
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`/sessions/${expected[0].id}$`));
    await page.close();
    expect(errors).toEqual([]);
  });

  it("exports selected sessions as one JSON document", async () => {
    const api = app.server.client(app.key);
    const picked = (await api.listSessions({ source: "opencode", sort: "createdAt", order: "asc", limit: 2 })).sessions;
    const page = await context.newPage();
    await page.goto(app.server.url + "/sessions?source=opencode&sort=createdAt&order=asc");
    for (const s of picked) await page.locator(`[data-session-id="${s.id}"] input[type=checkbox]`).check();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export JSON" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^opensync-2-sessions-\d{4}-\d{2}-\d{2}\.json$/);
    const chunks: Buffer[] = [];
    for await (const c of await download.createReadStream()) chunks.push(c as Buffer);
    const docs = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown[];
    expect(docs).toHaveLength(2);
    const text = JSON.stringify(docs);
    for (const s of picked) expect(text).toContain(s.externalId);
    await page.close();
  });

  it("deletes selected sessions after confirmation", async () => {
    const api = app.server.client(app.key);
    const victims = (await api.listSessions({ source: "gemini-cli", sort: "createdAt", order: "asc", limit: 2 })).sessions;
    const page = await context.newPage();
    await page.goto(app.server.url + "/sessions?source=gemini-cli&sort=createdAt&order=asc");
    for (const s of victims) await page.locator(`[data-session-id="${s.id}"] input[type=checkbox]`).check();
    await page.getByRole("region", { name: "Bulk actions" }).getByText("2 selected").waitFor();
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await page.locator(`[data-session-id="${victims[0].id}"]`).waitFor({ state: "detached" });
    const left = (await api.listSessions({ source: "gemini-cli", limit: 100 })).sessions.map((s) => s.id);
    expect(left).not.toContain(victims[0].id);
    expect(left).not.toContain(victims[1].id);
    expect(left.length).toBe(10);
    await page.close();
  });

  it("a session synced through the API appears on the open sessions page, and a growing one updates, without reload", async () => {
    const api = app.server.client(app.key);
    const page = await context.newPage();
    await page.goto(app.server.url + "/sessions");
    await page.getByText("Live", { exact: true }).waitFor();
    await page.getByRole("listitem").first().waitFor();
    const now = Date.now();
    await api.syncBatch({
      sessions: [{ externalId: "live-1", source: "claude-code", title: "Arrived while watching", projectPath: "/home/ana/code/live", createdAt: now, updatedAt: now }],
      messages: [{ sessionExternalId: "live-1", externalId: "live-1-m0", role: "user", textContent: "hello", createdAt: now }],
    });
    const row = page.locator("[role=listitem]", { hasText: "Arrived while watching" });
    await row.waitFor({ timeout: 10_000 });
    await expect.poll(() => row.innerText()).toContain("1 msg");
    await api.syncBatch({ messages: [{ sessionExternalId: "live-1", externalId: "live-1-m1", role: "assistant", textContent: "hi", createdAt: now + 1000, promptTokens: 1_200_000, completionTokens: 300_000 }] });
    await expect.poll(() => row.innerText(), { timeout: 10_000 }).toContain("2 msg");
    expect(await row.innerText()).toContain("1.5M");
    await page.close();
  });

  it("creates an API key shown once, which then works, and revokes it", async () => {
    const page = await context.newPage();
    await page.goto(app.server.url + "/settings#keys");
    await page.getByLabel("Key name").fill("ci laptop");
    await page.getByRole("button", { name: "Create key" }).click();
    const key = (await page.getByTestId("new-key").innerText()).trim();
    expect(key).toMatch(/^osk_[A-Za-z0-9_-]{43}$/);
    expect((await app.server.client(key).me()).user.email).toBe(OWNER.email);
    const keys = page.getByRole("list", { name: "API keys" });
    await keys.getByText("ci laptop").waitFor();
    await page.getByRole("button", { name: "Revoke ci laptop" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke key" }).click();
    await keys.getByText("ci laptop").waitFor({ state: "detached" });
    await expect(app.server.client(key).me()).rejects.toMatchObject({ status: 401 });
    await page.close();
  });

  it("Analytics shows the money the cache saved, as /api/stats answers it for the page's range", async () => {
    const page = await context.newPage();
    const errors = collectErrors(page);
    const daily = page.waitForResponse((r) => r.url().includes("/api/stats?") && r.url().includes("groupBy=day") && !r.url().includes("splitBy"));
    await page.goto(app.server.url + "/analytics");
    const stats = (await (await daily).json()) as StatsResponse;
    expect(stats.cacheReadTokens).toBeGreaterThan(0);
    expect(stats.cacheSavings).toBeGreaterThan(0);
    const card = page.getByText("Cache saved", { exact: true }).locator("..");
    const usd = stats.cacheSavings.toLocaleString("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
    await expect.poll(() => card.innerText()).toContain(usd);
    await expect.poll(() => card.innerText()).toContain("after cache writes");
    await page.close();
    expect(errors).toEqual([]);
  });

  it("filters sessions by provider, kept in the URL", async () => {
    const api = app.server.client(app.key);
    const expected = (await api.listSessions({ provider: "google", limit: 100 })).sessions;
    expect(expected.length).toBeGreaterThan(0);
    const page = await context.newPage();
    await page.goto(app.server.url + "/sessions");
    await page.getByRole("listitem").first().waitFor();
    await page.getByLabel("Provider", { exact: true }).selectOption("google");
    await page.waitForURL((u) => u.searchParams.get("provider") === "google");
    const rows = page.locator("[data-session-id]");
    await expect.poll(() => rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-session-id")))).toEqual(expected.map((s) => s.id));
    await page.close();
  });

  it("switches to dark and back with the theme button, remembering the choice", async () => {
    const page = await context.newPage();
    await page.goto(app.server.url + "/analytics");
    await page.getByRole("heading", { level: 1, name: "Analytics" }).waitFor();
    const isDark = () => page.evaluate(() => document.documentElement.classList.contains("dark"));
    expect(await isDark()).toBe(false); // the context prefers light
    await page.getByRole("button", { name: /Theme: system/ }).first().click();
    expect(await isDark()).toBe(true);
    await page.reload();
    await page.getByRole("heading", { level: 1, name: "Analytics" }).waitFor();
    expect(await isDark()).toBe(true);
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe("rgb(250, 250, 250)");
    await page.keyboard.press("t"); // dark → light
    expect(await isDark()).toBe(false);
    await page.keyboard.press("t"); // light → system
    await page.close();
  });

  it("? shows the shortcuts, g s goes to the sessions", async () => {
    const page = await context.newPage();
    await page.goto(app.server.url + "/");
    await page.getByTestId("card-sessions").waitFor();
    await page.keyboard.press("?");
    await page.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "hidden" });
    await page.keyboard.press("g");
    await page.keyboard.press("s");
    await page.waitForURL(/\/sessions$/);
    await page.close();
  });

  it("shows a lost connection and recovers when the server is back", async () => {
    const page = await context.newPage();
    await page.goto(app.server.url + "/sessions");
    await page.getByText("Live", { exact: true }).waitFor();
    await app.server.stop();
    await page.getByText(/Connection to the server lost/).waitFor({ timeout: 15_000 });
    await app.server.restart();
    await page.getByText(/Connection to the server lost/).waitFor({ state: "detached", timeout: 20_000 });
    await page.getByText("Live", { exact: true }).waitFor();
    await page.close();
  });
});
