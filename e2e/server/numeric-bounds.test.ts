import Database from "better-sqlite3";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LIMITS, STATS_GROUPS, type OpenSyncClient, type StatsResponse } from "@opensync/protocol";
import { expectError } from "../harness/expect.js";
import { startServer, type ServerProcess } from "../harness/server-process.js";

/**
 * Issue 7, defect 8: `POST /sync/session` with `messageCount: 9e18` was accepted, and every later
 * stats SUM overflowed: `/api/stats` and the dashboard answered 500 forever. Every number the sync
 * endpoints accept is now bounded at the door (400 naming the field), and the aggregation cannot
 * raise on whatever is stored, including rows an older version wrote.
 */

/** Absurd values as raw JSON text (`1e999` parses to Infinity, which JSON.stringify cannot write). */
const ABSURD = ["9e18", "1e300", "-1", '"NaN"', '"Infinity"', "1e999", "-1e999", '"-1"', '"9e18"'];
/** Counts must also be integers. */
const ABSURD_COUNTS = [...ABSURD, "2.5", '"12"'];

const SESSION_NUMBERS = [
  "promptTokens", "completionTokens", "cacheReadTokens", "cacheWriteTokens", "reasoningTokens",
  "cost", "durationMs", "createdAt", "updatedAt",
  // The Claude Code plugin's own shape: alias of prompt/completion tokens, and the fields that
  // stand in for cost and times.
  "tokenUsage.input", "tokenUsage.output", "costEstimate", "startedAt", "endedAt",
];
/** Declared counts, kept in metadata but read by the store (a declared messageCount counts). */
const SESSION_COUNTS = ["messageCount", "toolCallCount", "metadata.messageCount", "metadata.toolCallCount"];
const MESSAGE_NUMBERS = [
  "promptTokens", "completionTokens", "cacheReadTokens", "cacheWriteTokens", "reasoningTokens",
  "cost", "durationMs", "createdAt",
];

const SENTINEL = "__ABSURD_VALUE__";

/** `base` with `path` (dotted) set to the raw JSON text `raw`, as a request body. */
function bodyWith(base: Record<string, unknown>, path: string, raw: string): string {
  const copy = structuredClone(base);
  const keys = path.split(".");
  let node = copy;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys[keys.length - 1]] = SENTINEL;
  return JSON.stringify(copy).replace(`"${SENTINEL}"`, raw);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** The error names the field: `tokenUsage.input: ...`, `sessions.3` is said by the batch's index. */
const names = (path: string) => new RegExp(`^${escapeRe(path)}: `);

const json = { "content-type": "application/json" };

/** Each pair: a value, and every field it goes into. */
const sessionCases = [
  ...SESSION_NUMBERS.flatMap((field) => ABSURD.map((raw) => [field, raw] as const)),
  ...SESSION_COUNTS.flatMap((field) => ABSURD_COUNTS.map((raw) => [field, raw] as const)),
];
const messageCases = MESSAGE_NUMBERS.flatMap((field) => ABSURD.map((raw) => [field, raw] as const));

/** Everything the stats report for a user, from the sessions the read API lists: the oracle. */
function totalsOf(sessions: Array<Record<string, number>>) {
  const sum = (k: string) => sessions.reduce((acc, s) => acc + s[k], 0);
  return {
    sessionCount: sessions.length,
    messageCount: sum("messageCount"),
    totalTokens: sum("totalTokens"),
    promptTokens: sum("promptTokens"),
    completionTokens: sum("completionTokens"),
    cacheReadTokens: sum("cacheReadTokens"),
    cacheWriteTokens: sum("cacheWriteTokens"),
    reasoningTokens: sum("reasoningTokens"),
    totalCost: sum("cost"),
    totalDurationMs: sum("durationMs"),
  };
}

const statTotals = (s: StatsResponse) => ({
  sessionCount: s.sessionCount,
  messageCount: s.messageCount,
  totalTokens: s.totalTokens,
  promptTokens: s.promptTokens,
  completionTokens: s.completionTokens,
  cacheReadTokens: s.cacheReadTokens,
  cacheWriteTokens: s.cacheWriteTokens,
  reasoningTokens: s.reasoningTokens,
  totalCost: s.totalCost,
  totalDurationMs: s.totalDurationMs,
});

/**
 * Signs in with a password and makes the calls the dashboard's overview makes with its cookie
 * (`GET /api/stats` grouped by day, `GET /api/sessions`): the worst status, and the stats.
 */
