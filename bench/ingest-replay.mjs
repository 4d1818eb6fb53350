/**
 * The server's side of an import alone (issue 8): the `/sync/batch` bodies one `opensync import`
 * sends, captured once, then posted into fresh server processes again and again, so a change to the
 * server is measured without the CLI's CPU in the same two cores. Linux only for the CPU figures
 * (/proc): the whole process, its main thread, and each other thread (V8's GC helpers, the
 * full-text indexer).
 *
 *   node bench/ingest-replay.mjs capture <claude home of a corpus> <dir>
 *   node bench/ingest-replay.mjs replay <dir> [--rounds 3] [--inflight 2]
 *   e.g. node bench/ingest-replay.mjs capture bench/.corpus/claude-code-v4-seed1-200mb/home /tmp/std-bodies
 *
 * Capture runs the real CLI against a real server through a recording proxy on loopback. Replay
 * posts the bodies in their order with `--inflight` requests in flight (the CLI's 2 by default),
 * each round on a fresh data dir and key; environment variables reach the server (e.g.
 * `OPENSYNC_FULLTEXT_INDEXER=off`).
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { CLI, createApiKey, startServerProcess } from "./lib/server-process.mjs";
import { processCpuSeconds, threadCpuSeconds } from "./lib/proc.mjs";
import { markdownTable } from "./lib/report.mjs";

async function capture(home, dir) {
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), "opensync-replay-capture-"));
  const key = createApiKey(work);
  const server = await startServerProcess({ dataDir: work });
  const target = new URL(server.url);
  let n = 0;
  const proxy = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      if (req.url.startsWith("/sync/batch")) writeFileSync(join(dir, `${String(n++).padStart(5, "0")}.json`), body);
      const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      });
      upstream.on("error", (err) => res.destroy(err));
      upstream.end(body);
    });
  });
  await new Promise((r) => proxy.listen(0, "127.0.0.1", r));
  try {
    const child = spawn(process.execPath, [CLI, "import", "--agent", "claude-code", "--json"], {
      env: { ...process.env, HOME: resolve(home), OPENSYNC_HOME: join(work, "cli"), OPENSYNC_URL: `http://127.0.0.1:${proxy.address().port}`, OPENSYNC_API_KEY: key },
      stdio: ["ignore", "ignore", "inherit"],
    });
    const code = await new Promise((r) => child.on("exit", r));
    if (code !== 0) throw new Error(`opensync import exited with ${code}`);
    process.stdout.write(`captured ${n} request bodies in ${dir}\n`);
  } finally {
    proxy.close();
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

function post(agent, url, key, body) {
  return new Promise((resolvePost, reject) => {
    const u = new URL("/sync/batch", url);
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname, method: "POST", agent, headers: { "content-type": "application/json", authorization: `Bearer ${key}`, "content-length": body.length } },
      (res) => {
        const chunks = [];
        res.on("data", (d) => chunks.push(d));
        res.on("end", () => (res.statusCode === 200 ? resolvePost() : reject(new Error(`${res.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 300)}`))));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function replay(dir, rounds, inflight) {
  const bodies = readdirSync(dir).filter((f) => f.endsWith(".json")).sort().map((f) => readFileSync(join(dir, f)));
  if (!bodies.length) throw new Error(`no captured bodies in ${dir}`);
  const megabytes = bodies.reduce((n, b) => n + b.length, 0) / 1e6;
  const rows = [];
  for (let round = 1; round <= rounds; round++) {
    const work = mkdtempSync(join(tmpdir(), "opensync-replay-"));
    const agent = new http.Agent({ keepAlive: true, maxSockets: inflight });
    try {
      const key = createApiKey(work);
      const server = await startServerProcess({ dataDir: work });
      await new Promise((r) => setTimeout(r, 1000)); // its start-up work (migrations, the indexer's first look)
      const threadsBefore = threadCpuSeconds(server.pid);
      const before = processCpuSeconds(server.pid);
      const started = performance.now();
      let next = 0;
      await Promise.all(Array.from({ length: inflight }, async () => {
        while (next < bodies.length) await post(agent, server.url, key, bodies[next++]);
      }));
      const wall = (performance.now() - started) / 1000;
      const total = processCpuSeconds(server.pid) - before;
      const threads = [...threadCpuSeconds(server.pid)].map(([tid, s]) => ({ tid, s: s - (threadsBefore.get(tid) ?? 0) }));
      const main = threads.find((t) => t.tid === String(server.pid))?.s ?? NaN;
      const others = threads.filter((t) => t.tid !== String(server.pid) && t.s >= 0.01).sort((a, b) => b.s - a.s).map((t) => t.s.toFixed(2));
      rows.push([String(round), `${wall.toFixed(2)} s`, `${(megabytes / wall).toFixed(1)}`, `${total.toFixed(2)} s`, `${main.toFixed(2)} s`, others.join(", ") || "-", loadavg()[0].toFixed(1)]);
      await server.stop();
    } finally {
      agent.destroy();
      rmSync(work, { recursive: true, force: true });
    }
  }
  process.stdout.write(`${bodies.length} requests, ${megabytes.toFixed(1)} MB of request bodies, ${inflight} in flight; a fresh server per round.\n\n`);
  process.stdout.write(markdownTable(["round", "wall", "MB/s of bodies", "server CPU", "main thread", "other threads (s)", "load"], rows) + "\n");
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { rounds: { type: "string", default: "3" }, inflight: { type: "string", default: "2" } } });
const [command, ...args] = positionals;
if (command === "capture" && args.length === 2) await capture(args[0], args[1]);
else if (command === "replay" && args.length === 1) await replay(args[0], Number(values.rounds), Number(values.inflight));
else {
  process.stderr.write("usage: node bench/ingest-replay.mjs capture <claude home> <dir> | replay <dir> [--rounds N] [--inflight N]\n");
  process.exit(2);
}
