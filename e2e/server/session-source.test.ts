import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { MessageInput, OpenSyncClient } from "@opensync/protocol";
import { startServer, type ServerProcess } from "../harness/server-process.js";

/**
 * Issue 8: "The server never labels a session with the default source when the message that
 * created it names a source." The rule (docs/api.md, Sources):
 * - a session's own `source` always wins and is never replaced by a message's;
 * - a session created or kept without any source is `opencode`, the default, and the first
 *   message that names a source relabels it; after that, messages relabel nothing;
 * - a blank source names nothing.
 */
let server: ServerProcess;
let api: OpenSyncClient;

beforeAll(async () => {
  server = await startServer();
  api = server.client(await server.createKey("sources@example.com"));
});
afterAll(() => server?.cleanup());

const source = async (externalId: string) => (await api.getSession(externalId)).session.source;
const msg = (sessionExternalId: string, externalId: string, extra: Partial<MessageInput> = {}): MessageInput => ({
  sessionExternalId,
  externalId,
  role: "assistant",
  textContent: `text of ${externalId}`,
  createdAt: 1_740_000_000_000,
  ...extra,
});

describe("issue 8: the session a message creates takes the source the message names", () => {
  test("POST /sync/message creating its session labels it with the message's source", async () => {
    await api.syncMessage(msg("created-by-message", "m1", { source: "claude-code" }));
    expect(await source("created-by-message")).toBe("claude-code");
    // Aliases fold the same way as on a session.
    await api.syncMessage(msg("created-by-alias", "m1", { source: " Codex " }));
    expect(await source("created-by-alias")).toBe("codex-cli");
    expect((await api.listSessionIds("claude-code")).sessionIds).toEqual(["created-by-message"]);
  });

  test("POST /sync/batch: the first message of the session naming a source labels it", async () => {
    const res = await api.syncBatch({
      messages: [
        msg("batch-created", "m1"),
        msg("batch-created", "m2", { source: "gemini-cli" }),
        msg("batch-created", "m3", { source: "claude-code" }),
        msg("batch-other", "m1", { source: "pi" }),
      ],
    });
    expect(res).toMatchObject({ sessions: 0, messages: 4, errors: [] });
    expect(await source("batch-created")).toBe("gemini-cli");
    expect(await source("batch-other")).toBe("pi");
    // Each message keeps the source it named.
    const messages = (await api.getSession("batch-created")).messages;
    expect(messages.map((m) => [m.externalId, m.source])).toEqual([["m1", null], ["m2", "gemini-cli"], ["m3", "claude-code"]]);
  });

  test("without any source the session is opencode; the first message naming one relabels it, later ones do not", async () => {
    await api.syncMessage(msg("defaulted", "m1"));
    expect(await source("defaulted")).toBe("opencode");
    // A blank source names nothing.
    await api.syncMessage(msg("defaulted", "m2", { source: "   " }));
    expect(await source("defaulted")).toBe("opencode");
    await api.syncMessage(msg("defaulted", "m3", { source: "claude-code" }));
    expect(await source("defaulted")).toBe("claude-code");
    await api.syncMessage(msg("defaulted", "m4", { source: "codex-cli" }));
    expect(await source("defaulted")).toBe("claude-code");
  });

  test("a session upserted without a source takes its messages' source, in one batch and across calls", async () => {
    await api.syncBatch({ sessions: [{ externalId: "batch-session", title: "no source" }], messages: [msg("batch-session", "m1", { source: "claude" })] });
    expect(await source("batch-session")).toBe("claude-code");

    await api.syncSession({ externalId: "session-first", title: "no source" });
    expect(await source("session-first")).toBe("opencode");
    await api.syncBatch({ messages: [msg("session-first", "m1", { source: "cursor" })] });
    expect(await source("session-first")).toBe("cursor-sync");
    // A later session sync without a source keeps the label.
    await api.syncSession({ externalId: "session-first", title: "still no source" });
    expect(await source("session-first")).toBe("cursor-sync");
  });

  test("a session's explicit source is never replaced by a message's, even when it is opencode", async () => {
    await api.syncSession({ externalId: "explicit-opencode", source: "opencode" });
    await api.syncMessage(msg("explicit-opencode", "m1", { source: "claude-code" }));
    expect(await source("explicit-opencode")).toBe("opencode");

    await api.syncBatch({
      sessions: [{ externalId: "explicit-in-batch", source: "pi" }],
      messages: [msg("explicit-in-batch", "m1", { source: "claude-code" })],
    });
    expect(await source("explicit-in-batch")).toBe("pi");
  });

  test("a later explicit session source wins over the one a message named; messages do not take it back", async () => {
    await api.syncMessage(msg("relabelled", "m1", { source: "claude-code" }));
    expect(await source("relabelled")).toBe("claude-code");
    await api.syncSession({ externalId: "relabelled", source: "factory-droid" });
    expect(await source("relabelled")).toBe("factory-droid");
    await api.syncBatch({ messages: [msg("relabelled", "m2", { source: "claude-code" })] });
    expect(await source("relabelled")).toBe("factory-droid");
  });

  test("the label survives a restart", async () => {
    await api.syncMessage(msg("restart-default", "m1"));
    await server.restart();
    await api.syncMessage(msg("restart-default", "m2", { source: "codex-cli" }));
    expect(await source("restart-default")).toBe("codex-cli");
    expect(await source("explicit-opencode")).toBe("opencode");
  });
});
