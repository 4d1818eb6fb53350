/**
 * Semantic search at scale (issue 9): the vector index of packages/server/src/embeddings on
 * seeded generated vectors, against exact float search.
 *
 *   node bench/search-semantic.mjs                      # 100k and 1M chunks, 384 dimensions
 *   BENCH_SEMANTIC_SIZES=100000 node bench/search-semantic.mjs
 *   node bench/search-semantic.mjs --uniform            # also the random-uniform worst case (100k)
 *   node bench/search-semantic.mjs --throughput-only    # local provider chunks/s only
 *   BENCH_SEMANTIC_KEEP=/tmp/sem-bench node bench/search-semantic.mjs   # keep the built databases
 *       (and the queries' exact answers) there, and reuse them on the next run with the same size,
 *       width and seed: iterate on the query side without the 1M build
 *
 * The corpus: "topics" (seeded Gaussian centres, one per 500 chunks) plus Gaussian noise, L2-
 * normalised: like the sentence embeddings of many conversations, each chunk near a few hundred
 * others on its topic (same-topic cosine about 0.4). Queries are fresh draws from the same
 * distribution, never indexed themselves. Recall@10 is measured against an exact float scan of
 * every vector (computed in this process), latency is `VectorIndex.search` as the retriever calls
 * it (k = 10 for one user holding every chunk: the worst case, since the index is partitioned by
 * user). The machine is shared: each configuration runs its queries `passes` times and reports
 * the best pass's percentiles (and the load average).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { openVectorConnection, writeWithRetry } from "@opensync/server/embeddings/connection";
import { DEFAULT_TUNING, VectorIndex } from "@opensync/server/embeddings/vector-index";
import { openSqliteStore } from "@opensync/server/store/sqlite/open";
import { fmtInt, fmtMs, markdownTable, percentile } from "./lib/report.mjs";

const flag = (name) => process.argv.includes(`--${name}`);
const num = (name, env, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i > 0 ? process.argv[i + 1] : process.env[env];
  return raw === undefined ? fallback : Number(raw);
};

export function semanticOptions() {
  return {
    sizes: (process.env.BENCH_SEMANTIC_SIZES ?? "100000,1000000").split(",").map(Number).filter((n) => n > 0),
    dims: num("dims", "BENCH_SEMANTIC_DIMS", 384),
    queries: num("queries", "BENCH_SEMANTIC_QUERIES", 100),
    passes: num("passes", "BENCH_SEMANTIC_PASSES", 3),
    seed: num("seed", "BENCH_SEMANTIC_SEED", 7),
    uniform: flag("uniform") || process.env.BENCH_SEMANTIC_UNIFORM === "1",
    keep: process.env.BENCH_SEMANTIC_KEEP || null,
    candidates: (process.env.BENCH_SEMANTIC_CANDIDATES ?? String(DEFAULT_TUNING.candidates)).split(",").map(Number),
    throughputTexts: num("throughput-texts", "BENCH_SEMANTIC_TEXTS", 2000),
    /** Also time vec0's scan of every code (as for a user under `residentAt`); slow at 1M, so off there unless asked. */
    baseline: process.env.BENCH_SEMANTIC_BASELINE === "1" ? Infinity : process.env.BENCH_SEMANTIC_BASELINE === "0" ? 0 : 200_000,
  };
}

function rng(seed) {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  let spare = null;
  const gauss = () => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(rnd()));
    const t = 2 * Math.PI * rnd();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
  return { rnd, gauss };
}

/** `n` vectors (+ `q` queries after them) of the clustered corpus, or uniform on the sphere. */
function generator(dims, seed, topics) {
  const { rnd, gauss } = rng(seed);
  const centres = topics > 0 ? Array.from({ length: topics }, () => Float32Array.from({ length: dims }, gauss)) : [];
  return (out) => {
    const c = centres.length ? centres[Math.floor(rnd() * centres.length)] : null;
    let norm = 0;
    for (let j = 0; j < dims; j++) {
      const x = (c ? c[j] : 0) + (c ? 1.2 : 1) * gauss();
      out[j] = x;
      norm += x * x;
    }
    norm = Math.sqrt(norm);
    for (let j = 0; j < dims; j++) out[j] /= norm;
    return out;
  };
}

