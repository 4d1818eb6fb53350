import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, expect, it } from "vitest";
import { messageInputSchema, sessionInputSchema } from "@opensync/protocol";
import type { Store } from "../types.js";
import { SqliteFulltextIndexer } from "./fulltext.js";
import { fulltextPathFor } from "./fulltext-schema.js";
import { runIndexLoop, type IndexLoop, type IndexLoopEvent } from "./fulltext-loop.js";
import { openSqliteStore } from "./open.js";

let dir: string;
let path: string;
let store: Store;
let userId: string;
let loop: IndexLoop | undefined;
let drained: Array<{ at: number; count: number }>;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "opensync-fts-loop-"));
  path = join(dir, "opensync.db");
  store = await openSqliteStore({ path });
  userId = (await store.users.create({ email: "loop@example.com", role: "owner" })).id;
  drained = [];
});
afterEach(async () => {
  loop?.stop();
  loop = undefined;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

let next = 0;
async function syncMessages(n: number): Promise<void> {
  const messages = Array.from({ length: n }, () => messageInputSchema.parse({ sessionExternalId: "s", externalId: `m${next++}`, role: "user", textContent: `message ${next}` }));
  await store.sync.applyBatch(userId, [sessionInputSchema.parse({ externalId: "s", title: "loop" })], messages, Date.now());
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const start = () => {
  loop = runIndexLoop(path, 50, (event: IndexLoopEvent) => {
    if (event.type === "drained") drained.push({ at: performance.now(), count: event.count });
  });
};
const total = () => drained.reduce((n, d) => n + d.count, 0);

it("indexes a lone sync at once", async () => {
  start();
  await sleep(150); // the first look
  await syncMessages(3);
  const synced = performance.now();
  while (total() < 3 && performance.now() - synced < 3000) await sleep(10);
  expect(total()).toBeGreaterThanOrEqual(3);
  expect(drained[0].at - synced).toBeLessThan(1000);
  // Idle, the loop fills the recent index (fulltext-recent.ts): a small index is held whole (floor 0).
  const fts = new Database(fulltextPathFor(path), { readonly: true });
  try {
    const floor = () => (fts.prepare("SELECT value FROM fts_meta WHERE key = 'recent_floor'").get() as { value: number | null } | undefined)?.value;
    const waited = performance.now();
    while (floor() !== 0 && performance.now() - waited < 3000) await sleep(20);
    expect(floor()).toBe(0);
    expect(fts.prepare(`SELECT count(*) AS n FROM fts_recent WHERE fts_recent MATCH 'message'`).pluck().get()).toBe(3);
  } finally {
    fts.close();
  }
});

it("leaves a bulk import alone while it runs, then catches up at once (issue 8)", async () => {
  start();
  await sleep(150);
  // Batches back to back for 1.5 s: a bulk import (an import sends 10,000-30,000 changes a second;
  // these are 600 a batch, each taking a few ms, at least ~5,000 a second on a loaded machine).
  const importStarted = performance.now();
  while (performance.now() - importStarted < 1500) {
    await syncMessages(600);
    await sleep(5);
  }
  const importEnded = performance.now();
  const duringImport = drained.filter((d) => d.at < importEnded && d.at > importStarted + 300);
  expect(duringImport).toEqual([]);
  const probe = new SqliteFulltextIndexer(path);
  try {
    while (probe.pending() > 0 && performance.now() - importEnded < 5000) await sleep(20);
    expect(probe.pending()).toBe(0);
  } finally {
    probe.close();
  }
  expect(drained.at(-1)!.at - importEnded).toBeLessThan(2000);
});
