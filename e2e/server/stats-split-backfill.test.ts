import Database from "better-sqlite3";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OpenSyncClient } from "@opensync/protocol";
import { startServer, type ServerProcess } from "../harness/server-process.js";

/**
 * Migration 0007_usage_rollup_splits on a database that already holds sessions: the hourly
 * per-model and per-source rows are built from them when the server starts: the split at offsets of
 * whole hours (served from those rows) is what it was before, and what the sessions grouped at an
 * offset of 5h30 give (no session is near a local midnight, so the days agree).
 */
let server: ServerProcess;
let api: OpenSyncClient;
const T = Date.UTC(2025, 3, 10, 12);
const H = 3_600_000;

beforeAll(async () => {
  server = await startServer();
  api = server.client(await server.createKey("split@example.com"));
  await api.syncBatch({
    sessions: [
      { externalId: "a", model: "gpt-5", source: "codex", createdAt: T, promptTokens: 100 },
      { externalId: "b", model: "gpt-5", source: "codex", createdAt: T + H, promptTokens: 20 },
      { externalId: "c", model: "claude-sonnet-4-5", source: "claude-code", createdAt: T + 24 * H, promptTokens: 7 },
      { externalId: "d", source: "claude-code", createdAt: T + 48 * H + 5, promptTokens: 3 },
    ],
  });
});
afterAll(() => server?.cleanup());

const splits = async (tzOffset: number) =>
  (await api.stats({ groupBy: "day", splitBy: "model", tzOffset })).groups!.map((g) => [g.key, g.split!.map((s) => [s.key, s.totalTokens, s.sessionCount])]);

describe("split rollups built from existing sessions", () => {
  test("a server started on a database from before 0007 builds the hourly split rows", async () => {
    const expected = [
      ["2025-04-10", [["gpt-5", 120, 2]]],
      ["2025-04-11", [["claude-sonnet-4-5", 7, 1]]],
      ["2025-04-12", [[null, 3, 1]]],
    ];
    expect(await splits(120)).toEqual(expected);
    await server.stop();
    const db = new Database(join(server.dataDir, "opensync.db"));
    try {
      db.prepare("DELETE FROM kysely_migration WHERE name = '0007_usage_rollup_splits'").run();
      for (const t of ["insert", "update", "delete"]) db.prepare(`DROP TRIGGER usage_rollup_split_${t}`).run();
      expect(db.prepare("DELETE FROM usage_rollup WHERE grain = 'h' AND dim IN ('model', 'source')").run().changes).toBeGreaterThan(0);
    } finally {
      db.close();
    }
    await server.restart();
    expect(await splits(120)).toEqual(expected);
    expect(await splits(-180)).toEqual(expected);
    expect(await splits(330)).toEqual(expected);
    // And the triggers are back: a new session lands in its hour.
    await api.syncSession({ externalId: "e", model: "gpt-5", createdAt: T + 2 * H, promptTokens: 1 });
    expect((await splits(120))[0]).toEqual(["2025-04-10", [["gpt-5", 121, 3]]]);
  });
});