async function dashboardStatus(server: ServerProcess, email: string, password: string): Promise<{ status: number; stats: { sessionCount?: number } }> {
  const login = await server.request("/api/auth/login", { body: { email, password } });
  expect(login.status).toBe(200);
  const cookie = login.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const stats = await server.request("/api/stats?groupBy=day&tzOffset=120", { headers: { cookie } });
  const list = await server.request("/api/sessions?limit=100", { headers: { cookie } });
  return { status: Math.max(stats.status, list.status), stats: (await stats.json()) as { sessionCount?: number } };
}

/** Every read the issue named answers 200, and the stats (grouped or not) add up exactly. */
async function expectReadsHealthy(server: ServerProcess, api: OpenSyncClient, key: string, expected: ReturnType<typeof totalsOf>) {
  const stats = await api.stats();
  expect(statTotals(stats)).toEqual(expected);
  for (const groupBy of STATS_GROUPS) {
    const res = await server.request(`/api/stats?groupBy=${groupBy}`, { key });
    expect(res.status, `groupBy=${groupBy}`).toBe(200);
    const grouped = (await res.json()) as StatsResponse;
    const groups = grouped.groups!;
    expect(groups.reduce((a, g) => a + g.sessionCount, 0)).toBe(expected.sessionCount);
    expect(groups.reduce((a, g) => a + g.messageCount, 0)).toBe(expected.messageCount);
    expect(groups.reduce((a, g) => a + g.totalTokens, 0)).toBe(expected.totalTokens);
  }
  for (const sort of ["updatedAt", "createdAt", "totalTokens", "cost", "durationMs"]) {
    const res = await server.request(`/api/sessions?sort=${sort}&limit=500`, { key });
    expect(res.status, `sort=${sort}`).toBe(200);
  }
}

