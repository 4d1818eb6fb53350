/**
 * CPU of the CLI's import pipeline alone (issue 8): collector -> prepareChunk -> Uploader, with a
 * stub client that answers every batch at once (no fetch, no server, no process start), for two or
 * more checkouts in one process. The checkouts take turns file by file (the order reversed on every
 * file), so load from other jobs on the machine falls on all of them alike even when it comes and
 * goes; each checkout's CPU is summed over its turns. Each checkout must be built (`npx tsc -b`).
 *
 *   node bench/import-pipeline-ab.mjs <claude home of a corpus> <passes> <checkout> [<checkout> ...]
 *   e.g. node bench/import-pipeline-ab.mjs bench/.corpus/claude-code-tool-heavy-v4-seed1-200mb/home 3 /tmp/base .
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [homeArg, passesArg, ...treeArgs] = process.argv.slice(2);
const home = resolve(homeArg);
const ctx = { home, env: {}, machine: "bench" };
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const pipelines = [];
for (const tree of treeArgs.map((t) => resolve(t))) {
  const collectors = await import(pathToFileURL(join(tree, "packages/collectors/dist/index.js")).href);
  pipelines.push({ tree, collectors, agent: collectors.findAgent("claude-code"), cpu: [] });
}
const units = await pipelines[0].agent.discover(ctx);

for (let pass = 0; pass < Number(passesArg); pass++) {
  const runs = pipelines.map((p) => {
    let posted = 0;
    const client = {
      baseUrl: "http://127.0.0.1:1",
      async syncBatchEncoded({ data }) {
        posted += data.byteLength;
        return { ok: true, sessions: 0, messages: 0, errors: [], features: ["tool-text-from-output"] };
      },
    };
    return { p, redactor: p.collectors.createRedactor(), uploader: new p.collectors.Uploader(client, { gzip: false }), cpu: 0, posted: () => posted };
  });
  for (let u = 0; u < units.length; u++) {
    const order = u % 2 === 0 ? runs : [...runs].reverse();
    for (const run of order) {
      const started = cpuNow();
      for await (const chunk of run.p.agent.read(units[u], undefined, ctx)) {
        const prepared = run.p.collectors.prepareChunk(chunk, run.redactor);
        await run.uploader.push({ sessions: prepared.sessions, messages: prepared.messages }, () => {});
      }
      if (u === units.length - 1) await run.uploader.flush();
      run.cpu += cpuNow() - started;
    }
  }
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  console.log(`pass ${pass + 1} (load ${load}): ${runs.map((r) => `${r.p.tree} ${r.cpu.toFixed(2)} s (${(r.posted() / 1e6).toFixed(1)} MB posted)`).join(", ")}`);
  for (const r of runs) r.p.cpu.push(r.cpu);
}
for (const p of pipelines) {
  const sorted = [...p.cpu].sort((a, b) => a - b);
  console.log(`${p.tree}: median ${sorted[Math.floor(sorted.length / 2)].toFixed(2)} s of CPU, range ${sorted[0].toFixed(2)}-${sorted.at(-1).toFixed(2)} s`);
}
