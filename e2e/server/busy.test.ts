import Database from "better-sqlite3";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type ServerProcess } from "../harness/server-process.js";

/**
 * A write lock held past the busy timeout (another process, or a background indexer's long write)
 * is a transient state: the server answers 503 with Retry-After, which the uploader retries, never
 * a 500; and nothing of the refused batch is half-applied.
 */
describe("a busy database", () => {
  let server: ServerProcess;
  let key: string;
  beforeAll(async () => {
    server = await startServer();
    key = await server.createKey("busy@example.com");
  });
  afterAll(async () => server?.cleanup());

  it("answers 503 with Retry-After while another writer holds the lock, then applies the retry", async () => {
    const body = JSON.stringify({ sessions: [{ externalId: "busy-1", source: "claude-code" }], messages: [{ sessionExternalId: "busy-1", externalId: "m1", role: "user", textContent: "hi" }] });
    const post = () => server.request("/sync/batch", { method: "POST", key, headers: { "content-type": "application/json" }, body });
    const other = new Database(join(server.dataDir, "opensync.db"));
    other.exec("BEGIN IMMEDIATE");
    let res: Response;
    try {
      res = await post();
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await res.json()).toMatchObject({ code: "busy" });
    expect((await server.client(key).listSessionIds()).sessionIds).toEqual([]);
    const retry = await post();
    expect(retry.status).toBe(200);
    expect((await server.client(key).listSessionIds()).sessionIds).toEqual(["busy-1"]);
  }, 30_000);
});
