/**
 * `npm run bench`: every benchmark, one after the other, printed as markdown. For now: ingest
 * (issue 2), followed by the in-process phase breakdown when the HTTP path misses its target;
 * import of a generated Claude Code history (issue 3; BENCH_IMPORT=0 skips it); full-text search at
 * 100k messages (issue 9; BENCH_SEARCH_SIZES=100000,1000000 adds 1M, BENCH_FULLTEXT=0 skips it); full-text,
 * semantic and hybrid search end to end at 100k messages (BENCH_HYBRID_SIZES, BENCH_HYBRID=0 skips it); the
 * semantic vector index (BENCH_SEMANTIC=0 skips it).
 * Options are those of bench/ingest.mjs and bench/import.mjs (flags or BENCH_* environment variables).
 */
import { cpus, totalmem } from "node:os";
import { ingestOptions, profileTable, runIngestBench } from "./ingest.mjs";
import { runIngestPhases } from "./ingest-phases.mjs";
import { importOptions, importReport, runImportBench } from "./import.mjs";
import { fmtInt } from "./lib/report.mjs";
import { hybridOptions, hybridReport, runHybridBench } from "./search-hybrid.mjs";
import { runLocalThroughput, runSemanticScale, semanticOptions, semanticReport } from "./search-semantic.mjs";
import { runSearchBench, searchOptions, searchReport } from "./search.mjs";

/** Issue 2: the HTTP path reaches at least this share of the raw insert rate. */
const INGEST_TARGET_PERCENT = 60;

const out = (text) => process.stdout.write(text + "\n");
const options = ingestOptions();
const cpu = cpus();

out(`# OpenSync benchmarks\n`);
out(`Node ${process.version}, ${process.platform}/${process.arch}, ${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, data in ${options.dir}\n`);

const ingest = await runIngestBench(options);
out(`## Ingest: POST /sync/batch vs raw better-sqlite3\n`);
out(
  `${fmtInt(ingest.corpus.messages)} messages (${fmtInt(ingest.corpus.sessions)} sessions, ${fmtInt(ingest.corpus.avgMessageBytes)} B/message as JSON) per round, ` +
    `${options.batches} batches of ${options.batchSize}, ${options.rounds} round(s), seed ${options.seed}.\n`,
);
out(ingest.table);
const http = ingest.results.filter((r) => r.path.startsWith("HTTP"));
const best = Math.max(...http.map((r) => r.percentOfRaw));
out(`\nTarget: HTTP >= ${INGEST_TARGET_PERCENT}% of raw. Best HTTP path: ${Math.round(best)}% -> ${best >= INGEST_TARGET_PERCENT ? "met" : "MISSED"}.`);
for (const r of ingest.results) if (r.profile) out(`\n### Server CPU profile, ${r.path} (last round)\n\n${profileTable(r.profile)}`);

if (best < INGEST_TARGET_PERCENT || process.env.BENCH_PHASES === "1") {
  out(`\n## Where an ingest batch spends its time (in-process, no HTTP)\n`);
  const phases = await runIngestPhases(options);
  out(phases.summary + "\n");
  out(phases.table);
}

if (process.env.BENCH_IMPORT !== "0") {
  out(`\n## Import: a generated Claude Code history, opensync import -> local server\n`);
  out(importReport(await runImportBench(importOptions())));
}

// Issue 9: full-text search latency at 100k messages by default (~3 min); BENCH_SEARCH_SIZES=100000,1000000
// adds 1M (~15 min to build here; BENCH_SEARCH_KEEP=1 keeps it for reruns); BENCH_FULLTEXT=0 skips it.
if (process.env.BENCH_FULLTEXT !== "0") {
  const fulltext = searchOptions([], { ...process.env, BENCH_SEARCH_SIZES: process.env.BENCH_SEARCH_SIZES ?? "100000" });
  out(`\n## Full-text search (${fulltext.sizes.map(fmtInt).join(" and ")} messages)\n`);
  out(searchReport(await runSearchBench(fulltext), fulltext));
}

// Issue 9: full-text, semantic and hybrid through SearchService at 100k messages, embedded by the
// server's worker with random-projection vectors (~1.5 min here; with BENCH_SEARCH_KEEP=1 it reuses
// the full-text run's database and only embeds it). BENCH_HYBRID_SIZES=100000,1000000 adds 1M;
// BENCH_HYBRID=0 skips it.
if (process.env.BENCH_HYBRID !== "0") {
  const hybrid = hybridOptions([]);
  out(`\n## Semantic and hybrid search end to end (${hybrid.sizes.map(fmtInt).join(" and ")} messages)\n`);
  out(hybridReport(await runHybridBench(hybrid), hybrid));
}

// Issue 9: the vector index at 100k and 1M chunks (BENCH_SEMANTIC_SIZES; BENCH_SEMANTIC=0 skips it;
// 1M takes tens of minutes on 2 cores), and the local provider's throughput.
if (process.env.BENCH_SEMANTIC !== "0") {
  const semantic = semanticOptions();
  out(`\n## Semantic search: vector index (${semantic.dims} dimensions, ${semantic.queries} queries, best of ${semantic.passes} passes)\n`);
  const results = [];
  for (const n of semantic.sizes) results.push(await runSemanticScale(n, { ...semantic, baseline: n <= semantic.baseline }));
  out(semanticReport(results, await runLocalThroughput(semantic.throughputTexts)));
}
