import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../fixtures/tiny-model/generate.js";
import { startServer, type ServerProcess } from "../harness/server-process.js";

/** Semantic search through a real server process with the local provider on the generated model. */
describe("semantic search (e2e, local provider on the generated model)", () => {
  let server: ServerProcess;
  const modelDir = writeTinyModel(mkdtempSync(join(tmpdir(), "opensync-model-")));
  beforeAll(async () => {
    server = await startServer({ env: { OPENSYNC_EMBEDDINGS: "local", OPENSYNC_EMBEDDINGS_MODEL_PATH: modelDir } });
  });
  afterAll(() => server?.cleanup());

  const send = (key: string, session: string, texts: string[]) =>
    server.request("/sync/batch", {
      method: "POST",
      key,
      body: {
        sessions: [{ externalId: session, source: "claude-code", title: session }],
        messages: texts.map((t, i) => ({ sessionExternalId: session, externalId: `${session}-${i}`, role: i % 2 ? "assistant" : "user", textContent: t, createdAt: 1_700_000_000_000 + i })),
      },
    });

  async function waitIndexed(key: string, n: number) {
    for (let i = 0; i < 200; i++) {
      const res = await server.request("/api/search/status", { key });
      const status = (await res.json()) as { indexed: number; pending: number; available: boolean };
      if (status.available && status.pending === 0 && status.indexed >= n) return status;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("not indexed in time");
  }

  it("indexes synced sessions and finds them by meaning, only for their owner", async () => {
    const alice = await server.createKey("alice@example.com");
    const bob = await server.createKey("bob@example.com");
    expect((await send(alice, "db-work", ["the sqlite migration broke the schema", "add an index to the table"])).status).toBe(200);
    expect((await send(alice, "ui-work", ["the react button css layout is off", "render the component in the browser"])).status).toBe(200);
    expect((await send(bob, "bob-db", ["postgres query on the database table"])).status).toBe(200);
    const status = await waitIndexed(alice, 4);
    expect(status).toMatchObject({ provider: "local", model: expect.stringContaining("tiny-bert"), dimensions: 32, failed: 0 });

    // "postgres database" appears in neither of alice's sessions: found by meaning.
    const res = await server.request("/api/search?q=postgres%20database&type=semantic", { key: alice });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { results: Array<{ sessionExternalId: string }> };
    expect(body.results[0].sessionExternalId).toBe("db-work");
    expect(body.results.map((r) => r.sessionExternalId)).not.toContain("bob-db");
  });
});
