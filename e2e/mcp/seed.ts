import type { OpenSyncClient } from "@opensync/protocol";

/**
 * Data for the MCP and `opensync search` tests, synced through the API. Alice and Bob share one
 * rare word (`zanzibarquux`), so a search by Alice that could see Bob's rows would show
 * `BOB_SECRET`; nothing may ever return it to her.
 */
export const SHARED_WORD = "zanzibarquux";
export const BOB_SECRET = "bob-private-ledger-7731";
/** A tool output longer than any tool output the tools print whole. */
export const LONG_OUTPUT = `${"retry.ts:12: backoff *= 2\n".repeat(300)}END-OF-OUTPUT`;

export interface Seeded {
  /** Alice's sessions by externalId → server id. */
  alice: { retry: string; migration: string };
  bob: { notes: string };
}

export async function seed(alice: OpenSyncClient, bob: OpenSyncClient): Promise<Seeded> {
  const t0 = Date.UTC(2025, 5, 2, 9, 0, 0);
  const aliceBatch = await alice.syncBatch({
    sessions: [
      { externalId: "alice-retry", title: "Fix the uploader retry backoff", source: "claude-code", model: "claude-sonnet-4-5", projectPath: "/home/alice/payments", createdAt: t0, updatedAt: t0 + 60_000 },
      { externalId: "alice-migration", title: "Plan the warehouse database migration", source: "opencode", model: "gpt-5", projectPath: "/home/alice/warehouse", createdAt: t0 + 86_400_000, updatedAt: t0 + 86_400_000 + 60_000 },
    ],
    messages: [
      { sessionExternalId: "alice-retry", externalId: "r1", role: "user", createdAt: t0, textContent: `Why does the uploader retry forever when the server answers 503? ${SHARED_WORD}`, parts: [{ type: "text", content: { text: `Why does the uploader retry forever when the server answers 503? ${SHARED_WORD}` } }] },
      {
        sessionExternalId: "alice-retry",
        externalId: "r2",
        role: "assistant",
        createdAt: t0 + 10_000,
        textContent: "The exponential backoff never caps, so the delay grows without bound. I will cap it at 30 seconds.",
        model: "claude-sonnet-4-5",
        promptTokens: 1200,
        completionTokens: 300,
        cost: 0.05,
        parts: [
          { type: "text", content: { text: "The exponential backoff never caps, so the delay grows without bound. I will cap it at 30 seconds." } },
          { type: "tool-call", content: { toolName: "Bash", args: { command: "grep -rn backoff src" }, callId: "c1" } },
          { type: "tool-result", content: { callId: "c1", output: LONG_OUTPUT } },
        ],
      },
      { sessionExternalId: "alice-retry", externalId: "r3", role: "user", createdAt: t0 + 20_000, textContent: "Thanks, that fixed it." },
      { sessionExternalId: "alice-migration", externalId: "w1", role: "user", createdAt: t0 + 86_400_000, textContent: "Plan the schema migration of the warehouse tables to partitioned storage." },
      { sessionExternalId: "alice-migration", externalId: "w2", role: "assistant", createdAt: t0 + 86_400_000 + 5_000, textContent: "Migrate one partition at a time behind a feature flag.", model: "gpt-5", promptTokens: 800, completionTokens: 200, cost: 0.02 },
    ],
  });
  if (aliceBatch.errors?.length) throw new Error(`seed rejected: ${JSON.stringify(aliceBatch.errors)}`);
  const bobBatch = await bob.syncBatch({
    sessions: [{ externalId: "bob-notes", title: "Bob's private ledger", source: "claude-code", projectPath: "/home/bob/ledger", createdAt: t0, updatedAt: t0 }],
    messages: [
      { sessionExternalId: "bob-notes", externalId: "b1", role: "user", createdAt: t0, textContent: `${SHARED_WORD} ${BOB_SECRET} uploader retry backoff migration`, promptTokens: 5000, cost: 3 },
    ],
  });
  if (bobBatch.errors?.length) throw new Error(`seed rejected: ${JSON.stringify(bobBatch.errors)}`);
  const [retry, migration, notes] = await Promise.all([alice.getSession("alice-retry"), alice.getSession("alice-migration"), bob.getSession("bob-notes")]);
  return { alice: { retry: retry.session.id, migration: migration.session.id }, bob: { notes: notes.session.id } };
}

/** Full-text indexing may trail the write: waits until `client` finds `word`. */
export async function waitForSearchable(client: OpenSyncClient, word: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await client.search({ q: word, type: "fulltext" }).then((r) => r.results.length > 0, () => false);
    if (found) return;
    if (Date.now() > deadline) throw new Error(`"${word}" is not searchable after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
