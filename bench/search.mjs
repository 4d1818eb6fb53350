/**
 * Search benchmark (issue 9): full-text latency at 100k and 1M messages of the generated corpus,
 * and the background indexer's throughput.
 *
 *   node --expose-gc bench/search.mjs [--sizes 100000,1000000] [--queries N] [--seed N] [--dir DIR] [--rounds N] [--recent on|off]
 * Environment: BENCH_SEARCH_SIZES, BENCH_SEARCH_QUERIES, BENCH_SEED, BENCH_DIR.
 *
 * The database is filled with the raw insert path (the 100k corpus, copied under new sessions
 * for larger sizes, see `fill`) (the server's schema and migrations, so the
 * full-text queue triggers fire as in production), indexed by the server's own indexer
 * (`SqliteFulltextIndexer`, the code the worker thread runs), then queried through the server's
 * `SearchService` in-process (no HTTP: this is the search itself; HTTP adds ~1 ms on loopback).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { SearchService } from "@opensync/server/services/search";
import { SqliteFulltextIndex, SqliteFulltextIndexer, fulltextPathFor } from "@opensync/server/store/sqlite/fulltext";
import { UnavailableSemanticRetriever } from "@opensync/server/search/unavailable-semantic";
import { generateSessions, Rng, syncBatches } from "./corpus.mjs";
import { identifier, filePath } from "./corpus/text.mjs";
import { openRawTarget, rowsOf } from "./lib/raw-insert.mjs";
import { fmtInt, fmtMs, markdownTable, percentile } from "./lib/report.mjs";

export function searchOptions(argv = process.argv.slice(2), env = process.env) {
  const { values } = parseArgs({ args: argv, strict: false, options: { sizes: { type: "string" }, queries: { type: "string" }, rounds: { type: "string" }, seed: { type: "string" }, dir: { type: "string" }, recent: { type: "string" } } });
  return {
    sizes: (values.sizes ?? env.BENCH_SEARCH_SIZES ?? "100000,1000000").split(",").map(Number).filter((n) => n > 0).sort((a, b) => a - b),
    queries: Number(values.queries ?? env.BENCH_SEARCH_QUERIES ?? 200),
    // Every query is run this many times in each grouping (rounds over the whole mix, the grouping
    // run first alternating): one run of 160 queries put its p95 (the 9th slowest) anywhere in 2x.
    rounds: Math.max(1, Number(values.rounds ?? env.BENCH_SEARCH_ROUNDS ?? 3)),
    seed: Number(values.seed ?? env.BENCH_SEED ?? 1),
    dir: values.dir ?? env.BENCH_DIR ?? tmpdir(),
    // `--recent off`: the recent index emptied before the queries (prefixes read the main index alone).
    recent: (values.recent ?? "on") !== "off",
  };
}

/** The user bench/lib/raw-insert.mjs stores every message under. */
export const USER_ID = "bench-user";

/** A database kept by an earlier run (BENCH_SEARCH_KEEP=1, one size): only counted. */
async function openExisting(path) {
  const { openSqliteDatabase } = await import("@opensync/server/store/sqlite/open");
  const db = openSqliteDatabase({ path });
  return { count: () => db.prepare("SELECT count(*) AS n FROM messages").get().n, close: () => db.close(), insertBatch: () => { throw new Error("a kept database does not grow"); } };
}

