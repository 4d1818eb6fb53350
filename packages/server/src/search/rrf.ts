import type { RetrievalHit } from "./types.js";

/**
 * Reciprocal rank fusion (Cormack et al. 2009): each list votes 1/(k + rank) for each of its hits;
 * scores of different retrievers are never compared, only ranks. The one fusion used by the API,
 * the CLI, the dashboard and MCP (they all call the search service).
 */
export const RRF_K = 60;

export interface FusedHit {
  /** A message (`messageId`) or a session's title (no `messageId`). */
  sessionId: string;
  messageId?: string;
  score: number;
  /** The hit as each retriever returned it, in list order (full-text first). */
  from: Array<RetrievalHit | undefined>;
}

const keyOf = (h: RetrievalHit) => h.messageId ?? `title:${h.sessionId}`;

export function reciprocalRankFusion(lists: RetrievalHit[][], k = RRF_K): FusedHit[] {
  const fused = new Map<string, FusedHit>();
  lists.forEach((list, which) => {
    const seen = new Set<string>();
    list.forEach((hit, rank) => {
      const key = keyOf(hit);
      // A message may come back as several chunks: its best rank votes, once.
      if (seen.has(key)) return;
      seen.add(key);
      let entry = fused.get(key);
      if (!entry) {
        entry = { sessionId: hit.sessionId, messageId: hit.messageId, score: 0, from: new Array(lists.length).fill(undefined) };
        fused.set(key, entry);
      }
      entry.score += 1 / (k + rank + 1);
      entry.from[which] = hit;
    });
  });
  return [...fused.values()].sort((a, b) => b.score - a.score);
}

/** Groups ranked hits by session: a session scores its best hit plus a tenth of the rest (≤ 2× best). */
export function groupBySession<T extends { sessionId: string; score: number }>(hits: T[]): Array<{ sessionId: string; score: number; hits: T[] }> {
  const groups = new Map<string, { sessionId: string; score: number; hits: T[] }>();
  for (const h of hits) {
    const g = groups.get(h.sessionId);
    if (g) g.hits.push(h);
    else groups.set(h.sessionId, { sessionId: h.sessionId, score: 0, hits: [h] });
  }
  for (const g of groups.values()) {
    const best = Math.max(...g.hits.map((h) => h.score));
    const rest = g.hits.reduce((n, h) => n + h.score, 0) - best;
    g.score = best + 0.1 * Math.min(rest, 2 * best);
  }
  return [...groups.values()].sort((a, b) => b.score - a.score);
}
