import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { MessageInput } from "@opensync/protocol";
import { startSeededApp, OWNER, type SeededApp } from "./app.js";
import { HAS_BROWSER, launch, newContext, signIn } from "./browser.js";
import { openPalette } from "./palette-helper.js";
import { webDirEnv } from "./viewer-seed.js";

/**
 * Session text is hostile. A session full of script payloads is synced, then shown in the viewer
 * (every part opened), the search results, the command palette and the public page: nothing runs
 * (no flag set, no dialog), the Content-Security-Policy reports no blocked attempt (nothing even
 * reached the DOM as script), and the DOM holds no script, event-handler attribute or unsafe link.
 */
const MARK = "zqxpayload";
const PAYLOADS = [
  `<script>window.__pwned='script'</script>`,
  `<img src=x onerror="window.__pwned='img'">`,
  `<svg onload="window.__pwned='svg-onload'"><script>window.__pwned='svg'</script></svg>`,
  `[click me](javascript:window.__pwned='md-link')`,
  `<a href="javascript:window.__pwned='a'">a link</a>`,
  `[entity](jav&#x09;ascript:window.__pwned='entity')`,
  `</textarea><script>window.__pwned='textarea'</script>`,
  `<iframe srcdoc="<script>parent.__pwned='iframe'</script>"></iframe>`,
  `<details open ontoggle="window.__pwned='details'">`,
  `![img](javascript:window.__pwned='img-md')`,
  `"><style>body{display:none}</style><form action="javascript:window.__pwned='form'"><button>go</button></form>`,
];
const HOSTILE = `${MARK} ${PAYLOADS.join("\n\n")}`;

