import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listQueue, settle } from "./queue.js";

/**
 * Hooks are separate processes: they enqueue while the worker lists and settles. To race the real
 * code, the producers run this very source (queue.ts and the paths module it needs), stripped of
 * its types into a temp dir, in child processes, while this process consumes.
 */
const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));

function compileQueueForChildren(dir: string): string {
  const js = (path: string) => ts.transpileModule(readFileSync(path, "utf8"), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  writeFileSync(join(dir, "paths.mjs"), js(here("../../../collectors/src/paths.ts")));
  writeFileSync(join(dir, "queue.mjs"), js(here("./queue.ts")).replace('"@opensync/collectors/paths"', '"./paths.mjs"'));
  // Each target is queued twice in a row: the second event races the worker settling the first.
  const producer = join(dir, "producer.mjs");
  writeFileSync(
    producer,
    `import { enqueue } from "./queue.mjs";
const [, , name, count] = process.argv;
const env = { OPENSYNC_HOME: process.env.OPENSYNC_HOME };
for (let i = 0; i < Number(count); i++) {
  const path = "/t/" + name + "-" + i + ".jsonl";
  enqueue(env, { agent: "claude-code", path, event: "first", queuedAt: Date.now() });
  enqueue(env, { agent: "claude-code", path, event: "last", queuedAt: Date.now() });
}
`,
  );
  return producer;
}

describe("hook queue under concurrent hooks and worker", () => {
  let dir: string;
  let producer: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "opensync-queue-race-"));
    mkdirSync(join(dir, "code"));
    producer = compileQueueForChildren(join(dir, "code"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a hook's newer queue entry is never deleted by a worker settling the older one", async () => {
    // The race window is microseconds wide: several rounds, so a racy queue fails nearly every run.
    for (let round = 0; round < 3; round++) await raceRound({ OPENSYNC_HOME: join(dir, `home-${round}`) });
  });

  async function raceRound(env: Record<string, string>): Promise<void> {
    const PRODUCERS = 3;
    const TARGETS = 600;
    const children = Array.from({ length: PRODUCERS }, (_, p) =>
      spawn(process.execPath, [producer, `p${p}`, String(TARGETS)], { env: { ...env, PATH: process.env.PATH }, stdio: "inherit" }),
    );
    const exited = children.map((c) => new Promise<number | null>((done) => c.once("exit", done)));
    let running = PRODUCERS;
    for (const e of exited) void e.then(() => running--);

    // The worker's side: whatever it listed and settled was handed to a sync pass.
    const synced = new Set<string>();
    const consume = () => {
      for (const item of listQueue(env)) {
        if (item.entry.event === "last") synced.add(item.entry.path!);
        settle(item);
      }
    };
    while (running > 0) {
      consume();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(exited)).toEqual(Array(PRODUCERS).fill(0));
    consume(); // the next trigger's pass

    const lost: string[] = [];
    for (let p = 0; p < PRODUCERS; p++) for (let i = 0; i < TARGETS; i++) if (!synced.has(`/t/p${p}-${i}.jsonl`)) lost.push(`/t/p${p}-${i}.jsonl`);
    expect(lost).toEqual([]);
    expect(listQueue(env)).toEqual([]);
  }
});
