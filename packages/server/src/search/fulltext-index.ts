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

export interface ScoredSession {
  sessionId: string;
  score: number;
  /** Its best hits, best first (at most `hitsPerSession`). */
  hits: ScoredDoc[];
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
  /** Exact numbers of matching documents (messages and titles) and of matching sessions, in one pass. */
  count(match: FulltextMatch, scope: FulltextScope): Promise<FulltextCounts>;
  /** Matches best first. `matches`: the documents' count if known (saves work on narrow queries). */
  docs(match: FulltextMatch, scope: FulltextScope, limit: number, offset: number, matches?: number): Promise<ScoredDoc[]>;
  /** Sessions by their best hit (plus a little for further hits), best first. */
  sessions(match: FulltextMatch, scope: FulltextScope, limit: number, offset: number, hitsPerSession: number, matches?: number): Promise<ScoredSession[]>;
  sessionInfo(userId: string, sessionIds: string[]): Promise<Map<string, SessionInfo>>;
  messageDetails(userId: string, messageIds: string[]): Promise<Map<string, MessageDetail>>;
  status(userId: string): Promise<FulltextStatus>;
  /** Forgets queued changes the index already holds; run by the server's own thread. */
  prune(): Promise<number>;
  close(): Promise<void>;
}