describe.skipIf(!HAS_BROWSER)("nothing in a session runs as script", () => {
  let app: SeededApp;
  let browser: Browser;
  let sessionId: string;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startSeededApp({ sessions: 0, env: webDirEnv() }), launch()]);
    const client = app.server.client(app.key);
    const ext = "hostile";
    const m = (i: number, rest: Omit<MessageInput, "sessionExternalId" | "externalId">): MessageInput => ({ sessionExternalId: ext, externalId: `${ext}-${i}`, createdAt: Date.now() - 60_000 + i * 1000, ...rest });
    const res = await client.syncBatch({
      sessions: [{ externalId: ext, source: "claude-code", title: `${MARK} <script>window.__pwned='title'</script><img src=x onerror=alert(1)>`, projectPath: `/tmp/<img src=x onerror="window.__pwned='project'">`, model: `<svg onload=alert(1)>`, gitBranch: `</textarea><script>alert(1)</script>` }],
      messages: [
        m(0, { role: "user", textContent: HOSTILE }),
        m(1, {
          role: "assistant", model: `<script>alert('model')</script>`, promptTokens: 10, completionTokens: 5,
          parts: [
            { type: "reasoning", content: { text: HOSTILE } },
            { type: "text", content: { text: HOSTILE } },
            { type: "tool-call", content: { toolName: `<img src=x onerror="window.__pwned='tool'">`, args: { command: HOSTILE }, callId: "c1" } },
            { type: "tool-call", content: { toolName: "Edit", args: { file_path: `<script>alert(1)</script>`, old_string: HOSTILE, new_string: `${HOSTILE}\nmore` }, callId: "c2" } },
            { type: "file", content: { path: `javascript:window.__pwned='file'`, mime: `<script>` } },
            { type: "mystery", content: { html: HOSTILE } },
          ],
        }),
        m(2, { role: "tool", parts: [{ type: "tool-result", content: { callId: "c1", output: HOSTILE, isError: true } }, { type: "tool-result", content: { callId: "c2", output: HOSTILE } }] }),
        m(3, { role: "assistant", textContent: HOSTILE, metadata: { isSidechain: true, agentId: `<script>alert(1)</script>` } }),
      ],
    });
    expect(res.errors).toEqual([]);
    sessionId = (await client.getSession(ext)).session.id;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  /** A page that records every attempt: a flag set by a payload, a dialog, a CSP violation, a page error. */
  async function watchedPage(context: BrowserContext): Promise<{ page: Page; incidents: () => Promise<string[]> }> {
    const page = await context.newPage();
    const incidents: string[] = [];
    await page.addInitScript(() => {
      const w = window as unknown as { __violations: string[] };
      w.__violations = [];
      document.addEventListener("securitypolicyviolation", (e) => w.__violations.push(`${e.violatedDirective}: ${e.blockedURI} ${e.sample}`));
    });
    page.on("dialog", (d) => {
      incidents.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on("pageerror", (e) => incidents.push(`pageerror: ${e.message}`));
    page.on("console", (msg) => {
      if (msg.type() === "error") incidents.push(`console: ${msg.text()}`);
    });
    return {
      page,
      incidents: async () => {
        const inPage = await page.evaluate(() => {
          const w = window as unknown as { __pwned?: string; __violations: string[] };
          const out: string[] = [];
          if (w.__pwned !== undefined) out.push(`payload ran: ${w.__pwned}`);
          for (const v of w.__violations) out.push(`csp: ${v}`);
          // The app's own scripts are same-origin files; anything else is a payload.
          for (const s of document.querySelectorAll("script")) if (!s.src || new URL(s.src).origin !== location.origin || s.textContent) out.push(`script element: ${s.outerHTML.slice(0, 80)}`);
          for (const el of document.body.querySelectorAll("*")) {
            for (const a of el.attributes) {
              if (/^on/i.test(a.name)) out.push(`handler attribute ${a.name} on <${el.tagName.toLowerCase()}>`);
              if (["href", "src", "action", "formaction", "srcdoc"].includes(a.name) && /^\s*(javascript|data|vbscript):/i.test(a.value)) out.push(`unsafe ${a.name} on <${el.tagName.toLowerCase()}>`);
            }
          }
          for (const tag of ["iframe", "svg script", "form[action]", "style:not([data-vite-dev-id])", "textarea"]) if (document.querySelector(`#root ${tag}`)) out.push(`element ${tag} in the app`);
          return out;
        });
        return [...incidents, ...inPage];
      },
    };
  }

  /** Opens every collapsed thing (subagent groups, reasoning, tool calls, "show all"), twice for nested ones. */
  async function openEverything(page: Page): Promise<void> {
    for (let round = 0; round < 3; round++) {
      await page.evaluate(() => {
        for (const b of document.querySelectorAll<HTMLButtonElement>("button[aria-expanded=false]")) b.click();
        for (const b of document.querySelectorAll<HTMLButtonElement>("button")) if (/^(▸ Show reasoning|Show all)/.test(b.textContent ?? "")) b.click();
        for (const d of document.querySelectorAll("details")) d.open = true;
      });
      await page.waitForTimeout(200);
    }
  }

  async function signedIn(): Promise<BrowserContext> {
    const context = await newContext(browser);
    await signIn(context, app.server.url, OWNER.email, OWNER.password);
    return context;
  }

  it("in the session viewer, with every tool call, the reasoning and the subagent opened", async () => {
    const context = await signedIn();
    const { page, incidents } = await watchedPage(context);
    await page.goto(`${app.server.url}/sessions/${sessionId}`);
    await page.getByRole("heading", { level: 1 }).waitFor();
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toContain("<script>window.__pwned='title'</script>");
    await openEverything(page);
    // The payload is shown as text (the reader sees what the agent saw).
    expect(await page.locator("#root").textContent()).toContain("</textarea><script>window.__pwned='textarea'</script>");
    expect(await page.locator("#root a").evaluateAll((as) => as.map((a) => a.getAttribute("href")).filter((h) => h && !h.startsWith("/") && !h.startsWith("#")))).toEqual([]);
    expect(await incidents()).toEqual([]);
    await context.close();
  });

  it("in the search results and the command palette", async () => {
    const context = await signedIn();
    const { page, incidents } = await watchedPage(context);
    await page.goto(`${app.server.url}/search?q=${MARK}&type=fulltext`);
    await page.getByTestId("search-result").first().waitFor();
    expect(await page.getByTestId("search-result").first().textContent()).toContain(MARK);
    await (await openPalette(page)).fill(MARK);
    await page.getByRole("option").filter({ hasText: MARK }).first().waitFor();
    expect(await incidents()).toEqual([]);
    await context.close();
  });

  it("on the public page of the shared session (no sign-in)", async () => {
    const { publicSlug } = await app.server.client(app.key).shareSession(sessionId, true);
    const context = await newContext(browser);
    const { page, incidents } = await watchedPage(context);
    await page.goto(`${app.server.url}/s/${publicSlug}`);
    await page.getByRole("heading", { level: 1 }).waitFor();
    await openEverything(page);
    expect(await page.locator("#root").textContent()).toContain("window.__pwned='svg'");
    // No owner details on the public page.
    expect(await page.getByText("Machine", { exact: true }).count()).toBe(0);
    expect(await incidents()).toEqual([]);
    await context.close();
  });

});
