import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileLock } from "./lock.js";
import { PendingStore } from "./pending.js";

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));

/** A pid that certainly belongs to no process any more: a child that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

/**
 * The plugin's pending list compiled to plain JavaScript (TypeScript's own transpiler), so real
 * separate processes can use it exactly as separate OpenCode processes do.
 */
function compilePending(out: string): string {
  const sources = {
    "opencode-plugin/src/pending.js": join(HERE, "pending.ts"),
    "opencode-plugin/src/lock.js": join(HERE, "lock.ts"),
    "opencode-plugin/src/sent-ledger.js": join(HERE, "sent-ledger.ts"),
    "opencode-plugin/src/config.js": join(HERE, "config.ts"),
    "collectors/src/paths.js": join(HERE, "../../collectors/src/paths.ts"),
  };
  for (const [target, source] of Object.entries(sources)) {
    const js = ts.transpileModule(readFileSync(source, "utf8"), { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText;
    mkdirSync(dirname(join(out, target)), { recursive: true });
    writeFileSync(join(out, target), js);
  }
  writeFileSync(join(out, "package.json"), '{"type":"module"}');
  return join(out, "opencode-plugin/src/pending.js");
}

describe("cross-process locks", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "opensync-lock-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("treats a lock whose holder process is dead as free", () => {
    const path = join(dir, "x.lock");
    writeFileSync(path, `${deadPid()} abc`);
    const lock = FileLock.try(path);
    expect(lock).toBeDefined();
    expect(readFileSync(path, "utf8")).toMatch(new RegExp(`^${process.pid} `));
    lock!.release();
  });

  it("does not take a live holder's lock, and takes one not refreshed within its staleness time", () => {
    const path = join(dir, "x.lock");
    const holder = FileLock.try(path, { staleMs: 1_000 })!;
    expect(FileLock.try(path, { staleMs: 1_000 })).toBeUndefined();
    const old = new Date(Date.now() - 5_000);
    utimesSync(path, old, old); // a holder that hung 5 s without refreshing
    const next = FileLock.try(path, { staleMs: 1_000 });
    expect(next).toBeDefined();
    expect(holder.held()).toBe(false); // the hung holder learns it lost the lock
    holder.release(); // and does not remove the new holder's file
    expect(next!.held()).toBe(true);
    next!.release();
  });

  it("refreshes a lock while its holder works, so a long sender is never taken for a stale one", async () => {
    const path = join(dir, "x.lock");
    const holder = FileLock.try(path, { staleMs: 300, refresh: true })!;
    await new Promise((r) => setTimeout(r, 1_000)); // more than three times the staleness time
    expect(FileLock.try(path, { staleMs: 300 })).toBeUndefined();
    expect(holder.held()).toBe(true);
    holder.release();
    expect(FileLock.try(path, { staleMs: 300 })).toBeDefined();
  });

  it("loses no entry of opencode-pending.json when several processes add and remove at once", async () => {
    const pendingJs = compilePending(join(dir, "build"));
    const home = join(dir, "home");
    const worker = `
      const { PendingStore } = await import(${JSON.stringify(pendingJs)});
      const store = new PendingStore({ OPENSYNC_HOME: ${JSON.stringify(home)} });
      const me = process.argv[1];
      for (let i = 0; i < 40; i++) store.add(\`ses_\${me}_\${i}\`, "test");
      for (let i = 0; i < 40; i += 2) store.remove(\`ses_\${me}_\${i}\`);
    `;
    const processes = ["a", "b", "c", "d"];
    await Promise.all(
      processes.map((p) =>
        run(process.execPath, ["--input-type=module", "-e", worker, p]).catch((err: { stderr?: string }) => {
          throw new Error(`process ${p} failed: ${err.stderr}`);
        }),
      ),
    );
    const kept = new PendingStore({ OPENSYNC_HOME: home }).sessions().sort();
    const expected = processes.flatMap((p) => Array.from({ length: 20 }, (_, k) => `ses_${p}_${2 * k + 1}`)).sort();
    expect(kept).toEqual(expected);
  }, 60_000);
});
