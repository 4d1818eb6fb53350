import { afterAll, beforeAll, expect, test } from "vitest";
import { startServer, type ServerProcess } from "../harness/server-process.js";
import { waitIndexed } from "./helpers.js";

/**
 * `POST /api/admin/reindex` (the dashboard's Settings button): the owner queues a full-text
 * rebuild of the running server, which indexes everything again in the background; a member
 * cannot; the body is validated.
 */
let server: ServerProcess;
let ownerKey: string;
let memberKey: string;
beforeAll(async () => {
  server = await startServer();
  ownerKey = await server.createKey("owner@example.com");
  memberKey = await server.createKey("member@example.com");
});
afterAll(async () => server?.cleanup());

test("the owner rebuilds the full-text index of a running server; a member is refused", async () => {
  const owner = server.client(ownerKey);
  const me = await owner.me();
  expect(me.user.role).toBe("owner");
  await owner.syncBatch({
    sessions: [{ externalId: "ri1", title: "reindex probe" }],
    messages: [{ sessionExternalId: "ri1", externalId: "m1", role: "user", textContent: "the word zephyrquokka" }],
  });
  await waitIndexed(owner);
  const answer = await owner.reindex({ fulltext: true, embeddings: false });
  expect(answer.queued).toEqual({ fulltext: 2, embeddings: 0 });
  await waitIndexed(owner);
  const found = await owner.search({ q: "zephyrquokka", type: "fulltext" });
  expect(found.total).toBe(1);
  expect(found.results[0].sessionExternalId).toBe("ri1");

  await expect(server.client(memberKey).reindex({})).rejects.toMatchObject({ status: 403 });
  const bad = await server.request("/api/admin/reindex", { method: "POST", key: ownerKey, body: { force: "yes" } });
  expect(bad.status).toBe(400);
  expect((await bad.json()).error).toMatch(/force/);
});
