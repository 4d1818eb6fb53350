/**
 * What full-text indexing adds to the sync transaction itself (issue 9): the same batches applied
 * in-process by the server's `SyncRepo.applyBatch` (its migrations, pragmas and row writer) to
 * two fresh databases, one without the `fts_queue` triggers, alternating batch by batch so a noisy
 * neighbour hits both alike. This is the only indexing work on the sync path; the indexer runs
 * on another thread against another file (bench/search-ingest.mjs measures the whole server).
 *
 *   node --expose-gc bench/search-sync-cost.mjs [--batches N] [--seed N] [--dir DIR]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { messageInputSchema, sessionInputSchema } from "@opensync/protocol";
import { openSqliteDatabase, openSqliteStore } from "@opensync/server/store/sqlite/open";
import { generateSessions, syncBatches } from "./corpus.mjs";
import { fmtMs, markdownTable, percentile } from "./lib/report.mjs";

export function syncCostOptions(argv = process.argv.slice(2), env = process.env) {
  const { values } = parseArgs({ args: argv, strict: false, options: { batches: { type: "string" }, seed: { type: "string" }, dir: { type: "string" } } });
  return { batches: Number(values.batches ?? 100), seed: Number(values.seed ?? env.BENCH_SEED ?? 1), dir: values.dir ?? env.BENCH_DIR ?? tmpdir() };
}

async function openTarget(dir, name, keepFtsTriggers) {
  const path = join(dir, `${name}.db`);
  (await openSqliteStore({ path })).close();
  const raw = openSqliteDatabase({ path });
  for (const { name: trigger } of raw.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all()) {
    // Embedding jobs are another benchmark's; full-text's queue is what is compared here.
    if (trigger.startsWith("embedding_") || (!keepFtsTriggers && trigger.startsWith("fts_queue_"))) raw.exec(`DROP TRIGGER ${trigger}`);
  }
  raw.close();
  const store = await openSqliteStore({ path });
  const user = await store.users.create({ email: `${name}@bench.local`, role: "owner" });
  return { store, userId: user.id };
}

export async function runSyncCostBench(options = syncCostOptions(), log = (l) => process.stderr.write(l + "\n")) {
  const dir = mkdtempSync(join(options.dir, "opensync-bench-sync-cost-"));
  try {
    const batches = [...syncBatches(generateSessions({ seed: options.seed, messageCount: options.batches * 500 }), 500)].map((b) => ({
      sessions: b.sessions.map((s) => sessionInputSchema.parse(s)),
      messages: b.messages.map((m) => messageInputSchema.parse(m)),
    }));
    const without = await openTarget(dir, "without", false);
    const withFts = await openTarget(dir, "with", true);
    const times = { without: [], with: [] };
    for (const [i, b] of batches.entries()) {
      // Alternate which goes first, so neither always runs on a warmer cache.
      const order = i % 2 ? [["with", withFts], ["without", without]] : [["without", without], ["with", withFts]];
      for (const [key, t] of order) {
        const started = performance.now();
        await t.store.sync.applyBatch(t.userId, b.sessions, b.messages, Date.now());
        times[key].push(performance.now() - started);
      }
    }
    await without.store.close();
    await withFts.store.close();
    log(`  ${batches.length} batches of 500 applied to each database`);
    return { batches: batches.length, times };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function syncCostReport({ batches, times }) {
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  const row = (label, xs) => [label, fmtMs(percentile(xs, 50)), fmtMs(percentile(xs, 95)), fmtMs(sum(xs) / xs.length)];
  const extra = (100 * (percentile(times.with, 50) / percentile(times.without, 50) - 1)).toFixed(1);
  return `${batches} batches of 500 messages, alternating between the two databases.\n\n` +
    markdownTable(["applyBatch", "p50", "p95", "mean"], [row("without the fts_queue triggers", times.without), row("with them (as shipped)", times.with)]) +
    `\n\nThe queue costs ${extra}% of a batch's median time in the sync transaction.\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(syncCostReport(await runSyncCostBench()));
}
