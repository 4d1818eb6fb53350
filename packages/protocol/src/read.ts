import { z } from "zod";
import { optional, timestamp } from "./fields.js";
import type { MessageRole } from "./sync.js";

/** A session as the read API returns it. */
export interface Session {
  id: string;
  externalId: string;
  source: string;
  title: string | null;
  projectPath: string | null;
  projectName: string | null;
  model: string | null;
  provider: string | null;
  gitBranch: string | null;
  machine: string | null;
  promptTokens: number;
  completionTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  totalTokens: number;
  cost: number;
  durationMs: number;
  messageCount: number;
  isPublic: boolean;
  publicSlug: string | null;
  createdAt: number;
  updatedAt: number;
  metadata: Record<string, unknown>;
}

export interface Part {
  id: string;
  type: string;
  content: unknown;
  order: number;
}

export interface Message {
  id: string;
  externalId: string;
  sessionId: string;
  role: MessageRole;
  textContent: string | null;
  model: string | null;
  provider: string | null;
  source: string | null;
  promptTokens: number;
  completionTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  totalTokens: number;
  cost: number;
  durationMs: number;
  createdAt: number;
  metadata: Record<string, unknown>;
  parts: Part[];
}

export const SESSION_SORTS = ["updatedAt", "createdAt", "totalTokens", "cost", "durationMs"] as const;
export type SessionSort = (typeof SESSION_SORTS)[number];

const intParam = (min: number, max: number) =>
  z.coerce.number().int().min(min).max(max);

/** Query of `GET /api/sessions`. */
export const sessionListQuerySchema = z.object({
  limit: optional(intParam(1, 500)).transform((v) => v ?? 50),
  cursor: optional(z.string().max(1000)),
  source: optional(z.string().max(64)),
  model: optional(z.string().max(500)),
  project: optional(z.string().max(4096)),
  machine: optional(z.string().max(500)),
  /** The session's provider (`anthropic`, `openai`, ...), exactly. */
  provider: optional(z.string().max(500)),
  /**
   * Search-as-you-type over every session: each word (up to 8) a case-insensitive substring of the
   * title, project name or path, model or externalId. Full-text over message content is `GET /api/search`.
   */
  q: optional(z.string().trim().max(200)),
  from: optional(timestamp),
  to: optional(timestamp),
  sort: optional(z.enum(SESSION_SORTS)).transform((v) => v ?? "updatedAt"),
  order: optional(z.enum(["asc", "desc"])).transform((v) => v ?? "desc"),
});
type SessionListQueryOutput = z.output<typeof sessionListQuerySchema>;
export type SessionListQuery = Pick<SessionListQueryOutput, "limit" | "sort" | "order"> &
  Partial<Omit<SessionListQueryOutput, "limit" | "sort" | "order">>;

export interface SessionListResponse { sessions: Session[]; nextCursor: string | null }
export interface SessionDetailResponse { session: Session; messages: Message[] }

/**
 * Query of `GET /api/sessions/:id/messages` (and `/api/public/:slug/messages`): one page of the
 * session's messages in session order (`createdAt`, then id). No cursor: the first page. `cursor`:
 * a `nextCursor` or `prevCursor` of an earlier page (the pages after or before it). `around`: the
 * page holding that message id, with it in the middle (a deep link `#m-<id>`).
 */
export const messagePageQuerySchema = z
  .object({
    limit: optional(intParam(1, 500)).transform((v) => v ?? 100),
    cursor: optional(z.string().max(200)),
    around: optional(z.string().regex(/^\d{1,16}$/, "must be a message id")),
  })
  .refine((q) => !(q.cursor && q.around), { message: "give cursor or around, not both", path: ["around"] });
export type MessagePageQuery = z.output<typeof messagePageQuerySchema>;

export interface MessagePage {
  session: Session;
  /** In session order. */
  messages: Message[];
  /** The page before the first message, or null at the start. */
  prevCursor: string | null;
  /** The page after the last message, or null at the end. */
  nextCursor: string | null;
  /** Messages in the whole session. */
  total: number;
}

