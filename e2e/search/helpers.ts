import { expect } from "vitest";
import type { OpenSyncClient } from "@opensync/protocol";

/** Waits until the full-text indexer has drained everything synced so far. */
export async function waitIndexed(client: OpenSyncClient, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await client.searchStatus();
    if (status.fulltext.pending === 0) return;
    if (Date.now() > deadline) throw new Error(`full-text index still has ${status.fulltext.pending} pending after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** 1-based rank of the session with this externalId in a search, or Infinity. */
export function rankOf(results: Array<{ sessionExternalId: string }>, externalId: string): number {
  const i = results.findIndex((r) => r.sessionExternalId === externalId);
  return i === -1 ? Infinity : i + 1;
}

/** The highlighted substrings of a snippet. */
export function marked(snippet: string, highlights: Array<[number, number]>): string[] {
  for (const [s, e] of highlights) {
    expect(s).toBeGreaterThanOrEqual(0);
    expect(e).toBeLessThanOrEqual(snippet.length);
    expect(e).toBeGreaterThan(s);
  }
  return highlights.map(([s, e]) => snippet.slice(s, e));
}
