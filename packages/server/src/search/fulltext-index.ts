import type { MessageRole, SearchFilters } from "@opensync/protocol";
import type { MessageSource } from "./document.js";
import type { ParsedQuery } from "./query.js";

/**
 * The per-dialect half of full-text search: SQLite's is `store/sqlite/fulltext.ts` (FTS5); a
 * PostgreSQL backend implements the same over `tsvector` columns. The search service
 * (`services/search.ts`) does everything else (query parsing, AND→OR fallback, grouping pages,
 * snippets, cursors, fusion) on top of this, on every backend alike.
 *
 * Every method is scoped to one user: rows of another user are never matched, counted or read.
 */
export interface FulltextMatch {
  query: ParsedQuery;
  /** `all`: every term must match; `any`: at least one (ranked by BM25, so more terms rank higher). */
  mode: "all" | "any";
}

export interface FulltextScope {
  userId: string;
  filters: SearchFilters;
  /** Reference time of the recency boost (epoch ms). */
  now: number;
}

/** A scored match: a message, or a session's title (no `messageId`). */
export interface ScoredDoc {
  sessionId: string;
  messageId?: string;
  score: number;
}

export interface SessionInfo {
  id: string;
  externalId: string;
  title: string | null;
  source: string;
  model: string | null;
  projectName: string | null;
  projectPath: string | null;
  machine: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface MessageDetail extends MessageSource {
  id: string;
  externalId: string;
  sessionId: string;
  role: MessageRole;
  createdAt: number;
  /** 0-based index of the message in its session, ordered by created_at then id. */
  position: number;
}

export interface FulltextCounts {
  /** Matching messages and titles. */
  documents: number;
  sessions: number;
  /**
   * True when more than `COUNT_CAP` documents match (SQLite: 500 for a query with a phrase of
   * prose, the matches it is ranked on): counting stopped there, and both numbers are lower bounds
   * (the documents and sessions among the first `COUNT_CAP + 1` matches).
   */
  estimated: boolean;
}

/**
 * Matching documents counted exactly; beyond this, counts are lower bounds (`estimated`). The
 * SQLite index ranks as many (its rank window): counting further cost more than the rest of a
 * search at 1M messages (a question of four common words: 17 ms to count 10,000 matches, 4 ms for
 * 2,000; docs/benchmarks.md).
 */
export const COUNT_CAP = 2_000;

/** A query's matches, ranked. */
export interface FulltextRanking {
  counts: FulltextCounts;
  /**
   * The matches best first: all of them, or for a broad query those of its most recently indexed
   * sessions (SQLite: BM25 × recency for up to 2,000 matches of words; the newest 500 by field and
   * recency for more, and for phrases and prefixes). Pages are cut from this list.
   */
  docs: ScoredDoc[];
}

export interface FulltextStatus {
  /** The user's messages in the index. */
  indexed: number;
  /** Changes of every user waiting for the indexer. */
  pending: number;
  /** 0 when nothing is pending, else how long since the index was last caught up (ms). */
  lagMs: number;
}

export interface FulltextIndex {
  /**
   * The ranked matches and their counts (documents: messages and titles; sessions), exact up to
   * `COUNT_CAP` documents. One call per query: the service groups and pages the list.
   */
  rank(match: FulltextMatch, scope: FulltextScope): Promise<FulltextRanking>;
  sessionInfo(userId: string, sessionIds: string[]): Promise<Map<string, SessionInfo>>;
  messageDetails(userId: string, messageIds: string[]): Promise<Map<string, MessageDetail>>;
  status(userId: string): Promise<FulltextStatus>;
  /** Forgets queued changes the index already holds; run by the server's own thread. */
  prune(): Promise<number>;
  close(): Promise<void>;
}
