import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { BatchInput } from "@opensync/protocol";
import { countRows, integrityCheck } from "../harness/db.js";
import { startServer, type ServerProcess } from "../harness/server-process.js";
import { openSse } from "../harness/sse.js";

/** Every acknowledged write survives a crash; a graceful stop finishes or refuses, never half-writes. */
let server: ServerProcess;
let key: string;

beforeAll(async () => {
  server = await startServer();
  key = await server.createKey("durable@example.com");
});
afterAll(() => server?.cleanup());

const T0 = 1_750_000_000_000;
function batchOf(tag: string, messages: number, textBytes = 200): BatchInput {
  return {
    sessions: [{ externalId: tag, title: `batch ${tag}`, createdAt: T0 }],
    messages: Array.from({ length: messages }, (_, i) => ({
      sessionExternalId: tag,
      externalId: `${tag}-m${i}`,
      role: i % 2 ? "assistant" : "user",
      textContent: `${tag} ${i} `.padEnd(textBytes, "x"),
      parts: [{ type: "text", content: `${tag} ${i}` }],
      promptTokens: 10,
      createdAt: T0 + i,
    })),
  };
}

describe("restart durability", () => {
  test("N acknowledged batches, kill -9 mid-stream of writes, restart: every acknowledged batch is whole", async () => {
    const api = server.client(key);
    const acked: string[] = [];
    let sent = 0;
    let stop = false;
    // Four writers keep the server busy; the kill lands while some batches are in flight.
    const writer = async () => {
      while (!stop) {
        const tag = `d${sent++}`;
        try {
          const res = await api.syncBatch(batchOf(tag, 20));
          if (res.messages === 20) acked.push(tag);
        } catch {
          return; // the server died under this request: not acknowledged
        }
      }
    };
    const writers = Array.from({ length: 4 }, writer);
    while (acked.length < 40) await new Promise((r) => setTimeout(r, 5));
    const exit = await server.kill9();
    stop = true;
    await Promise.all(writers);
    expect(exit.signal).toBe("SIGKILL");
    expect(acked.length).toBeGreaterThanOrEqual(40);

    await server.restart();
    expect(integrityCheck(server.dataDir)).toBe("ok");
    const present = new Set((await api.listSessionIds()).sessionIds);
    for (const tag of acked) expect(present.has(tag), tag).toBe(true);
    // Each batch is one transaction: any session that exists has all of its messages.
    for (const tag of present) {
      const { session, messages } = await api.getSession(tag);
      expect(messages, tag).toHaveLength(20);
      expect(session.promptTokens).toBe(200);
    }
    expect(countRows(server.dataDir, "messages")).toBe(present.size * 20);
  });

  test("SIGTERM with a large batch in flight: it completes (200, all stored) or is refused cleanly", async () => {
    const api = server.client(key);
    const big = batchOf("inflight", 4000, 1000);
    const pending = api.syncBatch(big).then(
      (r) => ({ ok: true as const, r }),
      (e: Error) => ({ ok: false as const, e }),
    );
    await new Promise((r) => setTimeout(r, 30));
    const started = Date.now();
    const exit = await server.stop("SIGTERM");
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(9_000);
    const outcome = await pending;

    await server.restart();
    expect(integrityCheck(server.dataDir)).toBe("ok");
    const present = (await api.listSessionIds()).sessionIds.includes("inflight");
    if (outcome.ok) {
      expect(outcome.r).toEqual({ ok: true, sessions: 1, messages: 4000, errors: [], features: ["tool-text-from-output"] });
      expect(present).toBe(true);
    }
    if (present) expect((await api.getSession("inflight")).messages).toHaveLength(4000);
    expect(server.stderr).not.toMatch(/"level":50/);
  });

  test("SIGTERM ends open event streams and exits promptly", async () => {
    const stream = await openSse(`${server.url}/api/events`, { authorization: `Bearer ${key}` });
    await stream.next((e) => e.event === "ready");
    const started = Date.now();
    expect(await server.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(3_000);
    await expect(stream.next(undefined, 2_000)).rejects.toThrow(/ended/);
    await server.restart();
    expect((await server.client(key).health()).status).toBe("ok");
  });
});
