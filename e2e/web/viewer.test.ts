import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import type { Message } from "@opensync/protocol";
import { startSeededApp, OWNER, type SeededApp } from "./app.js";
import { axeSerious, collectErrors, DESKTOP, HAS_BROWSER, horizontalOverflow, launch, newContext, PHONE, screenshot, signIn } from "./browser.js";
import { openPalette } from "./palette-helper.js";
import { RICH, RICH_TITLE, seedRichSession, webDirEnv } from "./viewer-seed.js";


describe.skipIf(!HAS_BROWSER)("session viewer", () => {
  let app: SeededApp;
  let browser: Browser;
  let sessionId: string;
  let messages: Message[];
  const byExt = (n: number) => messages.find((m) => m.externalId === `${RICH}-m${n}`)!;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startSeededApp({ sessions: 6, env: webDirEnv() }), launch()]);
    const client = app.server.client(app.key);
    await seedRichSession(client);
    const detail = await client.getSession(RICH);
    sessionId = detail.session.id;
    messages = detail.messages;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function open(path: string, opts: { viewport?: typeof DESKTOP; dark?: boolean } = {}): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
    const context = await newContext(browser, opts);
    await signIn(context, app.server.url, OWNER.email, OWNER.password);
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(app.server.url + path);
    return { page, errors, close: () => context.close() };
  }

  it("shows the header stats, Markdown with highlighted code, collapsed tool calls with diffs and cut outputs, reasoning behind a toggle, the subagent group and the pause", async () => {
    const { page, errors, close } = await open(`/sessions/${sessionId}`);
    await page.getByRole("heading", { level: 1, name: RICH_TITLE }).waitFor();
    const header = page.locator("header").filter({ has: page.getByRole("heading", { level: 1 }) });
    for (const text of ["Agent", "claude-code", "fix/reconnect", "work-laptop", "realtime", "Cache read", "9K"]) await expect(header.getByText(text, { exact: true }).first().isVisible(), text).resolves.toBe(true);
    // Every model the session used, the subagent's too.
    await header.getByText("claude-sonnet-4-5, claude-haiku-4-5", { exact: true }).waitFor();

    // Markdown and lazily highlighted code.
    await page.locator("strong", { hasText: "reconnect loop" }).waitFor();
    await page.locator("pre code .hljs-keyword").first().waitFor();

    // A tool call is one line until opened; its failing output is cut with "Show all".
    const bash = page.locator("details[data-tool=Bash]");
    expect(await bash.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    await expect(bash.locator("summary").textContent()).resolves.toContain("npm test -- socket");
    await expect(bash.locator("summary").getByText("error").isVisible()).resolves.toBe(true);
    await bash.locator("summary").click();
    const output = bash.getByLabel("Tool error");
    expect((await output.textContent())!.split("\n")).toHaveLength(30);
    await bash.getByRole("button", { name: /Show all \(90 more lines/ }).click();
    expect((await output.textContent())!.split("\n")).toHaveLength(120);

    // An edit is a diff.
    const edit = page.locator("details[data-tool=Edit]");
    await edit.locator("summary").click();
    const diff = edit.getByTestId("diff");
    expect(await diff.locator("div").allTextContents()).toEqual(["-attempt = 0;", "-scheduleReconnect();", "+attempt += 1;", "+scheduleReconnect(nextDelay(attempt));"]);

    // Reasoning is hidden until asked for.
    expect(await page.getByText("The backoff is reset on every error").count()).toBe(0);
    await page.getByRole("button", { name: /Show reasoning/ }).click();
    await page.getByText("The backoff is reset on every error").waitFor();

    // The subagent's two messages are one collapsed group with their subtotal.
    const group = page.getByRole("button", { name: /Subagent explore-1/ });
    await expect(group.textContent()).resolves.toContain("2 messages · 4.3K tokens · <$0.01");
    expect(await page.getByText("scheduleReconnect", { exact: false }).filter({ hasText: "resets" }).count()).toBe(0);
    await group.click();
    await page.locator(`#m-${byExt(4).id}`).waitFor();

    // A pause of 12 minutes (from the Edit call to the next prompt) is marked.
    await page.getByRole("separator", { name: "12m 05s later" }).waitFor();
    // Links in answers open safely in a new tab.
    const link = page.getByRole("link", { name: "the docs" });
    expect(await link.getAttribute("rel")).toContain("noopener");
    await close();
    expect(errors).toEqual([]);
  });

  it("prompts-and-final-answers mode shows only what the user typed and each turn's last answer", async () => {
    const { page, close } = await open(`/sessions/${sessionId}`);
    await page.getByRole("radio", { name: "Prompts and final answers" }).click();
    await page.waitForFunction(() => document.querySelectorAll("[data-message-id]").length === 4);
    const ids = await page.locator("[data-message-id]").evaluateAll((els) => els.map((e) => e.getAttribute("data-message-id")));
    expect(ids).toEqual([byExt(0).id, byExt(5).id, byExt(7).id, byExt(8).id]);
    expect(await page.locator("details[data-tool]").count()).toBe(0);
    await close();
  });

  it("a deep link #m-<id> opens the session scrolled to that message, marked; j/k move from message to message", async () => {
    const target = byExt(5);
    const { page, close } = await open(`/sessions/${sessionId}#m-${target.id}`, { viewport: { width: 1400, height: 500 } });
    const article = page.locator(`#m-${target.id}`);
    await article.waitFor();
    await page.waitForFunction((id) => {
      const r = document.getElementById(`m-${id}`)?.getBoundingClientRect();
      return !!r && r.top >= 0 && r.top < 120;
    }, target.id);
    expect(await article.getAttribute("class")).toContain("message-target");
    const focusedIs = (id: string) => page.waitForFunction((want) => document.activeElement?.getAttribute("data-message-id") === want, id);
    await focusedIs(target.id);
    // j skips the pause marker and the folded tool result: 5 → 7 → 8; k goes back to 7.
    await page.keyboard.press("j");
    await focusedIs(byExt(7).id);
    await page.keyboard.press("j");
    await focusedIs(byExt(8).id);
    await page.keyboard.press("k");
    await focusedIs(byExt(7).id);
    await close();
  });

  it("the timeline marks user turns, tool calls and errors of the whole session and jumps to a message", async () => {
    const { page, close } = await open(`/sessions/${sessionId}`, { viewport: { width: 1400, height: 500 } });
    const slider = page.getByRole("slider", { name: /Session timeline/ });
    await slider.waitFor();
    expect(await slider.getAttribute("aria-valuemax")).toBe(String(messages.length));
    // From the timeline endpoint: m0, m3 (the subagent's prompt: the timeline does not tell sidechains
    // apart) and m7 are user turns, m2 carries the failing Bash result, m1 and m5 call tools.
    const marks = await slider.locator("[data-mark]").evaluateAll((els) => els.map((e) => e.getAttribute("data-mark")));
    expect(marks).toEqual(["user", "tool", "error", "user", "tool", "user"]);
    await slider.focus();
    await page.keyboard.press("End");
    await page.waitForFunction((id) => document.activeElement?.getAttribute("data-message-id") === id, byExt(8).id);
    await slider.focus();
    await page.keyboard.press("Home");
    await page.waitForFunction((id) => document.activeElement?.getAttribute("data-message-id") === id, byExt(0).id);
    await close();
  });

  it("delete asks first, then removes the session", async () => {
    const client = app.server.client(app.key);
    await client.syncBatch({ sessions: [{ externalId: "to-delete", source: "codex-cli", title: "Delete me" }], messages: [{ sessionExternalId: "to-delete", externalId: "d1", role: "user", textContent: "bye" }] });
    const { id } = (await client.getSession("to-delete")).session;
    const { page, close } = await open(`/sessions/${id}`);
    await page.getByRole("heading", { level: 1, name: "Delete me" }).waitFor();
    await page.getByRole("button", { name: "Delete" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete this session?" });
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect((await client.getSession(id)).session.id).toBe(id);
    await page.getByRole("button", { name: "Delete" }).click();
    await dialog.getByRole("button", { name: "Delete session" }).click();
    await page.waitForURL(/\/sessions$/);
    await expect(client.getSession(id)).rejects.toMatchObject({ status: 404 });
    await close();
  });

  it("share: the toggle gives a copyable link whose page anyone can read, without owner details; turning it off closes it", async () => {
    const { page, close } = await open(`/sessions/${sessionId}`);
    await page.getByRole("button", { name: "Share" }).click();
    const dialog = page.getByRole("dialog", { name: "Share this session" });
    await dialog.getByRole("checkbox").click();
    const link = dialog.getByLabel("Public link");
    await link.waitFor();
    const url = await link.inputValue();
    expect(url).toMatch(new RegExp(`^${app.server.url}/s/[^/]+$`));
    await dialog.getByRole("button", { name: "Copy link" }).waitFor();

    const anonymous = await newContext(browser);
    const pub = await anonymous.newPage();
    const errors = collectErrors(pub);
    await pub.goto(url);
    await pub.getByRole("heading", { level: 1, name: RICH_TITLE }).waitFor();
    await pub.locator("strong", { hasText: "reconnect loop" }).waitFor();
    expect(await pub.getByText("work-laptop").count()).toBe(0);
    expect(await pub.getByRole("button", { name: "Delete" }).count()).toBe(0);
    await screenshot(pub, "public-desktop-light");

    await dialog.getByRole("checkbox").click();
    await dialog.getByText("Not shared: only you can see it.").waitFor();
    await pub.reload();
    await pub.getByText("This link does not lead to a shared session").waitFor();
    await anonymous.close();
    await close();
    expect(errors.filter((e) => !/404/.test(e))).toEqual([]);
  });

  it("copies and downloads the session as Markdown", async () => {
    const { page, close } = await open(`/sessions/${sessionId}`);
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: app.server.url });
    await page.getByRole("heading", { level: 1, name: RICH_TITLE }).waitFor();
    await page.getByRole("button", { name: "Copy as Markdown" }).click();
    await page.getByText("Copied as Markdown").waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toContain(RICH_TITLE);
    expect(copied).toContain("Tests pass now?");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download" }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.md$/);
    const { readFile } = await import("node:fs/promises");
    expect(await readFile((await download.path())!, "utf8")).toBe(copied);
    await close();
  });

  it("an unknown id shows 'Session not found', not an error", async () => {
    const { page, close } = await open(`/sessions/does-not-exist`);
    await page.getByText("Session not found").waitFor();
    await close();
  });

  for (const viewport of [DESKTOP, PHONE]) {
    for (const dark of [false, true]) {
      const variant = `${viewport === DESKTOP ? "desktop" : "phone"}-${dark ? "dark" : "light"}`;
      it(`${variant}: viewer, palette, search, context and public pages pass axe, fit the width and leave screenshots`, async () => {
        const problems: string[] = [];
        const { page, errors, close } = await open(`/sessions/${sessionId}`, { viewport, dark });
        const check = async (name: string, ready: () => Promise<unknown>) => {
          await ready();
          await page.waitForLoadState("networkidle").catch(() => undefined);
          await screenshot(page, `${name}-${variant}`);
          const overflow = await horizontalOverflow(page);
          if (overflow > 0) problems.push(`${name}: scrolls sideways by ${overflow}px`);
          for (const v of await axeSerious(page)) problems.push(`${name}: axe ${v.impact} ${v.id} (${v.help}) at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
        };
        await check("session", async () => {
          await page.getByRole("heading", { level: 1, name: RICH_TITLE }).waitFor();
          await page.locator("details[data-tool=Edit] summary").click();
          await page.locator("pre code .hljs-keyword").first().waitFor();
        });
        await check("palette", async () => {
          await (await openPalette(page)).fill("reconnect");
          await page.locator("[role=listbox][aria-busy=false]").waitFor();
        });
        await page.keyboard.press("Escape");
        await page.goto(`${app.server.url}/search?q=reconnect`);
        await check("search", () => page.getByTestId("search-result").first().waitFor());
        await page.goto(`${app.server.url}/context`);
        await page.getByLabel("Question").fill("websocket reconnect");
        await page.getByLabel("Question").press("Enter");
        await check("context", () => page.getByTestId("token-count").waitFor());
        // The public page, signed out.
        await page.context().clearCookies();
        const { publicSlug } = await app.server.client(app.key).shareSession(sessionId, true);
        await page.goto(`${app.server.url}/s/${publicSlug}`);
        await check("public", async () => {
          await page.getByRole("heading", { level: 1, name: RICH_TITLE }).waitFor();
          await page.locator("pre code .hljs-keyword").first().waitFor();
        });
        await close();
        expect(problems).toEqual([]);
        expect(errors).toEqual([]);
      });
    }
  }
});