/**
 * `GET /api/sessions/:id/timeline`: one entry per message in session order, as parallel arrays
 * (compact for 10,000 messages): what a viewer needs for a minimap and to size rows before it
 * loads them. `toolCalls` counts `tool-call` parts; `errors` counts failed tool calls and results
 * (`status: "error"` / `isError: true`); `textLength` is the length of the text in characters.
 */
export interface SessionTimeline {
  sessionId: string;
  ids: string[];
  roles: MessageRole[];
  createdAt: number[];
  totalTokens: number[];
  cost: number[];
  toolCalls: number[];
  errors: number[];
  textLength: number[];
}

/** `POST /api/sessions/:id/share`: make the session readable by anyone with its link, or stop. */
export const shareSchema = z.object({ public: z.boolean() });
export interface ShareResponse {
  isPublic: boolean;
  /** The link is `/s/<publicSlug>`; a new slug each time sharing is turned on. */
  publicSlug: string | null;
}

/**
 * A shared session as `GET /api/public/:slug` shows it to anyone: no owner details (no user, no
 * machine name, no project path, no metadata, no external id).
 */
export type PublicSession = Omit<Session, "externalId" | "machine" | "projectPath" | "metadata">;
export interface PublicMessagePage extends Omit<MessagePage, "session"> { session: PublicSession }

/**
 * `groupBy` of `GET /api/stats`. Time groups are local to `tzOffset`: `day` (key `YYYY-MM-DD`),
 * `week` (key: its Monday, `YYYY-MM-DD`), `month` (`YYYY-MM`), `hourOfWeek` (the activity grid:
 * key `<ISO weekday 1-7>-<hour 00-23>`, e.g. `1-09` is Monday 09:00-10:00). The others group by
 * the session's field (key null where it has none).
 */
export const STATS_GROUPS = ["day", "week", "month", "hourOfWeek", "model", "provider", "project", "source", "machine"] as const;
export type StatsGroup = (typeof STATS_GROUPS)[number];
/** Groups in time order, which `cumulative=true` turns into running totals. */
export const CUMULATIVE_GROUPS = ["day", "week", "month"] as const satisfies readonly StatsGroup[];

/**
 * `splitBy` of `GET /api/stats` (with `groupBy=day|week|month`): each time group also carries its
 * totals per model or per agent (`source`), the session's own field (key null where it has none).
 */
export const STATS_SPLITS = ["model", "source"] as const;
export type StatsSplit = (typeof STATS_SPLITS)[number];

const booleanParam = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

export const statsQuerySchema = z.object({
  from: optional(timestamp),
  to: optional(timestamp),
  groupBy: optional(z.enum(STATS_GROUPS)),
  /** Minutes east of UTC used to cut days, weeks, months and hours; the browser's `-getTimezoneOffset()`. */
  tzOffset: optional(z.coerce.number().int().min(-14 * 60).max(14 * 60)).transform((v) => v ?? 0),
  /** With `groupBy=day|week|month`: each group holds the totals from the start of the range up to its end. */
  cumulative: optional(booleanParam).transform((v) => v ?? false),
  splitBy: optional(z.enum(STATS_SPLITS)),
}).refine((q) => !q.splitBy || (CUMULATIVE_GROUPS as readonly string[]).includes(q.groupBy ?? ""), {
  message: "splitBy needs groupBy=day, week or month",
  path: ["splitBy"],
});
export type StatsQuery = z.output<typeof statsQuerySchema>;

export interface UsageTotals {
  sessionCount: number;
  messageCount: number;
  totalTokens: number;
  promptTokens: number;
  completionTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  totalCost: number;
  totalDurationMs: number;
}

export interface StatsGroupRow extends UsageTotals {
  key: string | null;
  /** With `splitBy`: this group's totals per model or agent, biggest first (tokens). */
  split?: StatsGroupRow[];
}