/**
 * Exact top-k of every query over a flat array of vectors: blocks of vectors (in cache) against
 * every query, so the 1.5 GB of a 1M corpus is read once, not once per query.
 */
function exactTopK(flat, n, dims, queries, k) {
  const tops = queries.map(() => ({ ids: new Int32Array(k).fill(-1), scores: new Float32Array(k).fill(-Infinity), minAt: 0 }));
  const BLOCK = 256;
  for (let from = 0; from < n; from += BLOCK) {
    const to = Math.min(n, from + BLOCK);
    queries.forEach((q, qi) => {
      const top = tops[qi];
      for (let i = from; i < to; i++) {
        let s = 0;
        const o = i * dims;
        for (let j = 0; j < dims; j++) s += q[j] * flat[o + j];
        if (s > top.scores[top.minAt]) {
          top.scores[top.minAt] = s;
          top.ids[top.minAt] = i + 1;
          for (let m = 0; m < k; m++) if (top.scores[m] < top.scores[top.minAt]) top.minAt = m;
        }
      }
    });
  }
  return tops.map((t) => Array.from(t.ids));
}

const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const fileSize = (p) => {
  try {
    return statSync(p).size + (statSync(`${p}-wal`, { throwIfNoEntry: false })?.size ?? 0);
  } catch {
    return 0;
  }
};

/**
 * Builds an index of `n` chunks as the worker would (or reuses one kept by BENCH_SEMANTIC_KEEP),
 * loads the user's codes into memory as the index does for a large user, measures both scans.
 */
