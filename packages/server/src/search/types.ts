import type { SearchFilters, SearchStatus } from "@opensync/protocol";

/**
 * The seams of search (issue 9). Full-text and semantic retrieval are separate modules with a
 * per-dialect implementation each (SQLite: FTS5 / sqlite-vec; PostgreSQL later: tsvector /
 * pgvector); the search service fuses them (one RRF implementation) for the API, the CLI, MCP and
 * the dashboard, and the context service builds on the same retrieval at chunk level.
 */

/** A ranked candidate from one retriever, always scoped to one user. */
export interface RetrievalHit {
  sessionId: string;
  /** Absent for a session-title hit of the full-text retriever (semantic hits always have one). */
  messageId?: string;
  /** Higher is better; only comparable within one retriever's list. */
  score: number;
  /** Which part of the message matched (full-text), or the chunk that matched (semantic). */
  field: "text" | "tool-call" | "tool-output" | "reasoning" | "title";
  /** Semantic hits: the chunk's id and text (context assembles excerpts from chunks). */
  chunkId?: string;
  chunkText?: string;
}

export interface RetrievalRequest {
  userId: string;
  query: string;
  filters: SearchFilters;
  /** Candidates wanted (the service asks for more than a page, to fuse and group). */
  limit: number;
}

/** Full-text retrieval over messages, tool calls/outputs, reasoning and titles. */
export interface FulltextRetriever {
  search(request: RetrievalRequest): Promise<RetrievalHit[]>;
  /** Plain-text snippet around the query's matches in `text`, with highlight spans. */
  snippet(text: string, query: string, maxChars?: number): { snippet: string; highlights: Array<[number, number]> };
}

/** Semantic retrieval over embedded chunks. `available()` false: no provider configured or loadable. */
export interface SemanticRetriever {
  available(): boolean;
  /** Why semantic search is unavailable and how to enable it (shown in 409/503 answers). */
  unavailableReason(): string | undefined;
  search(request: RetrievalRequest): Promise<RetrievalHit[]>;
  /** The semantic half of `GET /api/search/status` (provider, model, counts); absent: reported as off. */
  status?(userId: string): SemanticStatus | Promise<SemanticStatus>;
}

/** `SearchStatus` without the full-text part, which the search service fills in. */
export type SemanticStatus = Omit<SearchStatus, "fulltext">;
