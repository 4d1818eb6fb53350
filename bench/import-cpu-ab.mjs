/**
 * CPU of each side of one `opensync import` (issue 8), alternating between checkouts so that load
 * from other jobs on the machine falls on all of them alike: for each round and each checkout, a
 * fresh server of that checkout, one import of the corpus by its CLI, and the CPU seconds of the
 * CLI (its own resource usage), of the server while the CLI ran and of everything else (/proc, so
 * Linux only). Each checkout must be built (`npx tsc -b` in it).
 *
 *   node bench/import-cpu-ab.mjs <claude home of a corpus> <rounds> <checkout> [<checkout> ...]
 *   e.g. node bench/import-cpu-ab.mjs bench/.corpus/claude-code-tool-heavy-v4-seed1-200mb/home 3 /tmp/base .
 */
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { machineBusySeconds, processCpuSeconds, waitUntilQuiet } from "./lib/proc.mjs";

const [homeArg, roundsArg, ...checkoutArgs] = process.argv.slice(2);
const home = resolve(homeArg);
const checkouts = checkoutArgs.map((c) => resolve(c));

/** One import by `checkout`'s CLI into a fresh server of `checkout`: wall and CPU seconds. */
async function importOnce(checkout) {
  const lib = await import(pathToFileURL(join(checkout, "bench/lib/server-process.mjs")).href);
  const work = mkdtempSync(join(tmpdir(), "opensync-cpu-ab-"));
  try {
    const dataDir = join(work, "data");
    mkdirSync(dataDir);
    const key = lib.createApiKey(dataDir);
    const server = await lib.startServerProcess({ dataDir });
    await waitUntilQuiet(server.pid); // a running server, not one still starting
    // The CLI writes its own CPU time as it exits.
    const probe = join(work, "probe.mjs");
    const cpuOut = join(work, "cli-cpu.json");
    writeFileSync(
      probe,
      `import { writeFileSync } from "node:fs";
process.on("exit", () => { const r = process.resourceUsage(); writeFileSync(${JSON.stringify(cpuOut)}, JSON.stringify((r.userCPUTime + r.systemCPUTime) / 1e6)); });
`,
    );
    const busyBefore = machineBusySeconds();
    const serverBefore = processCpuSeconds(server.pid);
    const started = performance.now();
    await new Promise((done, fail) => {
      const env = { ...process.env, HOME: home, OPENSYNC_HOME: join(work, "opensync-home"), OPENSYNC_URL: server.url, OPENSYNC_API_KEY: key, OPENSYNC_MACHINE: "bench" };
      delete env.CLAUDE_CONFIG_DIR;
      const cli = spawn(process.execPath, ["--import", pathToFileURL(probe).href, lib.CLI, "import", "--agent", "claude-code", "--json"], { env, stdio: ["ignore", "ignore", "inherit"] });
      cli.on("error", fail);
      cli.on("exit", (code) => (code === 0 ? done() : fail(new Error(`opensync import exited with ${code}`))));
    });
    const wall = (performance.now() - started) / 1000;
    const serverCpu = processCpuSeconds(server.pid) - serverBefore;
    const busy = machineBusySeconds() - busyBefore;
    await server.stop();
    const cliCpu = JSON.parse(readFileSync(cpuOut, "utf8"));
    return { wall, cliCpu, serverCpu, otherCpu: Math.max(0, busy - cliCpu - serverCpu) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const runs = new Map(checkouts.map((c) => [c, []]));
for (let round = 0; round < Number(roundsArg); round++) {
  for (const checkout of checkouts) {
    const r = await importOnce(checkout);
    runs.get(checkout).push(r);
    const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    console.log(
      `${new Date().toISOString().slice(11, 19)} load ${load} ${checkout}: wall ${r.wall.toFixed(2)} s, CLI ${r.cliCpu.toFixed(2)} s, server ${r.serverCpu.toFixed(2)} s, other ${r.otherCpu.toFixed(2)} s`,
    );
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const [checkout, rs] of runs) {
  const m = (k) => median(rs.map((r) => r[k])).toFixed(2);
  console.log(`${checkout}: median wall ${m("wall")} s, CLI ${m("cliCpu")} s, server ${m("serverCpu")} s of CPU`);
}
