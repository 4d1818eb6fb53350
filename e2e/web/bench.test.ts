import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import type { MessageInput, SessionInput } from "@opensync/protocol";
import { startSeededApp, OWNER, type SeededApp } from "./app.js";
import { ARTIFACTS, HAS_BROWSER, launch, newContext, signIn } from "./browser.js";

/**
 * The dashboard benchmark (`OPENSYNC_WEB_BENCH=1 npx vitest run e2e/web/bench.test.ts`): first
 * contentful paint and time until the page shows its data, for the overview and the sessions list
 * over 100,000 stored sessions and for a session of 10,000 messages. Not part of `npm test`
 * (seeding takes minutes); results go to e2e/web/.artifacts/bench.json.
 */
const SESSIONS = Number(process.env.OPENSYNC_WEB_BENCH_SESSIONS ?? 100_000);
const MESSAGES = 10_000;

/** Retries a 5xx like the real uploader does (a busy store answers 500 "database is locked" now and then). */
async function retrying<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= 5 || !(err as { retryable?: boolean }).retryable) throw err;
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
}

async function seedMany(app: SeededApp): Promise<string> {
  const client = app.server.client(app.key);
  const api = { syncBatch: (b: Parameters<typeof client.syncBatch>[0]) => retrying(() => client.syncBatch(b)), listSessions: client.listSessions.bind(client) };
  const now = Date.now();
  const agents = ["claude-code", "opencode", "codex-cli", "gemini-cli"];
  for (let i = 0; i < SESSIONS; i += 500) {
    const sessions: SessionInput[] = [];
    for (let j = i; j < Math.min(SESSIONS, i + 500); j++) {
      const created = now - (j % 365) * 86_400_000 - j * 1000;
      sessions.push({
        externalId: `bench-${j}`, source: agents[j % 4], title: `Bench session ${j}`, projectPath: `/home/b/p${j % 40}`, model: `model-${j % 7}`,
        machine: `m${j % 3}`, promptTokens: 1000 + (j % 5000), completionTokens: 200 + (j % 900), cacheReadTokens: j % 20_000, cost: (j % 100) / 100,
        durationMs: 60_000 + (j % 3_600_000), createdAt: created, updatedAt: created + 60_000,
      });
    }
    await api.syncBatch({ sessions });
  }
  const big = "bench-big";
  const bigStart = now - 86_400_000;
  // An agent id of its own, to find its server id below.
  await api.syncBatch({ sessions: [{ externalId: big, source: "bench-big", title: "Ten thousand messages", createdAt: bigStart, updatedAt: now }] });
  for (let i = 0; i < MESSAGES; i += 500) {
    const messages: MessageInput[] = [];
    for (let j = i; j < Math.min(MESSAGES, i + 500); j++) {
      messages.push({
        sessionExternalId: big, externalId: `big-${j}`, role: j % 2 ? "assistant" : "user", createdAt: bigStart + j * 5000,
        textContent: j % 2 ? `Answer ${j}: here is the change.\n\n\`\`\`ts\nconst x${j} = ${j};\n\`\`\`` : `Question ${j}: what does line ${j} do?`,
        ...(j % 2 ? { promptTokens: 500, completionTokens: 120 } : {}),
      });
    }
    await api.syncBatch({ messages });
  }
  const list = await api.listSessions({ source: "bench-big", limit: 5 });
  const found = list.sessions.find((s) => s.externalId === big);
  if (!found) throw new Error("the 10,000-message session is not listed");
  return found.id;
}

async function measure(page: Page, url: string, ready: string): Promise<{ fcpMs: number; readyMs: number }> {
  await page.goto(url);
  await page.locator(ready).first().waitFor({ timeout: 60_000 });
  const readyMs = await page.evaluate(() => performance.now());
  const fcpMs = await page.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? -1);
  return { fcpMs: Math.round(fcpMs), readyMs: Math.round(readyMs) };
}

describe.skipIf(!HAS_BROWSER || process.env.OPENSYNC_WEB_BENCH !== "1")("dashboard benchmark", () => {
  let app: SeededApp;
  let browser: Browser;
  let bigId: string;
  beforeAll(async () => {
    [app, browser] = await Promise.all([startSeededApp({ sessions: 0 }), launch()]);
    const started = Date.now();
    try {
      bigId = await seedMany(app);
    } catch (err) {
      process.stderr.write(`[bench] seeding failed; server said:\n${app.server.stdout.slice(-3000)}\n${app.server.stderr.slice(-3000)}\n`);
      throw err;
    }
    process.stdout.write(`[bench] seeded ${SESSIONS} sessions + ${MESSAGES} messages in ${Math.round((Date.now() - started) / 1000)} s\n`);
  }, 1_800_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it("measures", async () => {
    const results: Record<string, { fcpMs: number; readyMs: number }[]> = {};
    const cases: [string, string, string][] = [
      ["overview", "/", "[data-testid=card-sessions]"],
      ["sessions", "/sessions", "[data-session-id]"],
      ["session-10k", `/sessions/${bigId}`, "[id^='m-']"],
    ];
    for (const [name, path, ready] of cases) {
      results[name] = [];
      for (let run = 0; run < 3; run++) {
        const context = await newContext(browser);
        await signIn(context, app.server.url, OWNER.email, OWNER.password);
        const page = await context.newPage();
        process.stdout.write(`[bench] ${name} run ${run + 1}\n`);
        results[name].push(await measure(page, app.server.url + path, ready));
        await context.close();
      }
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, "bench.json"), JSON.stringify({ sessions: SESSIONS, messages: MESSAGES, results }, null, 2));
    process.stdout.write(`[bench] ${JSON.stringify(results)}\n`);
  }, 600_000);
});