export async function runSemanticScale(n, options, { uniform = false } = {}) {
  const { dims, seed } = options;
  const dir = options.keep ? resolve(options.keep, `${uniform ? "uniform-" : ""}${n}-${dims}d-seed${seed}-q${options.queries}`) : mkdtempSync(join(tmpdir(), "opensync-bench-semantic-"));
  const path = join(dir, "opensync.db");
  const builtPath = join(dir, "built.json");
  try {
    let built = options.keep && existsSync(builtPath) ? JSON.parse(readFileSync(builtPath, "utf8")) : null;
    const reused = !!built;
    if (!built && options.keep) {
      // A build that did not finish: start over.
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    }
    if (!reused) {
      // Migrations. A kept database is not migrated again: it only serves the embedding tables, and
      // other work's migrations come and go (delete the kept directory after a change to those).
      const store = await openSqliteStore({ path });
      await store.close();
    }
    const db = openVectorConnection(path);
    // Chunks only (no messages): the index and the rescoring read nothing else.
    db.pragma("foreign_keys = OFF");
    const write = (w) => writeWithRetry(db, w);
    if (!built) {
      // The chunks are written as the worker writes them (codes to vec0, floats beside them).
      const writer = new VectorIndex(db, { ...DEFAULT_TUNING, residentAt: Infinity });
      const next = generator(dims, seed, uniform ? 0 : Math.max(50, Math.round(n / 500)));
      const flat = new Float32Array(n * dims);
      const insertChunk = db.prepare("INSERT INTO embedding_chunks (id, message_id, session_id, user_id, ord, field, text, hash) VALUES (?, ?, 's', 'u', 0, 'text', '', '')");
      await write(() => writer.ensure(dims));
      const started = performance.now();
      const BATCH = 5000;
      for (let from = 0; from < n; from += BATCH) {
        const to = Math.min(n, from + BATCH);
        await write(() => {
          const entries = [];
          for (let i = from; i < to; i++) {
            const v = next(flat.subarray(i * dims, (i + 1) * dims));
            insertChunk.run(i + 1, i + 1);
            entries.push({ chunkId: i + 1, userId: "u", vector: v });
          }
          writer.add(entries);
        });
      }
      const insertMs = performance.now() - started;
      const queries = Array.from({ length: options.queries }, () => next(new Float32Array(dims)));
      const exactStarted = performance.now();
      const truth = exactTopK(flat, n, dims, queries, 10);
      const exactMs = (performance.now() - exactStarted) / queries.length;
      built = { n, dims, seed, uniform, insertMs, exactMs, queries: queries.map((q) => Buffer.from(q.buffer).toString("base64")), truth };
      if (options.keep) writeFileSync(builtPath, JSON.stringify(built));
    }
    const queries = built.queries.map((b) => new Float32Array(new Uint8Array(Buffer.from(b, "base64")).buffer));
    const truth = built.truth.map((ids) => new Set(ids));

    /** Wall and CPU time per query (CPU: what the query costs when it has a core to itself). */
    const measure = (idx, label, candidates) => {
      const passes = [];
      let found = 0;
      for (let pass = 0; pass < options.passes; pass++) {
        const wall = [];
        const cpu = [];
        found = 0;
        queries.forEach((q, qi) => {
          const c = process.cpuUsage();
          const t = performance.now();
          const hits = idx.search("u", q, 10, n, candidates);
          wall.push(performance.now() - t);
          const used = process.cpuUsage(c);
          cpu.push((used.user + used.system) / 1000);
          for (const h of hits) if (truth[qi].has(h.chunkId)) found++;
        });
        passes.push({ p50: percentile(wall, 50), p95: percentile(wall, 95), cpuP50: percentile(cpu, 50), cpuP95: percentile(cpu, 95) });
      }
      const best = passes.reduce((a, b) => (b.p95 < a.p95 ? b : a));
      const bestCpu = passes.reduce((a, b) => (b.cpuP95 < a.cpuP95 ? b : a));
      return { label, n, p50: best.p50, p95: best.p95, cpuP50: bestCpu.cpuP50, cpuP95: bestCpu.cpuP95, recall: found / (queries.length * 10), load: loadavg()[0] };
    };

    const rows = [];
    if (options.baseline) {
      const vec0 = new VectorIndex(db, { ...DEFAULT_TUNING, residentAt: Infinity });
      for (const candidates of options.candidates) rows.push(measure(vec0, `vec0 scan of all ${fmtInt(n)} codes, rescore ${candidates}`, candidates));
    }
    // The user is large: their codes are loaded into memory (in slices, as the index does).
    const index = new VectorIndex(db, { ...DEFAULT_TUNING, residentAt: 0 });
    const stall = monitorEventLoopDelay({ resolution: 5 });
    stall.enable();
    const cpuBefore = process.cpuUsage();
    const loadStarted = performance.now();
    await index.load("u");
    const loadMs = performance.now() - loadStarted;
    const loadCpu = process.cpuUsage(cpuBefore);
    stall.disable();
    if (index.residentUsers().get("u") !== n) throw new Error(`resident codes: ${index.residentUsers().get("u")} of ${n}`);
    for (const candidates of options.candidates) rows.push(measure(index, `resident codes (SIMD scan of all ${fmtInt(n)}), rescore ${candidates}`, candidates));
    const sizes = { main: fileSize(path), codes: fileSize(join(dir, "opensync-vectors.db")) };
    db.close();
    return {
      n,
      uniform,
      rows,
      reused,
      insertMs: built.insertMs,
      exactMs: built.exactMs,
      loadMs,
      loadCpuMs: (loadCpu.user + loadCpu.system) / 1000,
      loadMaxStallMs: stall.max / 1e6,
      // The copy's own accounting: a WebAssembly memory is not in process.memoryUsage().arrayBuffers.
      residentBytes: index.residentCodes("u").memoryBytes,
      sizes,
      rss: process.memoryUsage().rss,
    };
  } finally {
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** chunks/s of the local provider (transformers.js + onnxruntime) on the generated tiny test model. */
export async function runLocalThroughput(texts = 2000) {
  const { createJiti } = await import("jiti");
  const jiti = createJiti(import.meta.url);
  const { writeTinyModel } = await jiti.import("../e2e/fixtures/tiny-model/generate.ts");
  const { LocalEmbeddingProvider } = await import("@opensync/server/embeddings/providers/local");
  const dir = mkdtempSync(join(tmpdir(), "opensync-bench-model-"));
  try {
    const modelPath = writeTinyModel(dir);
    const provider = new LocalEmbeddingProvider({ model: "tiny", modelPath, cacheDir: dir, timeoutMs: 60_000 });
    await provider.load();
    const { rnd } = rng(3);
    const words = ["the", "sqlite", "migration", "broke", "schema", "react", "button", "layout", "render", "login", "token", "docker", "deploy", "test", "flaky", "index", "query", "cookie"];
    // ~120 words (~900 characters): about the chunker's largest chunk (DEFAULT_CHUNKING, 1,000 characters).
    const corpus = Array.from({ length: texts }, () => Array.from({ length: 120 }, () => words[Math.floor(rnd() * words.length)]).join(" "));
    const batch = 32; // the worker's embedBatch
    const started = performance.now();
    for (let i = 0; i < corpus.length; i += batch) await provider.embed(corpus.slice(i, i + batch));
    const seconds = (performance.now() - started) / 1000;
    return { texts, chunksPerSecond: texts / seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function throughputLine(throughput) {
  if (!throughput) return "";
  return (
    `Local provider (transformers.js + onnxruntime-node) on the generated **tiny test model** (32 dimensions, 2 token-embedding lookups; not a real model): ` +
    `${fmtInt(throughput.chunksPerSecond)} chunks/s over ${fmtInt(throughput.texts)} chunks of ~120 words, batches of 32. ` +
    `This measures the pipeline's overhead (tokenizer, session, pooling), not a model: a MiniLM-sized model (the default all-MiniLM-L6-v2) was measured at ~220 short texts/s on 2 cores (DESIGN.md). Our chunks are longer (~160 tokens against ~20), and a transformer's cost grows at least linearly with length, so expect several times fewer: an estimate of 40-100 chunks/s, i.e. 3-7 hours of background work for 1M chunks (not measured: no real model can be downloaded here).`
  );
}

export function semanticReport(results, throughput) {
  const lines = [];
  const rows = [];
  if (results.length === 0) return throughputLine(throughput);
  for (const r of results) {
    for (const row of r.rows) rows.push([`${fmtInt(r.n)}${r.uniform ? " (uniform)" : ""}`, row.label, fmtMs(row.p50), fmtMs(row.p95), fmtMs(row.cpuP50), fmtMs(row.cpuP95), row.recall.toFixed(3), row.load.toFixed(1)]);
  }
  lines.push(markdownTable(["chunks", "index", "wall p50", "wall p95", "CPU p50", "CPU p95", "recall@10", "load avg"], rows));
  lines.push("");
  lines.push(
    markdownTable(
      ["chunks", "insert", "load codes into memory (wall / CPU / longest stall)", "resident memory", "exact scan / query", "main db", "codes db", "RSS"],
      results.map((r) => [
        `${fmtInt(r.n)}${r.uniform ? " (uniform)" : ""}`,
        `${(r.insertMs / 1000).toFixed(0)} s${r.reused ? " (kept build)" : ""}`,
        `${(r.loadMs / 1000).toFixed(1)} s / ${(r.loadCpuMs / 1000).toFixed(1)} s / ${fmtMs(r.loadMaxStallMs)}`,
        mb(r.residentBytes),
        fmtMs(r.exactMs),
        mb(r.sizes.main),
        mb(r.sizes.codes),
        mb(r.rss),
      ]),
    ),
  );
  if (throughput) lines.push("", throughputLine(throughput));
  return lines.join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const options = semanticOptions();
  const out = (t) => process.stdout.write(t + "\n");
  out(`## Semantic search: vector index (${options.dims} dimensions, ${options.queries} queries, best of ${options.passes} passes)\n`);
  const throughput = flag("throughput-only") || process.env.BENCH_SEMANTIC_THROUGHPUT !== "0" ? await runLocalThroughput(options.throughputTexts) : null;
  const results = [];
  if (!flag("throughput-only")) {
    for (const n of options.sizes) {
      results.push(await runSemanticScale(n, { ...options, baseline: n <= options.baseline }));
      process.stderr.write(`done ${n}\n`);
    }
    if (options.uniform) results.push(await runSemanticScale(Math.min(100_000, options.sizes[0]), { ...options, baseline: true }, { uniform: true }));
  }
  out(semanticReport(results, throughput));
}
