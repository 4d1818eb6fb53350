import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { BatchInput, OpenSyncClient, SessionDetailResponse } from "@opensync/protocol";
import { countRows } from "../harness/db.js";
import { startServer, type ServerProcess } from "../harness/server-process.js";

let server: ServerProcess;
let once: OpenSyncClient;
let many: OpenSyncClient;

beforeAll(async () => {
  server = await startServer();
  [once, many] = await Promise.all([server.createKey("once@example.com"), server.createKey("many@example.com")]).then((keys) => keys.map((k) => server.client(k)));
});
afterAll(() => server?.cleanup());

const T0 = 1_745_000_000_000;

function corpus(): BatchInput {
  const sessions = Array.from({ length: 5 }, (_, s) => ({
    externalId: `idem-${s}`,
    title: `Session ${s}`,
    projectPath: `/work/p${s % 2}`,
    model: "gpt-5",
    source: s % 2 ? "codex-cli" : "opencode",
    createdAt: T0 + s * 1000,
  }));
  const messages = sessions.flatMap((s, si) =>
    Array.from({ length: 20 }, (_, i) => ({
      sessionExternalId: s.externalId,
      externalId: `${s.externalId}-m${i}`,
      role: i % 2 ? "assistant" : "user",
      textContent: `message ${i} of ${si}`,
      parts: [
        { type: "text", content: `message ${i} of ${si}` },
        { type: "tool-call", content: { toolName: "read", args: { path: `f${i}.ts` }, callId: `c${i}` } },
      ],
      promptTokens: i * 10,
      completionTokens: i,
      cost: i / 1000,
      createdAt: T0 + si * 1000 + i * 10,
    })),
  );
  return { sessions, messages };
}

/** A session detail without server-assigned ids, to compare two users' copies. */
function comparable(detail: SessionDetailResponse) {
  const { id: _id, ...session } = detail.session;
  return {
    session,
    messages: detail.messages.map(({ id: _m, sessionId: _s, parts, ...rest }) => ({ ...rest, parts: parts.map(({ id: _p, ...p }) => p) })),
  };
}

describe("idempotency", () => {
  test("50 concurrent identical batches leave exactly what one batch leaves", async () => {
    const batch = corpus();
    expect(await once.syncBatch(batch)).toEqual({ ok: true, sessions: 5, messages: 100, errors: [], features: ["tool-text-from-output"] });

    const results = await Promise.all(Array.from({ length: 50 }, () => many.syncBatch(batch)));
    for (const r of results) expect(r).toEqual({ ok: true, sessions: 5, messages: 100, errors: [], features: ["tool-text-from-output"] });

    const [a, b] = await Promise.all([once.listSessions({ limit: 100 }), many.listSessions({ limit: 100 })]);
    expect(b.sessions).toHaveLength(5);
    expect(b.sessions.map((s) => s.externalId).sort()).toEqual(["idem-0", "idem-1", "idem-2", "idem-3", "idem-4"]);
    for (const externalId of b.sessions.map((s) => s.externalId)) {
      const [x, y] = await Promise.all([once.getSession(externalId), many.getSession(externalId)]);
      expect(y.messages).toHaveLength(20);
      expect(new Set(y.messages.map((msg) => msg.externalId)).size).toBe(20);
      // Only the sync time differs; updatedAt comes from the agent's timestamps.
      expect(comparable(y)).toEqual(comparable(x));
    }
    const strip = ({ firstSessionAt, lastSessionAt, ...rest }: Awaited<ReturnType<OpenSyncClient["stats"]>>) => ({ ...rest, firstSessionAt, lastSessionAt });
    expect(strip(await many.stats())).toEqual(strip(await once.stats()));
    expect(a.sessions.map((s) => s.totalTokens)).toEqual(b.sessions.map((s) => s.totalTokens));
    expect(await many.listSessionIds()).toEqual(await once.listSessionIds());

    // Rows on disk: 2 users x 5 sessions, 2 x 100 messages, 2 x 200 parts.
    expect(countRows(server.dataDir, "sessions")).toBe(10);
    expect(countRows(server.dataDir, "messages")).toBe(200);
    expect(countRows(server.dataDir, "parts")).toBe(400);
  });

  test("a message re-sent with new parts replaces them, in order; without parts keeps them; [] clears", async () => {
    const base = { sessionExternalId: "parts-1", externalId: "pm", role: "assistant" as const, createdAt: T0 };
    await once.syncMessage({ ...base, parts: [{ type: "text", content: "a" }, { type: "tool-call", content: { toolName: "bash", args: {} } }, { type: "tool-result", content: "out" }] });
    const partsOf = async () => (await once.getSession("parts-1")).messages[0].parts.map((p) => [p.order, p.type, p.content]);
    expect(await partsOf()).toEqual([[0, "text", "a"], [1, "tool-call", { toolName: "bash", args: {} }], [2, "tool-result", "out"]]);

    await once.syncMessage({ ...base, parts: [{ type: "reasoning", content: { text: "hmm" } }, { type: "text", content: "b" }] });
    expect(await partsOf()).toEqual([[0, "reasoning", { text: "hmm" }], [1, "text", "b"]]);

    await once.syncMessage({ ...base, textContent: "b!" });
    expect(await partsOf()).toEqual([[0, "reasoning", { text: "hmm" }], [1, "text", "b"]]);

    // The same message twice in one batch: the later copy's parts win.
    await once.syncBatch({ messages: [{ ...base, parts: [{ type: "text", content: "x" }] }, { ...base, parts: [{ type: "text", content: "y" }, { type: "text", content: "z" }] }] });
    expect(await partsOf()).toEqual([[0, "text", "y"], [1, "text", "z"]]);

    await once.syncMessage({ ...base, parts: [] });
    expect(await partsOf()).toEqual([]);
    const { messages } = await once.getSession("parts-1");
    expect(messages).toHaveLength(1);
    // Parts without textContent re-derive the text from the text parts; clearing parts keeps it.
    expect(messages[0].textContent).toBe("y\nz");
  });
});
