/**
 * Import benchmark (issue 3): a generated Claude Code history (bench/corpus/claude-code-format.mjs,
 * cached under bench/.corpus/) imported end to end by the real CLI into a real local server, next
 * to in-process rates of the same files through the collector alone and through each later client
 * stage; token totals checked against the billing rule (each API response's last line, tallied
 * independently of the collector), and the real ccusage's against its first-line rule, which
 * explains exactly how it differs; peak RSS of the CLI at two corpus sizes.
 *
 *   node bench/import.mjs [--mb N] [--small-mb N] [--import-rounds N] [--seed N] [--dir DIR]
 *        [--corpus-dir DIR] [--shape standard|tool-heavy|both] [--profile]
 * Environment: BENCH_IMPORT_MB (200), BENCH_IMPORT_SMALL_MB (50; 0 skips the second size),
 * BENCH_IMPORT_ROUNDS (3), BENCH_SEED, BENCH_DIR, BENCH_CORPUS_DIR, BENCH_IMPORT_SHAPE (both),
 * BENCH_PROFILE=1.
 * Shapes (issue 8): `standard` is issue 3's mix; `tool-heavy` a history dominated by 10-80 KB tool
 * outputs with long lines and non-ASCII text. With `both`, each is measured in turn and the report
 * puts them side by side.
 * --profile adds one more (untimed) import of the large corpus with the CLI and the server under
 * `node --cpu-prof`, and prints where each spent its CPU time.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { createRedactor, findAgent, parseJsonLine, prepareChunk, readCompleteLines } from "@opensync/collectors";
import { BilledUsageTally, FirstLineUsageTally } from "@opensync/collectors/agents/claude-code/usage";
import { CLAUDE_CODE_FORMAT_VERSION, writeClaudeCodeHome } from "./corpus/claude-code-format.mjs";
import { CORPUS_SHAPES } from "./corpus/sessions.mjs";
import { inclusiveTimes, summarizeCpuProfile } from "./lib/cpu-profile.mjs";
import { createClient } from "./lib/http.mjs";
import { fmtInt, fmtPct, markdownTable } from "./lib/report.mjs";
import { CLI, createApiKey, startServerProcess } from "./lib/server-process.mjs";
import { machineBusySeconds, processCpuSeconds, waitUntilQuiet } from "./lib/proc.mjs";

/** Issue 3: end to end at least this many MB of transcript per second ... */
export const IMPORT_TARGET_MBPS = 30;
/** Issue 8: every shape, end to end, at least this many MB/s. */
export const IMPORT_TARGET_MBPS_ALL_SHAPES = 60;
/** ... and no slower than parse-only divided by this. */
export const IMPORT_TARGET_RATIO = 2;

/** An import during which the rest of the machine used less CPU than this counts as undisturbed. */
const QUIET_OTHER_CPU_SECONDS = 0.5;

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CCUSAGE = join(ROOT, "node_modules", "ccusage", "dist", "index.js");
const MB = 1e6;
/** The collector the CLI runs (the registry's entry). */
const claudeCodeCollector = findAgent("claude-code");

export function importOptions(argv = process.argv.slice(2), env = process.env) {
  const { values } = parseArgs({
    args: argv,
    strict: false,
    options: {
      mb: { type: "string" }, "small-mb": { type: "string" }, "import-rounds": { type: "string" }, seed: { type: "string" },
      dir: { type: "string" }, "corpus-dir": { type: "string" }, profile: { type: "boolean" }, shape: { type: "string" },
    },
  });
  const int = (raw, fallback, min = 1) => {
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`expected an integer >= ${min}, got "${raw}"`);
    return n;
  };
  return {
    mb: int(values.mb ?? env.BENCH_IMPORT_MB, 200),
    smallMb: int(values["small-mb"] ?? env.BENCH_IMPORT_SMALL_MB, 50, 0),
    rounds: int(values["import-rounds"] ?? env.BENCH_IMPORT_ROUNDS, 3),
    seed: int(values.seed ?? env.BENCH_SEED, 1),
    dir: values.dir ?? env.BENCH_DIR ?? tmpdir(),
    corpusDir: values["corpus-dir"] ?? env.BENCH_CORPUS_DIR ?? join(ROOT, "bench", ".corpus"),
    profile: values.profile ?? env.BENCH_PROFILE === "1",
    shapes: shapesOf(values.shape ?? env.BENCH_IMPORT_SHAPE ?? "both"),
  };
}

