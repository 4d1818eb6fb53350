import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// The built CLI (npm test builds first), started as agents' hooks and users start it.
const BIN = fileURLToPath(new URL("../bin/opensync.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "opensync-startup-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every module URL the process loads, recorded by a module-loading hook. */
function modulesLoadedBy(args: string[]): string[] {
  const log = join(dir, `loaded-${args.join("-")}.txt`);
  const hooks = join(dir, "hooks.mjs");
  writeFileSync(hooks, `import { appendFileSync } from "node:fs";\nexport async function load(url, context, next) { appendFileSync(process.env.LOAD_LOG, url + "\\n"); return next(url, context); }\n`);
  const register = join(dir, "register.mjs");
  writeFileSync(register, `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  writeFileSync(log, "");
  const r = spawnSync(process.execPath, ["--import", pathToFileURL(register).href, BIN, ...args], { env: { ...process.env, LOAD_LOG: log }, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(log, "utf8").split("\n").filter(Boolean);
}

describe("CLI start-up", () => {
  // zod alone took ~0.1 s of every run (a third of `opensync --version`): the CLI and the
  // collectors import the protocol's zod-free modules by path (client, tool-output, …), and the
  // schemas load only where a command validates (the server, `serve`).
  it("loads neither zod nor the server for a command that syncs or prints", () => {
    for (const args of [["--version"], ["sync", "--help"]]) {
      const loaded = modulesLoadedBy(args);
      expect(loaded.length).toBeGreaterThan(10);
      expect(loaded.filter((u) => u.includes("/node_modules/zod/"))).toEqual([]);
      expect(loaded.filter((u) => /\/packages\/server\/dist\/(?!mcp\/format)/.test(u) || u.includes("/node_modules/hono/"))).toEqual([]);
    }
  });
});
