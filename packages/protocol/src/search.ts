import { z } from "zod";
import { optional, timestamp } from "./fields.js";
import { SEARCH_TYPES, type SearchType } from "./search-types.js";
import { MESSAGE_ROLES, type MessageRole } from "./sync.js";

/**
 * Search and context (issue 9): declared once, used by the server's routes, the typed client, the
 * CLI (`opensync search`), the MCP tools and the dashboard.
 */

/** Results grouped per session (best hits of each) or one row per matching message. */
export const SEARCH_GROUPINGS = ["session", "message"] as const;
export type SearchGrouping = (typeof SEARCH_GROUPINGS)[number];

const filterShape = {
  source: optional(z.string().max(64)),
  project: optional(z.string().max(4096)),
  model: optional(z.string().max(500)),
  role: optional(z.enum(MESSAGE_ROLES)),
  machine: optional(z.string().max(500)),
  /** Epoch ms or ISO date: messages created at or after. */
  from: optional(timestamp),
  /** Epoch ms or ISO date: messages created before. */
  to: optional(timestamp),
  /** Only this session (server id or externalId). */
  sessionId: optional(z.string().max(600)),
};

/** Filters shared by search and context. */
export const searchFiltersSchema = z.object(filterShape);
export type SearchFilters = z.output<typeof searchFiltersSchema>;

const query = z.string().trim().min(1, "must not be empty").max(2000);

/** Query of `GET /api/search`. */
export const searchQuerySchema = z.object({
  q: query,
  type: optional(z.enum(SEARCH_TYPES)).transform((v) => v ?? "hybrid"),
  groupBy: optional(z.enum(SEARCH_GROUPINGS)).transform((v) => v ?? "session"),
  limit: optional(z.coerce.number().int().min(1).max(100)).transform((v) => v ?? 20),
  cursor: optional(z.string().max(1000)),
  ...filterShape,
});
export type SearchQuery = z.output<typeof searchQuerySchema>;
export type SearchQueryInput = z.input<typeof searchQuerySchema>;

/** Body of `POST /search` (PROTOCOL.md: `{query, type, limit, filters}`). */
export const searchBodySchema = z.object({
  query,
  type: optional(z.enum(SEARCH_TYPES)).transform((v) => v ?? "hybrid"),
  groupBy: optional(z.enum(SEARCH_GROUPINGS)).transform((v) => v ?? "session"),
  limit: optional(z.coerce.number().int().min(1).max(100)).transform((v) => v ?? 20),
  cursor: optional(z.string().max(1000)),
  filters: optional(searchFiltersSchema).transform((v) => v ?? {}),
});
export type SearchBody = z.input<typeof searchBodySchema>;

/** A matched span of a snippet: `[start, end)` offsets into `snippet` (UTF-16 code units). */
export type Highlight = [number, number];

/** One cited hit: where in which session the match is. */
export interface SearchHit {
  messageId: string;
  messageExternalId: string;
  /** 0-based position of the message in its session (by time). */
  position: number;
  role: MessageRole;
  createdAt: number;
  /** Text around the match (plain text); the matched terms are the `highlights` spans. */
  snippet: string;
  highlights: Highlight[];
  score: number;
  /** What matched: message text, a tool call, a tool output, reasoning, or the session title. */
  field: "text" | "tool-call" | "tool-output" | "reasoning" | "title";
}

/**
 * One result. PROTOCOL.md's fields (`sessionId`, `messageId`, `title`, `snippet`, `score`, `source`,
 * `model`, `projectName`, `createdAt`) come first; `hits` cite every grouped match.
 */
export interface SearchResult {
  sessionId: string;
  sessionExternalId: string;
  /** The best hit's message (absent when only the title matched). */
  messageId?: string;
  title: string | null;
  snippet: string;
  highlights: Highlight[];
  score: number;
  source: string;
  model: string | null;
  projectName: string | null;
  projectPath: string | null;
  machine: string | null;
  /** The session's creation time (epoch ms). */
  createdAt: number;
  updatedAt: number;
  hits: SearchHit[];
}

export interface SearchResponse {
  type: SearchType;
  results: SearchResult[];
  /** Matching sessions (groupBy=session) or messages (groupBy=message) in all pages. */
  total: number;
  /**
   * Full-text only, present and true when more than 2,000 messages match: counting stopped there
   * and `total` is a lower bound (show it as "2,000+"). Absent when `total` is exact.
   */
  totalIsEstimate?: boolean;
  nextCursor: string | null;
  /** Set when the requested type could not be served as asked, e.g. `"no embedding provider"`. */
  degraded?: string;
  tookMs: number;
}

/** `GET /api/search/status`: the state of the indexes. */
export interface SearchStatus {
  fulltext: { indexed: number; pending: number; lagMs: number };
  provider: "local" | "openai" | "off";
  model: string | null;
  dimensions: number | null;
  indexed: number;
  pending: number;
  failed: number;
  lastError: string | null;
  /** False when semantic search cannot be served; `reason` says how to enable it. */
  available: boolean;
  reason?: string;
}

export const CONTEXT_FORMATS = ["text", "messages"] as const;
export type ContextFormat = (typeof CONTEXT_FORMATS)[number];

/** Query of `GET /api/context`. */
export const contextQuerySchema = z.object({
  q: query,
  /** Sessions at most. */
  limit: optional(z.coerce.number().int().min(1).max(50)).transform((v) => v ?? 5),
  /** Token budget of the whole answer (counted with a real tokenizer). */
  maxTokens: optional(z.coerce.number().int().min(100).max(200_000)).transform((v) => v ?? 4000),
  format: optional(z.enum(CONTEXT_FORMATS)).transform((v) => v ?? "text"),
  type: optional(z.enum(SEARCH_TYPES)).transform((v) => v ?? "hybrid"),
  ...filterShape,
});
export type ContextQuery = z.output<typeof contextQuerySchema>;
export type ContextQueryInput = z.input<typeof contextQuerySchema>;

/** A source cited by a context answer. */
export interface ContextSource {
  sessionId: string;
  sessionExternalId: string;
  title: string | null;
  projectName: string | null;
  model: string | null;
  source: string;
  createdAt: number;
  messageIds: string[];
}

export interface ContextMessage {
  role: "user" | "assistant" | "system";
  content: string;
  metadata: { sessionId: string; sessionTitle: string | null; messageId: string };
}

interface ContextBase {
  sessionCount: number;
  /** Tokens of the answer, counted with `tokenizer`. */
  tokenCount: number;
  maxTokens: number;
  tokenizer: string;
  sources: ContextSource[];
  degraded?: string;
}
export interface ContextTextResponse extends ContextBase { format: "text"; text: string }
export interface ContextMessagesResponse extends ContextBase { format: "messages"; messages: ContextMessage[] }
export type ContextResponse = ContextTextResponse | ContextMessagesResponse;

/** Body of `POST /api/admin/reindex` (owner): rebuild the full-text index and/or re-embed. */
export const reindexBodySchema = z.object({
  /** Re-index every message and title in the full-text index (default true). */
  fulltext: optional(z.boolean()).transform((v) => v ?? true),
  /** Queue every message for embedding (default true). */
  embeddings: optional(z.boolean()).transform((v) => v ?? true),
  /** Drop every chunk first, so even unchanged text is embedded again (a model change does this itself). */
  force: optional(z.boolean()).transform((v) => v ?? false),
});
export type ReindexBody = z.input<typeof reindexBodySchema>;
/** What was queued; progress is `GET /api/search/status`. */
export interface ReindexResponse { queued: { fulltext: number; embeddings: number } }