function shapesOf(raw) {
  if (raw === "both") return [...CORPUS_SHAPES];
  const shapes = raw.split(",").map((s) => s.trim());
  for (const s of shapes) if (!CORPUS_SHAPES.includes(s)) throw new Error(`--shape: expected ${CORPUS_SHAPES.join(", ")} or both, got "${s}"`);
  return shapes;
}

/**
 * The generated home for (seed, size), generated once and kept: `<corpusDir>/<name>/home/.claude`.
 * `manifest.json` is written last, so an interrupted generation is redone.
 */
export function ensureCorpus({ corpusDir, seed, mb, shape = "standard" }, log) {
  const name = shape === "standard" ? "claude-code" : `claude-code-${shape}`;
  const dir = join(corpusDir, `${name}-v${CLAUDE_CODE_FORMAT_VERSION}-seed${seed}-${mb}mb`);
  const manifestPath = join(dir, "manifest.json");
  if (existsSync(manifestPath)) return { dir, home: join(dir, "home"), ...JSON.parse(readFileSync(manifestPath, "utf8")) };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log(`import: generating a ${mb} MB ${shape} Claude Code history (seed ${seed}) in ${dir}`);
  const t = performance.now();
  const stats = writeClaudeCodeHome({ home: join(dir, "home"), seed, targetBytes: mb * MB, shape, log });
  stats.generateSeconds = (performance.now() - t) / 1000;
  writeFileSync(manifestPath, JSON.stringify(stats, null, 2));
  log(`  ${fmtInt(stats.files)} files, ${(stats.bytes / MB).toFixed(1)} MB in ${stats.generateSeconds.toFixed(1)} s`);
  return { dir, home: join(dir, "home"), ...stats };
}

const collectorCtx = (home) => ({ home, env: {}, machine: "bench" });
const ZERO = () => ({ promptTokens: 0, completionTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });

/**
 * One in-process pass over every transcript from scratch. `stage`:
 * - `lines`: readCompleteLines + JSON.parse of every line (the floor: I/O, UTF-8, JSON);
 * - `collector`: claudeCodeCollector.read, chunks consumed and discarded (parse-only);
 * - `prepare`: + prepareChunk (redaction, pricing, clamping), as the sync engine does;
 * - `serialise`: + JSON.stringify of every session and message, as the uploader does.
 */
async function clientPass(home, stage) {
  const units = await claudeCodeCollector.discover(collectorCtx(home));
  const redactor = createRedactor();
  const tokens = ZERO();
  let bytes = 0;
  let messages = 0;
  let lines = 0;
  let chunks = 0;
  const distinct = new Set();
  const started = performance.now();
  for (const unit of units) {
    if (stage === "lines") {
      for await (const line of readCompleteLines(unit.path)) {
        parseJsonLine(line.text);
        lines++;
        bytes += line.end - line.start;
      }
      continue;
    }
    for await (const chunk of claudeCodeCollector.read(unit, undefined, collectorCtx(home))) {
      chunks++;
      bytes += chunk.bytesRead ?? 0;
      messages += chunk.messages.length;
      if (stage === "collector") {
        for (const m of chunk.messages) {
          distinct.add(`${m.sessionExternalId}\u0000${m.externalId}`);
          for (const k of Object.keys(tokens)) tokens[k] += m[k] ?? 0;
        }
        continue;
      }
      const prepared = prepareChunk(chunk, redactor);
      if (stage === "serialise") {
        for (const s of prepared.sessions) JSON.stringify(s);
        for (const m of prepared.messages) JSON.stringify(m);
      }
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return { stage, units: units.length, bytes, messages, distinctMessages: distinct.size, lines, chunks, seconds, tokens };
}

/** A module the CLI and server load with `--import`: writes the process' resource usage at exit. */
function resourceProbe(dir) {
  const path = join(dir, "resource-probe.mjs");
  writeFileSync(
    path,
    `import { writeFileSync } from "node:fs";
const out = process.env.BENCH_RESOURCE_OUT;
if (out) process.on("exit", () => {
  const r = process.resourceUsage();
  writeFileSync(out, JSON.stringify({ maxRssKb: r.maxRSS, userMs: r.userCPUTime / 1000, systemMs: r.systemCPUTime / 1000 }));
});
`,
  );
  return path;
}

const cpuSeconds = (r) => ((r?.userMs ?? NaN) + (r?.systemMs ?? NaN)) / 1000;
const readJson = (path) => (existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : undefined);

/** Runs the CLI (`import --agent claude-code --json` by default); resolves with wall time, summary, resources. */
function runCli({ home, url, key, opensyncHome, probe, resourceOut, nodeArgs = [], args = ["import", "--agent", "claude-code", "--json"] }) {
  const env = { ...process.env, HOME: home, OPENSYNC_HOME: opensyncHome, OPENSYNC_URL: url, OPENSYNC_API_KEY: key, OPENSYNC_MACHINE: "bench", BENCH_RESOURCE_OUT: resourceOut };
  delete env.CLAUDE_CONFIG_DIR;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ["--import", pathToFileURL(probe).href, ...nodeArgs, CLI, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`opensync ${args.join(" ")} exited with ${code}\n${stderr}\n${stdout.slice(0, 2000)}`));
      let summary;
      try {
        summary = JSON.parse(stdout);
      } catch {
        return reject(new Error(`opensync ${args.join(" ")} printed no JSON summary:\n${stdout.slice(0, 2000)}`));
      }
      resolve({ seconds, summary, resources: readJson(resourceOut) });
    });
  });
}

