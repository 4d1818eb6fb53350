/**
 * Semantic and hybrid search end to end (issue 9): latency of full-text, semantic and hybrid
 * search over the generated corpus, through the server's `SearchService` in-process, at 100k (and
 * 1M) messages.
 *
 *   node --expose-gc bench/search-hybrid.mjs [--sizes 100000,1000000] [--queries N] [--rounds N] [--seed N] [--dir DIR]
 *   BENCH_SEARCH_KEEP=1 BENCH_DIR=DIR node --expose-gc bench/search-hybrid.mjs --sizes 1000000   # keep (or reuse) the database
 * Environment: BENCH_HYBRID_SIZES (default 100000), BENCH_HYBRID_QUERIES (default 160),
 * BENCH_SEARCH_ROUNDS, BENCH_SEED, BENCH_DIR, BENCH_SEARCH_KEEP.
 *
 * The database is bench/search.mjs's (same corpus, same raw insert path, same kept directory, so
 * a database kept by either is reused by the other), its full-text index drained by the server's
 * indexer. The corpus is then embedded by the server's own embedding worker (`EmbeddingWorker`
 * of `createSemanticSearch`: the queue the insert triggers filled, chunking, content-hash dedupe,
 * float vectors and binary codes in `opensync-vectors.db`), with a seeded random projection in
 * place of a model (bench/lib/random-projection.mjs: no model can be downloaded here, and what is
 * measured is the search, not the model). A kept database whose embeddings are complete for this
 * seed is not embedded again. The queries are bench/search.mjs's mix, run as the three types, with
 * the semantic retriever and the full-text index wired into `SearchService` as the server does
 * (services/search-setup.ts); the query's own embedding is the random projection's (~0.1 ms), where
 * a local model would add its inference time to semantic and hybrid.
 */
import { loadavg } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { loadConfig } from "@opensync/server/config";
import { createSemanticSearch } from "@opensync/server/embeddings/index";
import { SearchService } from "@opensync/server/services/search";
import { SqliteFulltextIndex } from "@opensync/server/store/sqlite/fulltext";
import { RandomProjectionProvider } from "./lib/random-projection.mjs";
import { fmtInt, fmtMs, markdownTable, percentile } from "./lib/report.mjs";
import { benchDatabase, fill, indexFulltext, openTarget, queryMix, searchOptions, USER_ID } from "./search.mjs";

const TYPES = ["fulltext", "semantic", "hybrid"];
const WARM_UP = 16;
const LIMIT = 20;

/** bench/search.mjs's flags and environment, with this benchmark's defaults (100k, 160 queries). */
export function hybridOptions(argv = process.argv.slice(2), env = process.env) {
  const { recent: _ignored, ...options } = searchOptions(argv, {
    ...env,
    BENCH_SEARCH_SIZES: env.BENCH_HYBRID_SIZES ?? "100000",
    BENCH_SEARCH_QUERIES: env.BENCH_HYBRID_QUERIES ?? "160",
  });
  return options;
}

/** What the embedding tables hold: the worker's fingerprint, chunks, and work still queued. */
function embeddingState(db) {
  const one = (sql) => db.prepare(sql).pluck().get();
  return {
    fingerprint: one("SELECT value FROM embedding_meta WHERE key = 'fingerprint'") ?? null,
    chunks: one("SELECT count(*) FROM embedding_chunks"),
    pending: one("SELECT count(*) FROM embedding_jobs WHERE state = 'pending'") + one("SELECT count(*) FROM embedding_queue"),
  };
}

/** Embedded by an earlier run with this provider and nothing queued since: the worker would only re-check. */
function embeddingsComplete(state, provider) {
  return state.fingerprint === `${provider.name}:${provider.model}:${provider.dims}` && state.pending === 0 && state.chunks > 0;
}

/**
 * Embeds what is queued with the server's worker, round after round as its loop does (`runOnce`
 * until a round finds nothing; that last round also loads the user's codes into memory), so the
 * rate is the worker's own: fold, read, chunk, dedupe, embed, write vectors and codes.
 */
