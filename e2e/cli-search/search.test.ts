import type { SearchResponse } from "@opensync/protocol";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../harness/cli-process.js";
import { startServer, type ServerProcess } from "../harness/server-process.js";
import { BOB_SECRET, seed, SHARED_WORD, waitForSearchable, type Seeded } from "../mcp/seed.js";

/** `opensync search` against a real server: what a terminal shows, `--json`, filters, exit codes. */

let server: ServerProcess;
let aliceKey: string;
let ids: Seeded;
let home: string;

function env(url: string | undefined, key: string | undefined): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("OPENSYNC_")) e[k] = v;
  Object.assign(e, { HOME: home, OPENSYNC_HOME: join(home, ".opensync") });
  if (url) e.OPENSYNC_URL = url;
  if (key) e.OPENSYNC_API_KEY = key;
  return e;
}
const search = (args: string[], key = aliceKey, url = server.url) => runCli(["search", ...args], env(url, key), { timeoutMs: 30_000 });

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "opensync-search-home-"));
  server = await startServer();
  let bobKey: string;
  [aliceKey, bobKey] = await Promise.all([server.createKey("alice@example.com", "a"), server.createKey("bob@example.com", "b")]);
  ids = await seed(server.client(aliceKey), server.client(bobKey));
  await Promise.all([waitForSearchable(server.client(aliceKey), SHARED_WORD), waitForSearchable(server.client(bobKey), SHARED_WORD)]);
});
afterAll(async () => {
  await server?.cleanup();
  await rm(home, { recursive: true, force: true });
});

describe("opensync search", () => {
  test("prints title, project, date, the snippet and the dashboard link of each hit; plain text when not a terminal", async () => {
    const r = await search([SHARED_WORD, "--type", "fulltext"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const json = await search([SHARED_WORD, "--type", "fulltext", "--json"]);
    const hit = (JSON.parse(json.stdout) as SearchResponse).results[0];
    expect(r.stdout).toBe(
      [
        "Fix the uploader retry backoff",
        "  payments · claude-code · 2025-06-02",
        `  Why does the uploader retry forever when the server answers 503? ${SHARED_WORD}`,
        `  ${server.url}/sessions/${ids.alice.retry}#m-${hit.messageId}`,
        "",
        "1 of 1 (fulltext search)",
        "",
      ].join("\n"),
    );
    expect(r.stdout).not.toContain("\x1b[");
    expect(r.stdout).not.toContain(BOB_SECRET);
  });

  test("the default (hybrid) finds the session; a degraded answer is noted on stderr only for an explicit --type", async () => {
    const quiet = await search(["uploader", "retry"]);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe("");
    expect(quiet.stdout).toContain(`${server.url}/sessions/${ids.alice.retry}`);
    expect(quiet.stdout).toMatch(/\(hybrid search\)\n$/);
    const response = JSON.parse((await search(["uploader", "retry", "--json"])).stdout) as SearchResponse;
    const explicit = await search(["uploader", "retry", "--type", "hybrid"]);
    expect(explicit.stderr).toBe(response.degraded ? `note: the server could not serve hybrid search as asked: ${response.degraded}\n` : "");
  });

  test("--json prints the server's response", async () => {
    const r = await search(["uploader", "retry", "--json", "--type", "fulltext", "--limit", "5"]);
    expect(r.code).toBe(0);
    const response = JSON.parse(r.stdout) as SearchResponse;
    expect(response.type).toBe("fulltext");
    expect(response.results.map((x) => x.sessionId)).toEqual([ids.alice.retry]);
    expect(response.results[0].highlights.length).toBeGreaterThan(0);
    expect(r.stdout).not.toContain(BOB_SECRET);
  });

  test("--source and --project filter", async () => {
    const bySource = JSON.parse((await search(["migration", "--type", "fulltext", "--source", "opencode", "--json"])).stdout) as SearchResponse;
    expect(bySource.results.map((x) => x.sessionId)).toEqual([ids.alice.migration]);
    // An agent's short name is its protocol id ("claude" is "claude-code").
    const none = JSON.parse((await search(["migration", "--type", "fulltext", "--source", "claude", "--json"])).stdout) as SearchResponse;
    expect(none.results).toEqual([]);
    const byAlias = JSON.parse((await search(["uploader", "--type", "fulltext", "--source", "claude", "--json"])).stdout) as SearchResponse;
    expect(byAlias.results.map((x) => x.sessionId)).toEqual([ids.alice.retry]);
    const byProject = await search(["partition", "--type", "fulltext", "--project", "warehouse"]);
    expect(byProject.stdout).toContain("Plan the warehouse database migration");
    expect((await search(["nothing-matches-this-xyzzy", "--type", "fulltext"])).stdout).toBe("No sessions match (fulltext search).\n");
  });

  test("exit codes: bad flag 2, not logged in 3, unreachable 4, key refused 5", async () => {
    const badLimit = await search([SHARED_WORD, "--limit", "0"]);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain("an integer from 1 to 100");
    expect((await search([SHARED_WORD, "--type", "fuzzy"])).code).toBe(2);

    const notLoggedIn = await runCli(["search", SHARED_WORD], env(undefined, undefined));
    expect(notLoggedIn.code).toBe(3);
    expect(notLoggedIn.stderr).toContain("not logged in");

    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => resolve(p));
      });
    });
    const unreachable = await search([SHARED_WORD], aliceKey, `http://127.0.0.1:${port}`);
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr).toContain("cannot reach");

    const refused = await search([SHARED_WORD], "osk_not_a_real_key");
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain("invalid or has been revoked");
  });
});