/** A fresh server and data dir, one CLI import of `corpus`, the server's stats, everything cleaned up. */
async function runEndToEnd(corpus, { dir, profile }, log) {
  const work = mkdtempSync(join(dir, "opensync-bench-import-"));
  const probe = resourceProbe(work);
  const profileDir = join(work, "profiles");
  const prof = (name) => (profile ? ["--cpu-prof", "--cpu-prof-dir", join(profileDir, name)] : []);
  let server;
  try {
    const dataDir = join(work, "data");
    mkdirSync(dataDir);
    const key = createApiKey(dataDir);
    const serverOut = join(work, "server-resources.json");
    server = await startServerProcess({ dataDir, nodeArgs: ["--import", pathToFileURL(probe).href, ...prof("server")], env: { BENCH_RESOURCE_OUT: serverOut } });
    // An import into a running server, not one still starting (see waitUntilQuiet).
    await waitUntilQuiet(server.pid);
    const busyBefore = machineBusySeconds();
    const serverBefore = processCpuSeconds(server.pid);
    const selfBefore = process.cpuUsage();
    const cli = await runCli({ home: corpus.home, url: server.url, key, opensyncHome: join(work, "opensync-home"), probe, resourceOut: join(work, "cli-resources.json"), nodeArgs: prof("cli") });
    const busy = machineBusySeconds() - busyBefore;
    const serverDuring = processCpuSeconds(server.pid) - serverBefore;
    const self = process.cpuUsage(selfBefore);
    const client = createClient(server.url, key);
    const stats = await client.getJson("/api/stats");
    client.close();
    await server.stop();
    server = undefined;
    const result = { ...cli, stats, server: readJson(serverOut) };
    // The server's CPU while the CLI ran (its startup and shutdown excluded), where /proc tells.
    if (Number.isFinite(serverDuring)) result.server = { ...result.server, userMs: serverDuring * 1000, systemMs: 0 };
    // CPU the machine spent on anything but this import: noise.
    result.otherCpu = Math.max(0, busy - cpuSeconds(result.resources) - cpuSeconds(result.server) - (self.user + self.system) / 1e6);
    if (profile) {
      const first = (d) => join(profileDir, d, readdirSync(join(profileDir, d)).find((f) => f.endsWith(".cpuprofile")));
      result.profiles = { cli: first("cli"), server: first("server") };
      log(`  cpu profiles kept: ${result.profiles.cli}, ${result.profiles.server}`);
    }
    return result;
  } finally {
    await server?.stop().catch(() => {});
    if (!profile) rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The CLI parsing and preparing everything without uploading (`opensync sync --dry-run`): the
 * client's share of an import, startup included. No server: the URL is never called.
 */
async function runDryRun(corpus, { dir }) {
  const work = mkdtempSync(join(dir, "opensync-bench-dryrun-"));
  try {
    const probe = resourceProbe(work);
    return await runCli({
      home: corpus.home, url: "http://127.0.0.1:9", key: "osk_dry_run", opensyncHome: join(work, "opensync-home"), probe,
      resourceOut: join(work, "cli-resources.json"), args: ["sync", "--agent", "claude-code", "--dry-run", "--json"],
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Token totals of every transcript by two rules, straight from the lines: billed (each response's
 * last line, per file, as sessions are stored) and ccusage's (first line of each message.id +
 * requestId, across all files, as ccusage dedupes).
 */
async function ruleTotals(home) {
  const units = await claudeCodeCollector.discover(collectorCtx(home));
  const billed = ZERO();
  const first = new FirstLineUsageTally();
  for (const unit of units) {
    const tally = new BilledUsageTally();
    for await (const line of readCompleteLines(unit.path)) {
      tally.addLine(line.text);
      first.addLine(line.text);
    }
    const t = tally.totals();
    for (const k of Object.keys(billed)) billed[k] += t[k];
  }
  return { billed, firstLine: first.totals() };
}

/** The real ccusage over the same config dir. */
function runCcusage(home) {
  const started = performance.now();
  const env = { ...process.env, CLAUDE_CONFIG_DIR: join(home, ".claude") };
  const r = spawnSync(process.execPath, [CCUSAGE, "session", "--json", "--offline"], { env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`ccusage exited with ${r.status}: ${r.stderr}`);
  const { totals, sessions } = JSON.parse(r.stdout);
  return { totals, sessions: sessions.length, seconds: (performance.now() - started) / 1000 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mbps = (bytes, seconds) => bytes / MB / seconds;
const fmtRate = (x) => x.toFixed(1);
const fmtMiB = (kb) => `${fmtInt(kb / 1024)} MiB`;

/** Wall time of `opensync --version`: what every CLI run pays before reading anything. */
function cliStartupSeconds(runs = 3) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [CLI, "--version"], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`opensync --version exited with ${r.status}: ${r.stderr}`);
    times.push((performance.now() - t) / 1000);
  }
  return median(times);
}

/**
 * Where the CLI's time goes, by stage: inclusive time of samples under each function
 * (`functionName@file-substring`). The server's work is mostly async continuations whose stacks
 * do not show their callers, so it is summarised by self time per package/file instead.
 */
export const CLI_STAGES = [
  { label: "collector: read + split lines", pattern: "readCompleteLines@collectors/dist/jsonl" },
  { label: "collector: JSON.parse of every line", pattern: "parseJsonLine@collectors/dist/jsonl" },
  { label: "collector: assemble messages", pattern: "accept@claude-code/assembler" },
  { label: "prepareChunk (all)", pattern: "prepareChunk@engine/prepare" },
  { label: "  redaction of text", pattern: "redactText@collectors/dist/redaction" },
  { label: "  redaction of parts", pattern: "redactValue@collectors/dist/redaction" },
  { label: "  pricing", pattern: "computeCost@collectors/dist/pricing" },
  { label: "uploader: JSON.stringify + batching", pattern: "push@engine/uploader" },
  { label: "uploader: request (fetch)", pattern: "deliver@engine/uploader" },
  { label: "checkpoints (state store)", pattern: "save@engine/state" },
];

/** Stage table (inclusive), self time by group and by function, as markdown. */
export function profileSummary(file, stages = [], limit = 14) {
  const summary = summarizeCpuProfile(file);
  const parts = [];
  if (stages.length) {
    const inclusive = inclusiveTimes(file, stages.map((s) => s.pattern));
    parts.push(markdownTable(
      ["stage (inclusive time)", "function", "ms", "share"],
      stages.map((s) => [s.label, s.pattern, inclusive.ms[s.pattern].toFixed(0), fmtPct((100 * inclusive.ms[s.pattern]) / inclusive.totalMs)]),
    ));
  }
  parts.push(markdownTable(["self time by group", "ms", "share"], summary.groups.slice(0, limit).map((g) => [g.name.slice(0, 90), g.ms.toFixed(0), fmtPct(100 * g.share)])));
  parts.push(markdownTable(["self time by function", "ms", "share"], summary.functions.slice(0, limit).map((f) => [f.name.slice(0, 100), f.ms.toFixed(0), fmtPct(100 * f.share)])));
  return { totalMs: summary.totalMs, text: parts.join("\n\n") };
}

const range = (xs, fmt) => `${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}`;

/** Every shape asked for, one after the other (see runShapeBench). */
export async function runImportBench(options = importOptions(), log = (line) => process.stderr.write(line + "\n")) {
  const shapes = [];
  for (const shape of options.shapes) shapes.push(await runShapeBench(options, shape, log));
  return { options, shapes };
}

/**
 * The whole benchmark of one corpus shape: corpora, client passes, end-to-end imports, ccusage.
 * Rates are medians over rounds (client passes and imports interleaved, so a noisy neighbour hits
 * them alike); the best round is reported too, with the CPU other processes took during it.
 */
export async function runShapeBench(options, shape, log) {
  const sizes = [options.mb, ...(options.smallMb && options.smallMb !== options.mb ? [options.smallMb] : [])];
  const corpora = sizes.map((mb) => ({ mb, ...ensureCorpus({ ...options, mb, shape }, log) }));
  const large = corpora[0];
  log(`import (${shape}): ${large.home} (${fmtInt(large.files)} files, ${(large.bytes / MB).toFixed(1)} MB, largest ${(large.largestFile / MB).toFixed(1)} MB), ${options.rounds} round(s)`);

  const stages = ["lines", "collector", "prepare", "serialise"];
  const passes = new Map(stages.map((s) => [s, []]));
  const e2e = new Map(corpora.map((c) => [c.mb, []]));
  const dryRuns = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const stage of stages) {
      globalThis.gc?.();
      const r = await clientPass(large.home, stage);
      log(`  round ${round}: ${stage.padEnd(10)} ${fmtRate(mbps(r.bytes, r.seconds)).padStart(6)} MB/s, ${fmtInt(r.messages / r.seconds).padStart(7)} messages/s (${r.seconds.toFixed(2)} s)`);
      passes.get(stage).push(r);
    }
    const dry = await runDryRun(large, options);
    log(`  round ${round}: CLI dry run ${fmtRate(mbps(large.bytes, dry.seconds))} MB/s (${dry.seconds.toFixed(2)} s), CPU ${cpuSeconds(dry.resources).toFixed(2)} s, peak RSS ${fmtMiB(dry.resources?.maxRssKb ?? NaN)}`);
    dryRuns.push(dry);
    for (const corpus of corpora) {
      const r = await runEndToEnd(corpus, { dir: options.dir, profile: false }, log);
      log(`  round ${round}: end to end ${corpus.mb} MB: ${fmtRate(mbps(corpus.bytes, r.seconds))} MB/s, ${fmtInt(r.summary.messages / r.seconds)} messages/s (${r.seconds.toFixed(2)} s), CPU CLI ${cpuSeconds(r.resources).toFixed(2)} s + server ${cpuSeconds(r.server).toFixed(2)} s, other processes ${r.otherCpu.toFixed(2)} s, CLI peak RSS ${fmtMiB(r.resources?.maxRssKb ?? NaN)}`);
      e2e.get(corpus.mb).push(r);
    }
  }
  const profiled = options.profile ? await runEndToEnd(large, { dir: options.dir, profile: true }, log) : undefined;
  const startup = cliStartupSeconds();
  log(`  ccusage over ${large.mb} MB ...`);
  const ccusage = runCcusage(large.home);
  const rules = await ruleTotals(large.home);

  const collector = passes.get("collector");
  const parseOnly = median(collector.map((r) => mbps(r.bytes, r.seconds)));
  /** Median over rounds of (rate / parse-only rate of the same round): steadier than a ratio of medians. */
  const shareOfParse = (rates) => median(rates.map((rate, i) => rate / mbps(collector[i].bytes, collector[i].seconds)));
  const labels = {
    lines: "read lines + JSON.parse (floor)",
    collector: "collector, parse-only",
    prepare: "collector + prepareChunk (redaction, pricing)",
    serialise: "collector + prepareChunk + JSON.stringify",
  };
  const rows = [];
  for (const [stage, runs] of passes) {
    const rates = runs.map((r) => mbps(r.bytes, r.seconds));
    const rate = median(rates);
    rows.push([labels[stage], fmtRate(rate), stage === "lines" ? "n/a" : fmtInt(median(runs.map((r) => r.messages / r.seconds))), `${median(runs.map((r) => r.seconds)).toFixed(2)} s`, range(rates, fmtRate), fmtPct(100 * shareOfParse(rates)), "in-process, one thread"]);
  }
  {
    const rates = dryRuns.map((r) => mbps(large.bytes, r.seconds));
    const rate = median(rates);
    rows.push([
      `CLI dry run: opensync sync --dry-run, ${large.mb} MB (parse + prepare, no upload)`,
      fmtRate(rate), fmtInt(median(dryRuns.map((r) => r.summary.messages / r.seconds))), `${median(dryRuns.map((r) => r.seconds)).toFixed(2)} s`, range(rates, fmtRate),
      fmtPct(100 * shareOfParse(rates)), `process: CPU ${median(dryRuns.map((r) => cpuSeconds(r.resources))).toFixed(1)} s, peak RSS ${fmtMiB(Math.max(...dryRuns.map((r) => r.resources?.maxRssKb ?? NaN)))}`,
    ]);
  }
  const endToEnd = [];
  for (const corpus of corpora) {
    const runs = e2e.get(corpus.mb);
    const rates = runs.map((r) => mbps(corpus.bytes, r.seconds));
    const best = runs.reduce((b, r) => (r.seconds < b.seconds ? r : b));
    const e = {
      corpus,
      runs,
      rate: median(rates),
      best: { rate: mbps(corpus.bytes, best.seconds), otherCpu: best.otherCpu, cliCpu: cpuSeconds(best.resources), serverCpu: cpuSeconds(best.server) },
      shareOfParse: shareOfParse(rates),
      seconds: median(runs.map((r) => r.seconds)),
      cliSeconds: median(runs.map((r) => r.summary.durationMs / 1000)),
      rss: Math.max(...runs.map((r) => r.resources?.maxRssKb ?? NaN)),
      cliCpu: median(runs.map((r) => cpuSeconds(r.resources))),
      serverCpu: median(runs.map((r) => cpuSeconds(r.server))),
    };
    endToEnd.push(e);
    rows.push([
      `end to end: opensync import -> server, ${corpus.mb} MB`,
      fmtRate(e.rate),
      fmtInt(median(runs.map((r) => r.summary.messages / r.seconds))),
      `${e.seconds.toFixed(2)} s`,
      range(rates, fmtRate),
      corpus === large ? fmtPct(100 * e.shareOfParse) : "",
      `CPU: CLI ${e.cliCpu.toFixed(1)} s, server ${e.serverCpu.toFixed(1)} s (while importing); CLI peak RSS ${fmtMiB(e.rss)}`,
    ]);
  }
  const table = markdownTable(["path", "MB/s", "messages/s", "time", "MB/s range", "% of parse-only", "notes"], rows);

  const last = e2e.get(large.mb).at(-1);
  const pairs = [
    ["input (promptTokens)", "inputTokens", "promptTokens"],
    ["output (completionTokens)", "outputTokens", "completionTokens"],
    ["cache read (cacheReadTokens)", "cacheReadTokens", "cacheReadTokens"],
    ["cache write (cacheWriteTokens)", "cacheCreationTokens", "cacheWriteTokens"],
  ];
  const billedEqual = (os) => rules.billed[os] === last.stats[os] && collector[0].tokens[os] === last.stats[os];
  const ccusageExplained = (cc, os) => ccusage.totals[cc] === rules.firstLine[os];
  const tokensEqual = pairs.every(([, cc, os]) => billedEqual(os) && ccusageExplained(cc, os));
  const tokenTable = markdownTable(
    ["tokens", "billed (last line of each response)", "OpenSync /api/stats", "collector (parse-only)", "equal", "ccusage 17.2.1", "first-line rule", "ccusage = first-line rule"],
    pairs.map(([label, cc, os]) => [
      label, fmtInt(rules.billed[os]), fmtInt(last.stats[os]), fmtInt(collector[0].tokens[os]), billedEqual(os) ? "yes" : "NO",
      fmtInt(ccusage.totals[cc]), fmtInt(rules.firstLine[os]), ccusageExplained(cc, os) ? "yes" : "NO",
    ]),
  );

  const counts = {
    parsedMessages: collector[0].messages,
    distinctMessages: collector[0].distinctMessages,
    importedMessages: last.summary.messages,
    storedMessages: last.stats.messageCount,
    storedSessions: last.stats.sessionCount,
    ccusageSessions: ccusage.sessions,
    requests: last.summary.requests,
    rejected: last.summary.rejected,
  };
  const l = endToEnd[0];
  const verdict = {
    mbps: l.rate >= IMPORT_TARGET_MBPS,
    ratio: l.shareOfParse * IMPORT_TARGET_RATIO >= 1,
    tokens: tokensEqual,
    messages: counts.storedMessages === counts.distinctMessages && counts.importedMessages === counts.parsedMessages && counts.rejected === 0,
  };

  let profiles = "";
  if (profiled) {
    const cli = profileSummary(profiled.profiles.cli, CLI_STAGES);
    const server = profileSummary(profiled.profiles.server);
    profiles =
      `### CPU profiles of one more import (${fmtRate(mbps(large.bytes, profiled.seconds))} MB/s under the profiler)\n\n` +
      `CLI (${(cli.totalMs / 1000).toFixed(1)} s sampled, idle included):\n\n${cli.text}\n\n` +
      `Server (${(server.totalMs / 1000).toFixed(1)} s sampled from its start, idle included):\n\n${server.text}`;
  }

  const mixTable = markdownTable(
    ["line kind", "lines", "MB", "share of bytes"],
    large.lineMix.slice(0, 20).map((m) => [m.kind, fmtInt(m.lines), (m.bytes / MB).toFixed(1), fmtPct((100 * m.bytes) / large.bytes)]),
  );
  const corpusText = corpora
    .map((c) => `${c.mb} MB corpus: ${fmtInt(c.files)} transcript files (${fmtInt(c.sessions)} sessions, ${fmtInt(c.subagentFiles)} subagent files) in ${c.projects} projects, ${(c.bytes / MB).toFixed(1)} MB; largest file ${(c.largestFile / MB).toFixed(1)} MB, median ${(c.medianFile / 1e3).toFixed(0)} KB, ${c.filesOver10MB} over 10 MB, ${c.filesUnder100KB} under 100 KB.`)
    .join("\n");

  const others = [...e2e.values()].flat().map((r) => r.otherCpu).filter(Number.isFinite);
  const cost = last.stats.totalCost;
  // Rounds during which the rest of the machine stayed (nearly) idle: on a shared box, the fairer view.
  const quietRounds = e2e.get(large.mb).flatMap((r, i) => (r.otherCpu < QUIET_OTHER_CPU_SECONDS ? [i] : []));
  const quiet = quietRounds.length
    ? {
        rounds: quietRounds.length,
        rate: median(quietRounds.map((i) => mbps(large.bytes, e2e.get(large.mb)[i].seconds))),
        ratio: median(quietRounds.map((i) => e2e.get(large.mb)[i].seconds / collector[i].seconds)),
      }
    : undefined;
  const load = others.length ? { median: median(others), max: Math.max(...others) } : undefined;
  const dryRate = median(dryRuns.map((r) => mbps(large.bytes, r.seconds)));
  const dryCpu = median(dryRuns.map((r) => cpuSeconds(r.resources)));
  return { shape, options, corpora, passes, e2e, dryRuns, dryRate, dryCpu, ccusage, counts, verdict, parseOnly, endToEnd, startup, load, quiet, cost, table, tokenTable, mixTable, corpusText, profiles };
}

/** The shapes side by side: the figures issue 8 asks for, one column per shape. */
export function shapesTable(shapes) {
  const l = (r) => r.endToEnd[0];
  const perMb = (cpu, r) => `${((1000 * cpu) / (l(r).corpus.bytes / MB)).toFixed(1)} ms/MB`;
  const toolShare = (r) => {
    const m = l(r).corpus.lineMix.find((x) => x.kind === "user: tool_result");
    return m ? fmtPct((100 * m.bytes) / l(r).corpus.bytes) : "0%";
  };
  const rows = [
    ["corpus", (r) => `${(l(r).corpus.bytes / MB).toFixed(0)} MB, ${fmtInt(l(r).corpus.files)} files, tool_result lines ${toolShare(r)} of bytes`],
    [`end to end MB/s, median (target >= ${IMPORT_TARGET_MBPS_ALL_SHAPES})`, (r) => `**${fmtRate(l(r).rate)}**`],
    ["end to end MB/s, best round (other processes' CPU during it)", (r) => `${fmtRate(l(r).best.rate)} (${l(r).best.otherCpu.toFixed(2)} s)`],
    ["end to end MB/s, range", (r) => range(l(r).runs.map((x) => mbps(l(r).corpus.bytes, x.seconds)), fmtRate)],
    ["parse-only MB/s (in-process, median)", (r) => fmtRate(r.parseOnly)],
    ["CLI dry run MB/s (parse + prepare, process)", (r) => fmtRate(r.dryRate)],
    ["CPU of the CLI, import (median)", (r) => `${l(r).cliCpu.toFixed(2)} s (${perMb(l(r).cliCpu, r)})`],
    ["CPU of the server while importing (median)", (r) => `${l(r).serverCpu.toFixed(2)} s (${perMb(l(r).serverCpu, r)})`],
    ["2-core bound: (CLI + server CPU) / 2", (r) => `${fmtRate(l(r).corpus.bytes / MB / ((l(r).cliCpu + l(r).serverCpu) / 2))} MB/s`],
    ["peak RSS of the CLI", (r) => fmtMiB(l(r).rss)],
    ["other processes' CPU per import (median / max)", (r) => (r.load ? `${r.load.median.toFixed(2)} / ${r.load.max.toFixed(2)} s` : "n/a")],
    ["token totals = billed tally; messages all stored", (r) => `${r.verdict.tokens ? "yes" : "NO"}; ${r.verdict.messages ? "yes" : "NO"}`],
  ];
  return markdownTable(["", ...shapes.map((r) => r.shape)], rows.map(([label, f]) => [label, ...shapes.map(f)]));
}

/** The markdown report of a run: the shapes side by side, then each shape in detail. */
export function importReport(run) {
  const parts = [];
  if (run.shapes.length > 1) {
    const met = run.shapes.every((r) => r.endToEnd[0].rate >= IMPORT_TARGET_MBPS_ALL_SHAPES);
    parts.push(shapesTable(run.shapes), "", `Target (issue 8): every shape >= ${IMPORT_TARGET_MBPS_ALL_SHAPES} MB/s end to end (median): ${met ? "met" : "MISSED"}.`, "");
  }
  for (const r of run.shapes) parts.push(`### Shape: ${r.shape}`, "", shapeReport(r), "");
  return parts.join("\n");
}

/** The markdown report of one shape. */
export function shapeReport(r) {
  const l = r.endToEnd[0];
  const check = (ok) => (ok ? "met" : "MISSED");
  const summary = [
    `Targets (issue 3), ${l.corpus.mb} MB: end to end >= ${IMPORT_TARGET_MBPS} MB/s: ${fmtRate(l.rate)} MB/s -> ${check(r.verdict.mbps)}; ` +
      `within ${IMPORT_TARGET_RATIO}x of parse-only (${fmtRate(r.parseOnly)} MB/s): ${(1 / l.shareOfParse).toFixed(2)}x (median over rounds of the same round's ratio) -> ${check(r.verdict.ratio)}.`,
    `End to end is the wall time of the CLI process (${l.seconds.toFixed(2)} s; ${l.cliSeconds.toFixed(2)} s of it inside runSync, the rest startup, module loading, discovery before it; ` +
      `\`opensync --version\` alone takes ${r.startup.toFixed(2)} s). CPU: CLI ${l.cliCpu.toFixed(1)} s + server ${l.serverCpu.toFixed(1)} s = ${(l.cliCpu + l.serverCpu).toFixed(1)} s, ` +
      `so on 2 cores no overlap can bring the import under ${((l.cliCpu + l.serverCpu) / 2).toFixed(2)} s (${fmtRate(l.corpus.bytes / MB / ((l.cliCpu + l.serverCpu) / 2))} MB/s).`,
    r.load
      ? `CPU taken by other processes on this machine during the timed imports: median ${r.load.median.toFixed(2)} s, max ${r.load.max.toFixed(2)} s per import (noise: wall times of imports with more are less reliable).`
      : "",
    !r.quiet
      ? `No round ran with other processes under ${QUIET_OTHER_CPU_SECONDS} s of CPU: the wall times above are disturbed.`
      : r.quiet.rounds < r.options.rounds
        ? `Rounds in which other processes took < ${QUIET_OTHER_CPU_SECONDS} s of CPU (${r.quiet.rounds} of ${r.options.rounds}): end to end ${fmtRate(r.quiet.rate)} MB/s, ${r.quiet.ratio.toFixed(2)}x parse-only.`
        : "",
    `Peak RSS of the CLI: ${r.endToEnd.map((e) => `${fmtMiB(e.rss)} for ${e.corpus.mb} MB (largest file ${(e.corpus.largestFile / MB).toFixed(1)} MB)`).join(", ")}.`,
  ].filter(Boolean);
  const lines = [
    r.corpusText.replaceAll("\n", "\n\n"),
    "",
    r.table,
    "",
    summary.join("\n\n"),
    "",
    r.tokenTable,
    "",
    `Token totals equal to the billed tally, and ccusage's difference exactly its first-line rule: ${r.verdict.tokens ? "yes" : "NO"}. Messages: ${fmtInt(r.counts.parsedMessages)} parsed (${fmtInt(r.counts.distinctMessages)} distinct), ` +
      `${fmtInt(r.counts.importedMessages)} sent by the CLI in ${fmtInt(r.counts.requests)} requests, ${fmtInt(r.counts.storedMessages)} stored, ${r.counts.rejected} rejected -> ` +
      `${r.verdict.messages ? "all stored" : "MISMATCH"}; ${fmtInt(r.counts.storedSessions)} sessions stored. ccusage took ${r.ccusage.seconds.toFixed(1)} s. ` +
      `Cost (information only, each with its own price table): ccusage $${fmtInt(r.ccusage.totals.totalCost)}, OpenSync $${fmtInt(r.cost)}.`,
    "",
    "Line mix of the corpus (top 20 kinds by bytes):",
    "",
    r.mixTable,
  ];
  if (r.profiles) lines.push("", r.profiles);
  return lines.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await runImportBench();
  process.stdout.write(importReport(r) + "\n");
}