async function embedQueued(semantic, provider, log) {
  const before = embeddingState(semantic.db);
  if (embeddingsComplete(before, provider)) {
    if (!(await semantic.worker.ensureLoaded())) throw new Error(`the provider did not load: ${semantic.worker.state.lastError}`);
    await semantic.index.maintain();
    log(`  embeddings kept: ${fmtInt(before.chunks)} chunks, nothing queued`);
    return { kept: true, chunks: before.chunks, added: 0, seconds: 0, cpuSeconds: 0 };
  }
  log(`  embedding ${fmtInt(before.pending)} queued changes (the worker folds them into jobs)`);
  const t = performance.now();
  const c = process.cpuUsage();
  let jobs = 0;
  for (let n = await semantic.worker.runOnce(); n > 0; n = await semantic.worker.runOnce()) {
    jobs += n;
    if (jobs % 20_000 < n) log(`  embedded ${fmtInt(jobs)} messages`);
  }
  const seconds = (performance.now() - t) / 1000;
  const used = process.cpuUsage(c);
  const after = embeddingState(semantic.db);
  if (!semantic.available() || after.pending > 0) throw new Error(`embedding stopped with ${fmtInt(after.pending)} pending: ${semantic.worker.state.lastError ?? "no error"}`);
  return { kept: false, chunks: after.chunks, added: after.chunks - before.chunks, messages: jobs, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

/**
 * The mix as each type, `rounds` times, the order of the types rotating per round (no type always
 * runs first after another's cache misses); wall and process CPU time per query.
 */
async function timeQueries(search, queries, rounds) {
  const ask = (q, type) => search.search(USER_ID, { q, type, groupBy: "session", limit: LIMIT, filters: {} });
  // Warm-up: page cache, statement compilation, and the user's resident codes (if not loaded yet).
  for (const type of TYPES) for (const q of queries.slice(0, WARM_UP)) await ask(q.q, type);
  globalThis.gc?.();
  const byType = new Map(TYPES.map((type) => [type, { ms: [], cpu: [], results: 0, empty: 0, degraded: 0, reasons: new Set(), byKind: new Map() }]));
  for (let round = 0; round < rounds; round++) {
    const order = [...TYPES.slice(round % TYPES.length), ...TYPES.slice(0, round % TYPES.length)];
    for (const q of queries) for (const type of order) {
      const t = performance.now();
      const c = process.cpuUsage();
      const res = await ask(q.q, type);
      const ms = performance.now() - t;
      const used = process.cpuUsage(c);
      const s = byType.get(type);
      s.ms.push(ms);
      s.cpu.push((used.user + used.system) / 1000);
      s.results += res.results.length;
      if (res.results.length === 0) s.empty++;
      if (res.degraded) (s.degraded++, s.reasons.add(res.degraded));
      if (!s.byKind.has(q.kind)) s.byKind.set(q.kind, { example: q.q, ms: [] });
      s.byKind.get(q.kind).ms.push(ms);
    }
  }
  return byType;
}

export async function runHybridBench(options = hybridOptions(), log = (line) => process.stderr.write(line + "\n")) {
  const { dir, path, cleanup } = benchDatabase(options);
  const rows = [];
  try {
    const { kept, target } = await openTarget(path);
    const index = new SqliteFulltextIndex(path);
    const provider = new RandomProjectionProvider({ seed: options.seed });
    // The server's semantic search on this database file, its worker not started: the benchmark
    // runs its rounds itself, and nothing runs in the background while queries are timed.
    const config = loadConfig({ dataDir: dir, embeddings: { provider: "openai", model: provider.model } }, {});
    const semantic = createSemanticSearch(config, undefined, { provider, start: false });
    const search = new SearchService(index, semantic);
    let stored = kept ? target.count() : 0;
    for (const size of options.sizes) {
      const t0 = performance.now();
      await fill(target, options.seed, stored, size, log);
      stored = target.count();
      const fillSeconds = (performance.now() - t0) / 1000;
      const fulltext = indexFulltext(path, { recent: true }, log);
      log(`  ${fmtInt(stored)} messages: stored in ${fillSeconds.toFixed(1)} s, full-text indexed in ${(fulltext.indexSeconds + fulltext.recentSeconds).toFixed(1)} s`);
      const embedding = await embedQueued(semantic, provider, log);
      if (!embedding.kept) log(`  embedded ${fmtInt(embedding.added)} chunks of ${fmtInt(embedding.messages)} messages in ${embedding.seconds.toFixed(1)} s (${fmtInt(embedding.added / embedding.seconds)} chunks/s)`);

      const byType = await timeQueries(search, queryMix(options.seed, options.queries), options.rounds);
      const p = (type, what) => `${fmtMs(percentile(byType.get(type)[what], 50))} / ${fmtMs(percentile(byType.get(type)[what], 95))}`;
      log(`  ${fmtInt(stored)} messages: ${TYPES.map((type) => `${type} p50 / p95 ${p(type, "ms")}`).join(", ")}`);
      rows.push({ size: stored, embedding, byType, load: loadavg()[0] });
    }
    await semantic.close();
    await index.close();
    target.close();
  } finally {
    cleanup();
  }
  return rows;
}

function embeddingCell(e) {
  if (e.kept) return `(kept: ${fmtInt(e.chunks)} chunks)`;
  return `${fmtInt(e.added / e.seconds)} chunks/s (${fmtInt(e.added)} chunks, ${e.seconds.toFixed(1)} s, CPU ${e.cpuSeconds.toFixed(1)} s)`;
}

export function hybridReport(rows, options) {
  const span = (xs) => `${fmtMs(percentile(xs, 50))} / ${fmtMs(percentile(xs, 95))}`;
  let out = `Generated corpus (seed ${options.seed}), one user, embedded by the server's worker with seeded random-projection vectors (384 dimensions); ` +
    `${options.queries} queries per size, each run as full-text, semantic and hybrid (grouped by session, limit ${LIMIT}) in ${options.rounds} round(s) over the whole mix ` +
    `(the order of the types rotating per round), after a warm-up of ${WARM_UP} queries per type; percentiles over every run.\n\n`;
  out += "Wall time, then CPU time of the process; load average at the end of each size in the last column.\n\n";
  out += markdownTable(
    ["messages", "embedding build (worker)", ...TYPES.flatMap((type) => [`${type} p50 / p95`, "CPU p50 / p95"]), "load"],
    rows.map((r) => [fmtInt(r.size), embeddingCell(r.embedding), ...TYPES.flatMap((type) => [span(r.byType.get(type).ms), span(r.byType.get(type).cpu)]), r.load.toFixed(1)]),
  );
  for (const r of rows) {
    const hybrid = r.byType.get("hybrid");
    const runs = hybrid.ms.length;
    out += `\n\nAt ${fmtInt(r.size)} messages: hybrid responses degraded: ${hybrid.degraded} of ${runs}${hybrid.degraded ? ` (${[...hybrid.reasons].join("; ")})` : ""}; ` +
      `sessions per page (mean): ${TYPES.map((type) => `${type} ${(r.byType.get(type).results / r.byType.get(type).ms.length).toFixed(1)}`).join(", ")}; ` +
      `empty pages: ${TYPES.map((type) => `${type} ${r.byType.get(type).empty}`).join(", ")}.\n\n`;
    out += markdownTable(
      ["kind", "example", ...TYPES.map((type) => `${type} p50 / p95`)],
      [...r.byType.get("fulltext").byKind].map(([kind, k]) => [kind, `\`${k.example}\``, ...TYPES.map((type) => span(r.byType.get(type).byKind.get(kind).ms))]),
    );
  }
  return out + "\n";
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const options = hybridOptions();
  process.stdout.write(hybridReport(await runHybridBench(options), options));
}
