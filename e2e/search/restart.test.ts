import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { startServer, type ServerProcess } from "../harness/server-process.js";
import { waitIndexed } from "./helpers.js";

/**
 * The full-text queue is durable: what was synced while nothing indexed it (the indexer off, or
 * the server killed before it ran) is indexed by the next server; and a deleted index file is
 * rebuilt from the main database.
 */
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers.reverse()) await s.cleanup();
});

test("queued changes survive kill -9 and are indexed after restart; a lost index file is rebuilt", async () => {
  const first = await startServer({ env: { OPENSYNC_FULLTEXT_INDEXER: "off" } });
  servers.push(first);
  const key = await first.createKey("restart@example.com");
  await first.client(key).syncBatch({
    sessions: [{ externalId: "r1", title: "restart probe" }],
    messages: [{ sessionExternalId: "r1", externalId: "m1", role: "user", textContent: "the word quasarfluxion was synced" }],
  });
  expect((await first.client(key).searchStatus()).fulltext).toMatchObject({ indexed: 0, pending: 2 });
  await first.kill9();

  const second = await startServer({ dataDir: first.dataDir });
  servers.push(second);
  const client = second.client(key);
  await waitIndexed(client);
  expect((await client.search({ q: "quasarfluxion", type: "fulltext" })).results.map((r) => r.sessionExternalId)).toEqual(["r1"]);
  await second.stop();

  await rm(join(first.dataDir, "opensync-fts.db"), { force: true });
  await rm(join(first.dataDir, "opensync-fts.db-wal"), { force: true });
  await rm(join(first.dataDir, "opensync-fts.db-shm"), { force: true });
  const third = await startServer({ dataDir: first.dataDir });
  servers.push(third);
  const again = third.client(key);
  await waitIndexed(again);
  expect((await again.search({ q: "quasarfluxion", type: "fulltext" })).total).toBe(1);
  expect((await again.search({ q: "probe", type: "fulltext" })).results[0].sessionExternalId).toBe("r1");
});