/** Query kinds people type, drawn from the corpus's own vocabulary (seeded). */
export function queryMix(seed, n) {
  const rng = new Rng(seed + 7);
  const camel = () => {
    for (;;) {
      const id = identifier(rng);
      if (/[A-Z]/.test(id)) return id;
    }
  };
  const kinds = [
    ["identifier", () => camel()],
    ["identifier piece", () => camel().replace(/^[a-z]+/, "")],
    ["prefix", () => camel().slice(0, 7) + "*"],
    ["file path", () => filePath(rng, "src").replace(/^src\//, "")],
    ["two words", () => `${rng.pick(["retry", "cursor", "timeout", "schema", "migration", "cache", "batch"])} ${rng.pick(["limit", "offset", "leak", "index", "latency", "validation"])}`],
    ["phrase", () => `"${rng.pick(["stack trace", "memory leak", "deep copy", "event listener", "null value"])}"`],
    ["common word", () => rng.pick(["session", "error", "function", "test", "cache"])],
    ["question", () => rng.pick(["where did I fix the memory leak in the cache", "how was the retry timeout configured", "why does the migration fail on the schema"])],
  ];
  return Array.from({ length: n }, (_, i) => {
    const [kind, make] = kinds[i % kinds.length];
    return { kind, q: make() };
  });
}

/**
 * The first `BASE` messages of the generated corpus, stored as often as needed: each copy under
 * new session ids (`-copy<n>`), same texts. Generating a million fresh messages takes the
 * generator ~10x longer than storing them, and what a latency benchmark needs is the index's size
 * and its terms' document frequencies, which copies scale the same way.
 */
const BASE = 100_000;
let baseBatches;
export async function fill(target, seed, from, to, log) {
  // A kept database of this size: nothing to store, so nothing to generate (~1.5 s per 20k messages).
  if (from >= to) return;
  baseBatches ??= [...syncBatches(generateSessions({ seed, messageCount: Math.min(BASE, to) }), 500)];
  let done = from;
  for (let copy = Math.floor(from / BASE); done < to; copy++) {
    const batches = copy === 0 ? baseBatches : baseBatches.map((b) => ({
      sessions: b.sessions.map((x) => ({ ...x, externalId: `${x.externalId}-copy${copy}` })),
      messages: b.messages.map((m) => ({ ...m, sessionExternalId: `${m.sessionExternalId}-copy${copy}` })),
    }));
    for (const rows of rowsOf(batches)) {
      if (done >= to) break;
      target.insertBatch(rows);
      done += rows.messages.length;
    }
    log(`  stored ${fmtInt(done)} messages`);
  }
}

/**
 * The benchmark's database: with BENCH_SEARCH_KEEP=1 in one directory per seed under `options.dir`,
 * kept for the next run (tuning without the build; bench/search-hybrid.mjs shares it), else in a
 * fresh temporary one that `cleanup` removes.
 */
export function benchDatabase(options, keep = process.env.BENCH_SEARCH_KEEP === "1") {
  const dir = keep ? join(options.dir, `opensync-bench-search-kept-${options.seed}`) : mkdtempSync(join(options.dir, "opensync-bench-search-"));
  mkdirSync(dir, { recursive: true });
  return { dir, path: join(dir, "opensync.db"), cleanup: () => keep || rmSync(dir, { recursive: true, force: true }) };
}

/** The database at `path`: a kept one (only counted; `kept`), or a new one for the raw insert path. */
export async function openTarget(path) {
  const kept = existsSync(path);
  return { kept, target: kept ? await openExisting(path) : await openRawTarget({ path, fts: false }) };
}

/**
 * Drains the full-text queue with the server's own indexer, then fills the recent index as the
 * indexer's loop does once the queue is drained (store/sqlite/fulltext-recent.ts), which prefix
 * queries read first. `recent: false` empties it instead, so prefixes read the main index alone (A/B).
 */
export function indexFulltext(path, { recent }, log) {
  const indexer = new SqliteFulltextIndexer(path);
  const pendingBefore = indexer.pending();
  const t1 = performance.now();
  let indexed = 0;
  for (let n = indexer.drain(5000); n > 0; n = indexer.drain(5000)) {
    indexed += n;
    if (indexed % 100_000 < 5000) log(`  indexed ${fmtInt(indexed)} of ${fmtInt(pendingBefore)} queued changes`);
  }
  const indexSeconds = (performance.now() - t1) / 1000;
  const t2 = performance.now();
  let recentDocs = 0;
  if (recent) for (let n = indexer.fillRecent(5000); n > 0; n = indexer.fillRecent(5000)) recentDocs += n;
  else indexer.resetRecent();
  const recentSeconds = (performance.now() - t2) / 1000;
  indexer.close();
  return { indexed, indexSeconds, recentDocs, recentSeconds };
}

export async function runSearchBench(options = searchOptions(), log = (line) => process.stderr.write(line + "\n")) {
  const { path, cleanup } = benchDatabase(options);
  const rows = [];
  try {
    const { kept, target } = await openTarget(path);
    // Opening the reader first creates the index file, as the server does at start: on a kept
    // database of an older index layout that queues everything (a rebuild); on a new one, nothing
    // (the triggers queue the rows as they are stored).
    const index = new SqliteFulltextIndex(path);
    const search = new SearchService(index, new UnavailableSemanticRetriever());
    let stored = kept ? target.count() : 0;
    for (const size of options.sizes) {
      const t0 = performance.now();
      await fill(target, options.seed, stored, size, log);
      stored = target.count();
      const fillSeconds = (performance.now() - t0) / 1000;

      const { indexed, indexSeconds, recentDocs, recentSeconds } = indexFulltext(path, { recent: options.recent }, log);

      const queries = queryMix(options.seed, options.queries);
      // Warm-up: the page cache and statement compilation.
      for (const q of queries.slice(0, 16)) await search.search(USER_ID, { q: q.q, type: "fulltext", groupBy: "session", limit: 20, filters: {} });
      const byKind = new Map();
      const all = [];
      const allMessage = [];
      // CPU time of this process per query: the work itself, whatever else the machine runs.
      const cpu = [];
      const cpuMessage = [];
      let totalSum = 0;
      for (let round = 0; round < options.rounds; round++) for (const q of queries) {
        for (const groupBy of round % 2 ? ["message", "session"] : ["session", "message"]) {
          const t = performance.now();
          const c = process.cpuUsage();
          const res = await search.search(USER_ID, { q: q.q, type: "fulltext", groupBy, limit: 20, filters: {} });
          const ms = performance.now() - t;
          const used = process.cpuUsage(c);
          (groupBy === "session" ? cpu : cpuMessage).push((used.user + used.system) / 1000);
          if (groupBy === "session") {
            all.push(ms);
            if (round === 0) totalSum += res.total;
            if (!byKind.has(q.kind)) byKind.set(q.kind, { ms: [], cpu: [], totals: [], estimated: 0, example: q.q });
            byKind.get(q.kind).ms.push(ms);
            byKind.get(q.kind).cpu.push(cpu.at(-1));
            if (round === 0) {
              byKind.get(q.kind).totals.push(res.total);
              if (res.totalIsEstimate) byKind.get(q.kind).estimated++;
            }
          } else allMessage.push(ms);
        }
      }
      const ftsBytes = statSync(fulltextPathFor(path)).size;
      const mainBytes = statSync(path).size;
      log(`  ${fmtInt(stored)} messages: full-text p50 ${fmtMs(percentile(all, 50))}, p95 ${fmtMs(percentile(all, 95))}`);
      rows.push({ size: stored, fillSeconds, indexSeconds, indexed, recentDocs, recentSeconds, ftsBytes, mainBytes, all, allMessage, cpu, cpuMessage, byKind, avgTotal: totalSum / queries.length, load: loadavg()[0] });
    }
    await index.close();
    target.close();
  } finally {
    cleanup();
  }
  return rows;
}

export function searchReport(rows, options) {
  const mb = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  let out = `Generated corpus (seed ${options.seed}), one user; ${options.queries} queries per size, each run grouped by session and by message (limit 20; totals exact up to 2,000 matching messages, lower bounds beyond), in ${options.rounds} round(s) over the whole mix (the grouping run first alternating); percentiles over every run.\n\n`;
  out += "Wall time, then CPU time of the process (what a query costs with a core to itself); load average at the end of each size in the last column.\n\n";
  out += markdownTable(
    ["messages", "indexing (background indexer)", "recent index filled", "index file", "main db", "by session p50 / p95", "CPU p50 / p95", "by message p50 / p95", "CPU p50 / p95", "load"],
    rows.map((r) => [
      fmtInt(r.size), r.indexSeconds > 0.5 ? `${fmtInt(r.indexed / r.indexSeconds)} changes/s (${r.indexSeconds.toFixed(1)} s)` : "(kept)",
      !options.recent ? "(off)" : r.recentDocs ? `${fmtInt(r.recentDocs)} docs (${r.recentSeconds.toFixed(1)} s)` : "(kept)", mb(r.ftsBytes), mb(r.mainBytes),
      `${fmtMs(percentile(r.all, 50))} / ${fmtMs(percentile(r.all, 95))}`, `${fmtMs(percentile(r.cpu, 50))} / ${fmtMs(percentile(r.cpu, 95))}`,
      `${fmtMs(percentile(r.allMessage, 50))} / ${fmtMs(percentile(r.allMessage, 95))}`, `${fmtMs(percentile(r.cpuMessage, 50))} / ${fmtMs(percentile(r.cpuMessage, 95))}`,
      r.load.toFixed(1),
    ]),
  );
  for (const r of rows) {
    out += `\n\nBy query kind at ${fmtInt(r.size)} messages (grouped by session):\n\n`;
    out += markdownTable(
      ["kind", "example", "median total (sessions)", "totals that are lower bounds", "p50", "p95", "CPU p50", "CPU p95"],
      [...r.byKind].map(([kind, k]) => [kind, `\`${k.example}\``, fmtInt(percentile(k.totals, 50)), `${Math.round((100 * k.estimated) / k.totals.length)}%`, fmtMs(percentile(k.ms, 50)), fmtMs(percentile(k.ms, 95)), fmtMs(percentile(k.cpu, 50)), fmtMs(percentile(k.cpu, 95))]),
    );
  }
  return out + "\n";
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const options = searchOptions();
  process.stdout.write(searchReport(await runSearchBench(options), options));
}
