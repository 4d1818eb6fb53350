import type BetterSqlite3 from "better-sqlite3";
import type { SearchFilters } from "@opensync/protocol";
import type { RetrievalHit, RetrievalRequest } from "../search/types.js";
import type { EmbeddingProvider } from "./providers/types.js";
import type { ScoredChunk, VectorIndex } from "./vector-index.js";

/** vec0 answers at most this many neighbours per query. */
const MAX_K = 4096;

interface ChunkRow {
  id: number;
  messageId: number;
  sessionId: string;
  text: string;
  field: RetrievalHit["field"];
}

/** SQL conditions for the search filters over chunk `c`, message `m`, session `s`. */
function filterSql(filters: SearchFilters): { where: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => (where.push(clause), params.push(...values));
  if (filters.source) add("s.source = ?", filters.source);
  if (filters.project) add("(s.project_name = ? OR s.project_path = ?)", filters.project, filters.project);
  if (filters.model) add("COALESCE(m.model, s.model) = ?", filters.model);
  if (filters.role) add("m.role = ?", filters.role);
  if (filters.machine) add("s.machine = ?", filters.machine);
  if (filters.from !== undefined) add("m.created_at >= ?", filters.from);
  if (filters.to !== undefined) add("m.created_at < ?", filters.to);
  if (filters.sessionId) add("(s.id = ? OR s.external_id = ?)", filters.sessionId, filters.sessionId);
  return { where: where.map((w) => ` AND ${w}`).join(""), params };
}

/**
 * Semantic retrieval for one user: embed the query, ask the vector index for the nearest chunks
 * (always inside the user's partition), keep those passing the filters. Filters are applied after
 * the index; while too few pass, the index is asked for more. A session filter is served exactly
 * (a session's chunks are few).
 */
export class ChunkRetriever {
  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly index: VectorIndex,
    private readonly provider: EmbeddingProvider,
  ) {}

  async search(request: RetrievalRequest): Promise<RetrievalHit[]> {
    const [query] = await this.provider.embed([request.query]);
    const { userId, filters, limit } = request;
    const { where, params } = filterSql(filters);
    const keep = (scored: ScoredChunk[]): RetrievalHit[] => {
      if (scored.length === 0) return [];
      const rows = this.db
        .prepare(
          `SELECT c.id, c.message_id AS messageId, c.session_id AS sessionId, c.text, c.field
           FROM embedding_chunks c JOIN messages m ON m.id = c.message_id JOIN sessions s ON s.id = c.session_id
           WHERE c.user_id = ? AND c.id IN (${scored.map(() => "?").join(",")})${where}`,
        )
        .all(userId, ...scored.map((s) => s.chunkId), ...params) as ChunkRow[];
      const byId = new Map(rows.map((r) => [r.id, r]));
      return scored.flatMap((s) => {
        const r = byId.get(s.chunkId);
        return r ? [{ sessionId: r.sessionId, messageId: String(r.messageId), score: s.score, field: r.field, chunkId: String(r.id), chunkText: r.text }] : [];
      });
    };

    if (filters.sessionId) {
      const ids = this.db
        .prepare("SELECT c.id FROM embedding_chunks c JOIN sessions s ON s.id = c.session_id WHERE c.user_id = ? AND (s.id = ? OR s.external_id = ?)")
        .pluck()
        .all(userId, filters.sessionId, filters.sessionId) as number[];
      return keep(this.index.rescore(ids, query, ids.length)).slice(0, limit);
    }
    const count = this.index.userCount(userId);
    // A large user whose codes are not in memory yet (the first search after a start) waits for
    // the load (~1 s at 1M, in slices: the event loop stays free) rather than vec0's scan of all
    // their codes, which holds the event loop (~0.8 s of CPU at 1M and 500 candidates).
    await this.index.ready(userId, count);
    let want = limit;
    for (;;) {
      const hits = keep(this.index.search(userId, query, want, count));
      if (hits.length >= limit || !where || want >= Math.min(MAX_K, count)) return hits.slice(0, limit);
      want = Math.min(MAX_K, want * 8);
    }
  }
}