describe("defect 8: one absurd value makes the user's stats answer 500 forever", () => {
  const EMAIL = "bounds@example.com";
  const PASSWORD = "bounds password 1";
  let server: ServerProcess;
  let key: string;
  let api: OpenSyncClient;
  const post = (path: string, body: string) => server.request(path, { key, body, headers: json });

  beforeAll(async () => {
    server = await startServer();
    await server.createUser(EMAIL, PASSWORD);
    key = await server.createKey(EMAIL);
    api = server.client(key);
  });
  afterAll(() => server?.cleanup());

  test("the reproduction: messageCount 9e18 is a 400 naming the field, and the stats stay 200", async () => {
    await api.syncSession({ externalId: "repro-other", messageCount: 5 });
    const error = await expectError(await post("/sync/session", '{"externalId":"repro","messageCount":9e18}'), 400, "invalid_input", names("messageCount"));
    expect(error.error).toBe("messageCount: Too big: expected number to be <=1000000000");
    expect((await api.listSessionIds()).sessionIds).toEqual(["repro-other"]);
    const stats = await api.stats();
    expect(stats.messageCount).toBe(5);
    await api.deleteSession("repro-other");
  });

  test.each(sessionCases)("POST /sync/session %s = %s -> 400 naming the field", async (field, raw) => {
    const res = await post("/sync/session", bodyWith({ externalId: `s-${field}` }, field, raw));
    await expectError(res, 400, "invalid_input", names(field));
  });

  test.each(messageCases)("POST /sync/message %s = %s -> 400 naming the field", async (field, raw) => {
    const res = await post("/sync/message", bodyWith({ sessionExternalId: `m-${field}`, externalId: "m1" }, field, raw));
    await expectError(res, 400, "invalid_input", names(field));
  });

  test("no refused request stored anything", async () => {
    expect((await api.listSessionIds()).sessionIds).toEqual([]);
    expect(statTotals(await api.stats())).toEqual(totalsOf([]));
  });

  test("the largest accepted values are kept exactly, counts stay in metadata as sent", async () => {
    await api.syncSession({
      externalId: "at-the-limits",
      promptTokens: LIMITS.maxTokens,
      completionTokens: LIMITS.maxTokens,
      cacheReadTokens: LIMITS.maxTokens,
      cacheWriteTokens: LIMITS.maxTokens,
      reasoningTokens: LIMITS.maxTokens,
      cost: LIMITS.maxCost,
      durationMs: LIMITS.maxDurationMs,
      createdAt: LIMITS.maxTimestampMs,
      messageCount: LIMITS.maxCount,
      toolCallCount: 0,
    } as Parameters<OpenSyncClient["syncSession"]>[0]);
    await api.syncSession({
      sessionId: "claude-shape",
      tokenUsage: { input: 1200, output: 340 },
      costEstimate: 0.5,
      startedAt: "2025-03-01T10:00:00.000Z",
      endedAt: "2025-03-01T10:05:00.000Z",
      messageCount: 12,
      toolCallCount: 4,
      metadata: { messageCount: 11 },
    } as Parameters<OpenSyncClient["syncSession"]>[0]);
    const limits = (await api.getSession("at-the-limits")).session;
    expect(limits).toMatchObject({ totalTokens: 5 * LIMITS.maxTokens, cost: LIMITS.maxCost, durationMs: LIMITS.maxDurationMs, messageCount: LIMITS.maxCount });
    expect(limits.metadata).toEqual({ messageCount: LIMITS.maxCount, toolCallCount: 0 });
    const claude = (await api.getSession("claude-shape")).session;
    expect(claude).toMatchObject({ promptTokens: 1200, completionTokens: 340, cost: 0.5, messageCount: 12, createdAt: 1740823200000, updatedAt: 1740823500000 });
    // The top-level field wins over the same key inside `metadata`; both are kept as sent.
    expect(claude.metadata).toEqual({
      messageCount: 12, toolCallCount: 4, startedAt: "2025-03-01T10:00:00.000Z", endedAt: "2025-03-01T10:05:00.000Z", costEstimate: 0.5,
    });
  });

  test("POST /sync/batch reports each absurd item by index, naming the field, and applies the rest", async () => {
    // Good and bad items interleaved: even indexes are good, odd ones carry one absurd value.
    const sessionBodies: string[] = [];
    sessionCases.forEach(([field, raw], i) => {
      sessionBodies.push(JSON.stringify({ externalId: `batch-good-${i}`, promptTokens: 10, completionTokens: 5, cost: 0.5, messageCount: 3 }));
      sessionBodies.push(bodyWith({ externalId: `batch-bad-${i}` }, field, raw));
    });
    const messageBodies: string[] = [];
    messageCases.forEach(([field, raw], i) => {
      messageBodies.push(JSON.stringify({ sessionExternalId: "batch-messages", externalId: `good-${i}`, role: "assistant", promptTokens: 7, cacheReadTokens: 2, cost: 0.25, createdAt: 1_740_000_000_000 + i }));
      messageBodies.push(bodyWith({ sessionExternalId: "batch-messages", externalId: `bad-${i}` }, field, raw));
    });
    const res = await post("/sync/batch", `{"sessions":[${sessionBodies.join(",")}],"messages":[${messageBodies.join(",")}]}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { sessions: number; messages: number; errors: Array<{ kind: string; index: number; error: string }> };
    expect(body.sessions).toBe(sessionCases.length);
    expect(body.messages).toBe(messageCases.length);
    expect(body.errors.map((e) => [e.kind, e.index])).toEqual([
      ...sessionCases.map((_, i) => ["session", 2 * i + 1]),
      ...messageCases.map((_, i) => ["message", 2 * i + 1]),
    ]);
    body.errors.forEach((e, n) => {
      const field = n < sessionCases.length ? sessionCases[n][0] : messageCases[n - sessionCases.length][0];
      expect(e.error, `${e.kind} ${e.index}`).toMatch(names(field));
    });

    const ids = (await api.listSessionIds()).sessionIds;
    expect(ids.filter((id) => id.startsWith("batch-bad-"))).toEqual([]);
    const messages = (await api.getSession("batch-messages")).messages;
    expect(messages.map((m) => m.externalId).sort()).toEqual(messageCases.map((_, i) => `good-${i}`).sort());
    const batched = (await api.getSession("batch-messages")).session;
    expect(batched).toMatchObject({ promptTokens: 7 * messageCases.length, cacheReadTokens: 2 * messageCases.length, cost: 0.25 * messageCases.length, messageCount: messageCases.length });
  });

  test("afterwards /api/stats, every groupBy, /api/sessions and the dashboard answer 200 with exact totals", async () => {
    const { sessions } = await api.listSessions({ limit: 500 });
    const expected = totalsOf(sessions as unknown as Array<Record<string, number>>);
    // The oracle itself, independently: what was accepted above.
    const good = sessionCases.length;
    expect(expected.sessionCount).toBe(2 + good + 1);
    expect(expected.messageCount).toBe(LIMITS.maxCount + 12 + 3 * good + messageCases.length);
    expect(expected.promptTokens).toBe(LIMITS.maxTokens + 1200 + 10 * good + 7 * messageCases.length);
    expect(expected.totalCost).toBe(LIMITS.maxCost + 0.5 + 0.5 * good + 0.25 * messageCases.length);
    await expectReadsHealthy(server, api, key, expected);
    const dashboard = await dashboardStatus(server, EMAIL, PASSWORD);
    expect(dashboard.status).toBe(200);
    expect(dashboard.stats.sessionCount).toBe(expected.sessionCount);
  });
});

describe("defect 8: a database that already holds absurd values still answers 200", () => {
  const EMAIL = "legacy@example.com";
  const PASSWORD = "legacy password 1";
  let server: ServerProcess;
  let key: string;
  let api: OpenSyncClient;

  /** Writes into the stopped server's SQLite file, as an older version (or a hand edit) would have. */
  function writeDb(statements: Array<[string, ...unknown[]]>): void {
    const db = new Database(join(server.dataDir, "opensync.db"));
    try {
      for (const [sqlText, ...params] of statements) db.prepare(sqlText).run(...params);
    } finally {
      db.close();
    }
  }

  beforeAll(async () => {
    server = await startServer();
    await server.createUser(EMAIL, PASSWORD);
    key = await server.createKey(EMAIL);
    api = server.client(key);
    await api.syncSession({ externalId: "old-declared", messageCount: 4 } as Parameters<OpenSyncClient["syncSession"]>[0]);
    await api.syncSession({ externalId: "old-default" });
    await api.syncBatch({
      messages: [
        { sessionExternalId: "old-messages", externalId: "a", role: "user", promptTokens: 100, cost: 0.5, createdAt: 1_740_000_000_000 },
        { sessionExternalId: "old-messages", externalId: "b", role: "assistant", promptTokens: 200, completionTokens: 20, cost: 0.25, createdAt: 1_740_000_001_000 },
      ],
    });
  });
  afterAll(() => server?.cleanup());

  test("rows written by a version without bounds are brought within them when the server starts", async () => {
    await server.stop();
    // The database as the version before this fix left it: no migration 0002, and absurd values
    // (9e18 fits a 64-bit integer, so SQLite stores it as one and SUM overflows past two of them).
    // Nor the stats rollups (migrations 0005_usage_rollups and 0007_usage_rollup_splits), which came later still.
    writeDb([
      ["DELETE FROM kysely_migration WHERE name IN ('0002_bounded_values', '0005_usage_rollups', '0007_usage_rollup_splits')"],
      ...["insert", "update", "delete"].map((t): [string] => [`DROP TRIGGER usage_rollup_session_${t}`]),
      ...["insert", "update", "delete"].map((t): [string] => [`DROP TRIGGER usage_rollup_split_${t}`]),
      ["DROP TRIGGER usage_rollup_user_delete"],
      ["DROP TABLE usage_rollup"],
      ["ALTER TABLE sessions DROP COLUMN source_named"],
      ["UPDATE sessions SET declared_message_count = ?, message_count = ? WHERE external_id IN ('old-declared', 'old-default')", 9e18, 9e18],
      ["UPDATE messages SET prompt_tokens = ?, total_tokens = ? WHERE external_id = 'b'", 9e18, 9e18 + 20],
      ["UPDATE sessions SET prompt_tokens = ?, total_tokens = ? WHERE external_id = 'old-messages'", 9e18 + 100, 9e18 + 120],
    ]);
    await server.restart();

    const declared = (await api.getSession("old-declared")).session;
    // The absurd declared count says nothing: no message is stored, so the count is 0.
    expect(declared.messageCount).toBe(0);
    expect(declared.metadata).toEqual({ messageCount: 4 });
    const messages = (await api.getSession("old-messages")).session;
    expect(messages).toMatchObject({ promptTokens: LIMITS.maxTokens + 100, completionTokens: 20, totalTokens: LIMITS.maxTokens + 120, messageCount: 2 });

    const expected = totalsOf((await api.listSessions({ limit: 500 })).sessions as unknown as Array<Record<string, number>>);
    expect(expected).toMatchObject({ sessionCount: 3, messageCount: 2, promptTokens: LIMITS.maxTokens + 100, totalCost: 0.75 });
    await expectReadsHealthy(server, api, key, expected);
    expect((await dashboardStatus(server, EMAIL, PASSWORD)).status).toBe(200);
  });

  test("sessions stored before the source rule keep their source when a message names another", async () => {
    await api.syncMessage({ sessionExternalId: "old-default", externalId: "late", role: "user", source: "claude-code" });
    expect((await api.getSession("old-default")).session.source).toBe("opencode");
  });

  test("an absurd value stored in an up-to-date database cannot make the aggregation raise", async () => {
    await server.stop();
    // Migrations have run; nothing will clamp this. Two such counts overflow a 64-bit SUM.
    writeDb([["UPDATE sessions SET message_count = ? WHERE external_id IN ('old-declared', 'old-messages')", 9e18]]);
    await server.restart();

    const stats = await api.stats();
    expect(stats.messageCount).toBeGreaterThan(1.8e19 - 1e4);
    expect(stats.promptTokens).toBe(LIMITS.maxTokens + 100);
    expect(stats.totalCost).toBe(0.75);
    for (const groupBy of STATS_GROUPS) expect((await server.request(`/api/stats?groupBy=${groupBy}`, { key })).status).toBe(200);
    expect((await server.request("/api/sessions", { key })).status).toBe(200);
    expect((await dashboardStatus(server, EMAIL, PASSWORD)).status).toBe(200);
  });
});