/**
 * What prompt caching saved at list price (`prices.json`), attributed by the session's model:
 * `cacheSavings` = cache-read tokens × (input price − cache-read price); `cacheWriteExtra` = cache-write
 * tokens × (cache-write price − input price), the premium paid to fill the cache. Models without a
 * price count nothing; their cache tokens are reported as unpriced.
 */
export interface CacheSavings {
  cacheSavings: number;
  cacheWriteExtra: number;
  unpricedCacheReadTokens: number;
  unpricedCacheWriteTokens: number;
}

/** One model's cache tokens and what they saved or cost extra; the USD figures are null when the model has no known price. */
export interface ModelCacheUsage {
  cacheReadTokens: number;
  cacheWriteTokens: number;
  cacheSavings: number | null;
  cacheWriteExtra: number | null;
}

export interface StatsResponse extends UsageTotals, CacheSavings {
  modelUsage: Record<string, { tokens: number; cost: number; sessions: number }>;
  /** Per model (the keys of `modelUsage`): the cache figures behind `cacheSavings` and `cacheWriteExtra`. */
  cacheByModel: Record<string, ModelCacheUsage>;
  sourceUsage: Record<string, { tokens: number; cost: number; sessions: number }>;
  firstSessionAt: number | null;
  lastSessionAt: number | null;
  groupBy?: StatsGroup;
  groups?: StatsGroupRow[];
}

/**
 * Query of `GET /api/stats/blocks`: 5-hour usage blocks over the messages of `[from, to)` (default
 * the last 7 days; at most 92 days).
 */
export const BLOCK_RANGE_MAX_MS = 92 * 86_400_000;
export const blocksQuerySchema = z.object({ from: optional(timestamp), to: optional(timestamp) });

/** Tokens of a block, in the read API's terms. */
export interface BlockTokens {
  promptTokens: number;
  completionTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  totalTokens: number;
}

/**
 * A 5-hour usage block as ccusage 17.2.1 (`blocks`) forms them: it starts at its first message's
 * hour, ends 5 hours later; a message more than 5 hours after the block start or after the previous
 * message starts a new block, and a gap of more than 5 hours between messages is a gap block.
 */
export interface UsageBlock {
  /** ISO start time (`gap-` + ISO for a gap). */
  id: string;
  startTime: number;
  endTime: number;
  /** The last message's time (null for a gap). */
  actualEndTime: number | null;
  /** Its last message is less than 5 hours ago and the block has not ended. */
  isActive: boolean;
  isGap: boolean;
  /** Messages with usage in the block. */
  entries: number;
  tokens: BlockTokens;
  cost: number;
  models: string[];
  /** Over the span from the first to the last message; null for a gap or a single instant. */
  burnRate: { tokensPerMinute: number; tokensPerMinuteForIndicator: number; costPerHour: number } | null;
  /** For the active block: where the burn rate takes it by the block's end. */
  projection: { totalTokens: number; totalCost: number; remainingMinutes: number } | null;
}

export interface BlocksResponse { from: number; to: number; blocks: UsageBlock[] }

/** Query of `GET /api/me/logs` (the caller's API request log, newest first). */
export const apiLogQuerySchema = z.object({
  limit: optional(intParam(1, 1000)).transform((v) => v ?? 100),
});

export interface ApiLogRow {
  method: string;
  /** The route pattern (`/api/sessions/:id`), never the ids or query string of the call. */
  endpoint: string;
  status: number;
  durationMs: number;
  createdAt: number;
  /** The API key the call was made with, and its name; null for the web app's cookie or a proxy header. */
  keyId: string | null;
  keyName: string | null;
}

export const EXPORT_FORMATS = ["json", "markdown", "jsonl", "csv"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const exportQuerySchema = z.object({
  id: optional(z.string().max(600)),
  format: optional(z.enum(EXPORT_FORMATS)),
});

/** One change pushed on `GET /api/events` (Server-Sent Events, event name = `type`). */
export interface SessionEvent {
  type: "session.upserted" | "session.deleted";
  sessionId: string;
  externalId: string;
  at: number;
}
