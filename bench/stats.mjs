/**
 * `node bench/stats.mjs` (after `npx tsc -b`): the stats API behind the overview and analytics
 * with 100k sessions of one user (issue 10: p95 <= 30 ms). Each query runs through the server's
 * StatsService twice: "before" aggregates the sessions table on every request (SessionScanStats,
 * what /api/stats did until the rollups), "after" reads the rollups kept by migration 0005's
 * triggers. In-process, so the figures are the store's work without HTTP.
 *
 * Options: BENCH_STATS_SESSIONS (100000), BENCH_STATS_DAYS (365), BENCH_STATS_RUNS (40),
 * BENCH_STATS_ONLY (a regular expression: only the queries whose name matches),
 * BENCH_STATS_BEFORE_RUNS (runs of the slow full-scan side, default BENCH_STATS_RUNS).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../packages/server/dist/store/sqlite/open.js";
import { StatsService } from "../packages/server/dist/services/stats.js";
import { AccountsService } from "../packages/server/dist/services/accounts.js";
import { sessionInputSchema } from "../packages/protocol/dist/index.js";

const SESSIONS = Number(process.env.BENCH_STATS_SESSIONS ?? 100_000);
const DAYS = Number(process.env.BENCH_STATS_DAYS ?? 365);
const RUNS = Number(process.env.BENCH_STATS_RUNS ?? 40);
const BEFORE_RUNS = Number(process.env.BENCH_STATS_BEFORE_RUNS ?? RUNS);
const ONLY = process.env.BENCH_STATS_ONLY ? new RegExp(process.env.BENCH_STATS_ONLY) : undefined;
const out = (line) => process.stdout.write(line + "\n");

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const dir = mkdtempSync(join(tmpdir(), "opensync-bench-stats-"));
try {
  const store = await openSqliteStore({ path: join(dir, "opensync.db") });
  const user = await new AccountsService(store).createUser({ email: "bench@example.com", role: "owner" });
  const rand = prng(10);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const models = ["claude-sonnet-4-5", "claude-opus-4-1", "gpt-5", "gpt-5-mini", "gemini-2.5-pro", "o3"];
  const projects = Array.from({ length: 40 }, (_, i) => `/work/project-${i}`);
  const end = Date.UTC(2025, 10, 1);
  const t0 = performance.now();
  for (let i = 0; i < SESSIONS; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(SESSIONS, i + 1000); j++) {
      batch.push(
        sessionInputSchema.parse({
          externalId: `s${j}`,
          source: pick(["claude-code", "opencode", "codex", "gemini-cli"]),
          model: pick(models),
          projectPath: pick(projects),
          machine: pick(["laptop", "desktop", "ci"]),
          createdAt: end - Math.floor(rand() * DAYS * 86_400_000),
          promptTokens: Math.floor(rand() * 50_000),
          completionTokens: Math.floor(rand() * 10_000),
          cacheReadTokens: Math.floor(rand() * 500_000),
          cost: Math.round(rand() * 1e6) / 1e6,
          durationMs: Math.floor(rand() * 3_600_000),
          messageCount: 1 + Math.floor(rand() * 200),
        }),
      );
    }
    await store.sync.applyBatch(user.id, batch, [], Date.now());
  }
  const loadSeconds = (performance.now() - t0) / 1000;

  const after = new StatsService(store);
  const before = new StatsService({ ...store, stats: store.stats.scan });
  const month = { from: end - 30 * 86_400_000 + 12_345, to: end - 3_600_000 };
  const queries = [
    ["totals (+ modelUsage, sourceUsage)", {}],
    ...["model", "provider", "project", "source", "machine"].map((g) => [`groupBy=${g}`, { groupBy: g }]),
    ["groupBy=day, tzOffset=0", { groupBy: "day", tzOffset: 0 }],
    ["groupBy=day, tzOffset=-300", { groupBy: "day", tzOffset: -300 }],
    ["groupBy=day, tzOffset=330", { groupBy: "day", tzOffset: 330 }],
    ["groupBy=week, tzOffset=120", { groupBy: "week", tzOffset: 120 }],
    ["groupBy=month, cumulative", { groupBy: "month", tzOffset: 120, cumulative: true }],
    ["groupBy=hourOfWeek, tzOffset=120", { groupBy: "hourOfWeek", tzOffset: 120 }],
    ["last 30 days (unaligned), groupBy=model", { ...month, groupBy: "model" }],
    ["last 30 days (unaligned), groupBy=day", { ...month, groupBy: "day", tzOffset: 60 }],
  ];
  const measure = async (service, query, runs = RUNS) => {
    const times = [];
    for (let r = 0; r < runs + 3; r++) {
      const t = performance.now();
      await service.stats(user.id, { tzOffset: 0, cumulative: false, ...query });
      if (r >= 3) times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const q = (p) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)];
    return { p50: q(0.5), p95: q(0.95) };
  };
  out(`## Stats: ${SESSIONS.toLocaleString("en")} sessions of one user over ${DAYS} days\n`);
  out(`Loaded in ${loadSeconds.toFixed(1)} s (store.sync.applyBatch, 1,000 sessions per batch, rollup triggers on). ${RUNS} runs per query after 3 warm-up runs, in-process (no HTTP).\n`);
  out(`| query | before p50 (ms) | before p95 (ms) | after p50 (ms) | after p95 (ms) | same answer |`);
  out(`|---|---:|---:|---:|---:|---|`);
  let worst = 0;
  for (const [name, query] of queries) {
    if (ONLY && !ONLY.test(name)) continue;
    const b = await measure(before, query, BEFORE_RUNS);
    const a = await measure(after, query);
    const x = await before.stats(user.id, { tzOffset: 0, cumulative: false, ...query });
    const y = await after.stats(user.id, { tzOffset: 0, cumulative: false, ...query });
    const round = (v) => JSON.parse(JSON.stringify(v, (_, n) => (typeof n === "number" ? Math.round(n * 1e6) / 1e6 : n)));
    const sortGroups = (r) => ({ ...r, groups: r.groups && [...r.groups].sort((g, h) => String(g.key).localeCompare(String(h.key))) });
    const same = JSON.stringify(round(sortGroups(x))) === JSON.stringify(round(sortGroups(y)));
    worst = Math.max(worst, a.p95);
    out(`| ${name} | ${b.p50.toFixed(1)} | ${b.p95.toFixed(1)} | ${a.p50.toFixed(1)} | ${a.p95.toFixed(1)} | ${same ? "yes" : "NO"} |`);
  }
  out(`\nWorst p95 after: ${worst.toFixed(1)} ms (target <= 30 ms).`);
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
