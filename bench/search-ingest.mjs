/**
 * Ingest with and without full-text indexing (issue 9: indexing must not cost sync more than
 * 10%). The HTTP path of bench/ingest.mjs (a real server process, POST /sync/batch of 500-message
 * batches over loopback) run on the same corpus in two set-ups, interleaved round by round:
 *
 * - **no indexing**: the search triggers (full-text queue, embedding jobs) dropped from the fresh
 *   database and the indexer off: the sync path as it was before search existed;
 * - **full-text indexing**: the `fts_queue` triggers (one row per message in the sync
 *   transaction) and the background indexer thread draining them while the batches arrive.
 *
 * Embeddings are off in both (their own benchmark measures them). After the last batch of an
 * indexing run, the time until the index has caught up is measured too.
 *
 *   node --expose-gc bench/search-ingest.mjs [--batches N] [--rounds N] [--concurrency N] [--seed N] [--dir DIR]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { generateSessions, syncBatches } from "./corpus.mjs";
import { createClient } from "./lib/http.mjs";
import { fmtInt, fmtMs, markdownTable, percentile } from "./lib/report.mjs";
import { createApiKey, startServerProcess } from "./lib/server-process.mjs";

export function searchIngestOptions(argv = process.argv.slice(2), env = process.env) {
  const { values } = parseArgs({ args: argv, strict: false, options: { batches: { type: "string" }, rounds: { type: "string" }, concurrency: { type: "string" }, seed: { type: "string" }, dir: { type: "string" } } });
  return {
    batches: Number(values.batches ?? env.BENCH_BATCHES ?? 50),
    rounds: Number(values.rounds ?? env.BENCH_ROUNDS ?? 3),
    concurrency: Number(values.concurrency ?? env.BENCH_CONCURRENCY ?? 4),
    seed: Number(values.seed ?? env.BENCH_SEED ?? 1),
    dir: values.dir ?? env.BENCH_DIR ?? tmpdir(),
  };
}

/** Search's own triggers (full-text queue, embedding jobs); others (e.g. usage rollups) always stay. */
const isSearchTrigger = (name) => name.startsWith("fts_queue_") || name.startsWith("embedding_");
const MODES = [
  { key: "off", label: "no indexing", keepTriggers: (name) => !isSearchTrigger(name), env: { OPENSYNC_FULLTEXT_INDEXER: "off" } },
  { key: "fts", label: "full-text indexing", keepTriggers: (name) => !name.startsWith("embedding_"), env: {} },
];

function corpusOf(seed, batches) {
  const objects = [...syncBatches(generateSessions({ seed, messageCount: batches * 500 }), 500)];
  return { objects, bodies: objects.map((b) => Buffer.from(JSON.stringify(b))), messages: objects.reduce((n, b) => n + b.messages.length, 0) };
}

async function runOnce(dir, corpus, warmup, mode, concurrency) {
  const dataDir = mkdtempSync(join(dir, "opensync-bench-search-ingest-"));
  let server;
  try {
    const key = createApiKey(dataDir);
    const db = new Database(join(dataDir, "opensync.db"));
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all()) {
      if (!mode.keepTriggers(name)) db.exec(`DROP TRIGGER ${name}`);
    }
    db.close();
    server = await startServerProcess({ dataDir, env: { OPENSYNC_EMBEDDINGS: "off", ...mode.env } });
    const client = createClient(server.url, key, concurrency);
    const send = async (body, expected) => {
      const res = await client.postJson("/sync/batch", body);
      if (res.status !== 200 || res.body.messages !== expected) throw new Error(`/sync/batch answered ${res.status}`);
      return res.ms;
    };
    for (const [i, b] of warmup.bodies.entries()) await send(b, warmup.objects[i].messages.length);
    globalThis.gc?.();
    const latencies = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < corpus.bodies.length) {
        const i = next++;
        latencies.push(await send(corpus.bodies[i], corpus.objects[i].messages.length));
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    let catchUpMs = null;
    if (mode.key !== "off") {
      const t = performance.now();
      for (;;) {
        const status = await client.getJson("/api/search/status");
        if (status.fulltext.pending === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      catchUpMs = performance.now() - t;
    }
    client.close();
    return { rate: corpus.messages / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), catchUpMs };
  } finally {
    await server?.stop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runSearchIngestBench(options = searchIngestOptions(), log = (l) => process.stderr.write(l + "\n")) {
  const corpus = corpusOf(options.seed, options.batches);
  const warmup = corpusOf(options.seed + 1_000_003, 3);
  const results = new Map();
  for (let round = 1; round <= options.rounds; round++) {
    for (const concurrency of [1, options.concurrency]) {
      for (const mode of MODES) {
        const r = await runOnce(options.dir, corpus, warmup, mode, concurrency);
        const key = `${mode.label}|${concurrency}`;
        if (!results.has(key)) results.set(key, []);
        results.get(key).push(r);
        log(`  round ${round}: ${mode.label.padEnd(20)} concurrency ${concurrency}: ${fmtInt(r.rate)} messages/s${r.catchUpMs !== null ? `, index caught up ${fmtMs(r.catchUpMs)} after the last batch` : ""}`);
      }
    }
  }
  return { corpus, results };
}

export function searchIngestReport({ corpus, results }, options) {
  const best = (runs) => Math.max(...runs.map((r) => r.rate));
  const rows = [];
  for (const concurrency of [1, options.concurrency]) {
    const off = results.get(`no indexing|${concurrency}`);
    const on = results.get(`full-text indexing|${concurrency}`);
    rows.push([`${concurrency}`, fmtInt(best(off)), fmtInt(best(on)), `${((best(on) / best(off) - 1) * 100).toFixed(1)}%`,
      `${off.map((r) => fmtInt(r.rate)).join(" / ")}`, `${on.map((r) => fmtInt(r.rate)).join(" / ")}`,
      fmtMs(Math.min(...on.map((r) => r.catchUpMs)))]);
  }
  return `${fmtInt(corpus.messages)} messages per run (seed ${options.seed}), best of ${options.rounds} interleaved rounds.\n\n` +
    markdownTable(["concurrency", "no indexing (msg/s)", "full-text indexing (msg/s)", "difference", "all runs, no indexing", "all runs, indexing", "index caught up after"], rows) + "\n";
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const options = searchIngestOptions();
  process.stdout.write(searchIngestReport(await runSearchIngestBench(options), options));
}
