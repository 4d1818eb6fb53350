import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OpenSyncClient, SessionListQuery } from "@opensync/protocol";
import { startServer, type ServerProcess } from "../harness/server-process.js";

/**
 * `GET /api/sessions?provider=` and `?q=`: the provider exactly; each word of `q` a case-insensitive
 * substring of the title, project name or path, model or externalId, over every session (not a loaded page),
 * with `%`, `_` and `\` taken literally, combined with the other filters and the cursor.
 */
let server: ServerProcess;
let api: OpenSyncClient;
let other: OpenSyncClient;

const T = Date.UTC(2025, 6, 1);

beforeAll(async () => {
  server = await startServer();
  api = server.client(await server.createKey("list@example.com"));
  other = server.client(await server.createKey("list-other@example.com"));
  await api.syncBatch({
    sessions: [
      { externalId: "ext-alpha-1", title: "Fix the Login bug", projectPath: "/home/me/webshop", provider: "anthropic", model: "claude-sonnet-4-5", source: "claude-code", createdAt: T },
      { externalId: "ext-beta-2", title: "Refactor payments", projectPath: "/home/me/Billing", provider: "openai", model: "gpt-5", source: "codex", createdAt: T + 1000 },
      { externalId: "ext-gamma-3", title: "100% coverage_push", projectPath: "/srv/tools", provider: "openai", model: "gpt-5-mini", source: "opencode", createdAt: T + 2000 },
      { externalId: "ÉTÉ-delta", title: "Écrire la doc", projectPath: "/home/me/docs", source: "opencode", createdAt: T + 3000 },
      ...Array.from({ length: 7 }, (_, i) => ({ externalId: `bulk-${i}`, title: `login flow step ${i}`, provider: "anthropic", source: "claude-code", createdAt: T + 10_000 + i })),
    ],
  });
  await other.syncBatch({ sessions: [{ externalId: "theirs", title: "login of someone else", provider: "openai", createdAt: T }] });
});
afterAll(() => server?.cleanup());

const ids = async (query: Partial<SessionListQuery>) => (await api.listSessions({ limit: 100, ...query })).sessions.map((s) => s.externalId).sort();

describe("session list: provider and q", () => {
  test("provider matches exactly", async () => {
    expect(await ids({ provider: "openai" })).toEqual(["ext-beta-2", "ext-gamma-3"]);
    expect(await ids({ provider: "OpenAI" })).toEqual([]);
    expect((await ids({ provider: "anthropic" })).length).toBe(8);
  });

  test("q matches title, project name and path, model and externalId, ignoring case", async () => {
    expect(await ids({ q: "LOGIN BUG" })).toEqual(["ext-alpha-1"]);
    expect(await ids({ q: "billing" })).toEqual(["ext-beta-2"]);
    expect(await ids({ q: "/srv/" })).toEqual(["ext-gamma-3"]);
    expect(await ids({ q: "gpt-5" })).toEqual(["ext-beta-2", "ext-gamma-3"]);
    expect(await ids({ q: "Alpha-1" })).toEqual(["ext-alpha-1"]);
    // Beyond ASCII, letters match in the case typed (SQLite's LIKE folds ASCII only).
    expect(await ids({ q: "Écrire" })).toEqual(["ÉTÉ-delta"]);
    expect(await ids({ q: "été" })).toEqual([]);
    expect(await ids({ q: "nothing like this" })).toEqual([]);
    // Every word, each in any field: "webshop" is in the path, "bug" in the title.
    expect(await ids({ q: "  bug   WEBSHOP " })).toEqual(["ext-alpha-1"]);
    expect(await ids({ q: "bug billing" })).toEqual([]);
  });

  test("% _ and \\ are literal, not wildcards", async () => {
    expect(await ids({ q: "100%" })).toEqual(["ext-gamma-3"]);
    expect(await ids({ q: "%" })).toEqual(["ext-gamma-3"]);
    expect(await ids({ q: "e_p" })).toEqual(["ext-gamma-3"]);
    expect(await ids({ q: "\\" })).toEqual([]);
  });

  test("q combines with filters and pages with the cursor; other users' sessions never match", async () => {
    expect(await ids({ q: "login", provider: "anthropic", source: "claude-code" })).toEqual(["bulk-0", "bulk-1", "bulk-2", "bulk-3", "bulk-4", "bulk-5", "bulk-6", "ext-alpha-1"]);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.listSessions({ q: "login", limit: 3, cursor });
      expect(page.sessions.length).toBeLessThanOrEqual(3);
      seen.push(...page.sessions.map((s) => s.externalId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(["bulk-6", "bulk-5", "bulk-4", "bulk-3", "bulk-2", "bulk-1", "bulk-0", "ext-alpha-1"]);
    expect(seen).not.toContain("theirs");
  });

  test("q longer than 200 characters is refused; a blank q lists everything", async () => {
    await expect(api.listSessions({ q: "x".repeat(201) })).rejects.toMatchObject({ status: 400 });
    expect((await ids({ q: "   " })).length).toBe(11);
  });
});
