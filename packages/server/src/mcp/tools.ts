import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import {
  normalizeSource,
  SEARCH_TYPES,
  STATS_GROUPS,
  timestamp,
  type ContextQueryInput,
  type ContextResponse,
  type SearchQueryInput,
  type SearchResponse,
  type SessionDetailResponse,
  type SessionListQuery,
  type SessionListResponse,
  type StatsGroup,
  type StatsResponse,
} from "@opensync/protocol";
import { z } from "zod";
import { contextText, searchRows, searchText, sessionListText, sessionRow, sessionText, sessionUrl, statsText } from "./format.js";

/**
 * The MCP tools of OpenSync, declared once and served over both transports: `opensync mcp` (stdio,
 * backed by the typed HTTP client) and `/mcp` on the server (Streamable HTTP, backed by the
 * server's services in-process for the authenticated user). Only protocol types, zod and the SDK
 * are imported here, so the CLI loads this without the rest of the server.
 */

/** What the tools need: exactly the shape of `OpenSyncClient`'s methods, so the client is one. */
export interface McpBackend {
  search(query: SearchQueryInput): Promise<SearchResponse>;
  getSession(id: string): Promise<SessionDetailResponse>;
  context(query: ContextQueryInput): Promise<ContextResponse>;
  listSessions(query: Partial<SessionListQuery>): Promise<SessionListResponse>;
  stats(query: { from?: number; to?: number; groupBy?: StatsGroup }): Promise<StatsResponse>;
}

export interface McpServerOptions {
  /** Base URL of the dashboard, for session links (`<url>/sessions/<id>`). */
  dashboardUrl: string;
  version: string;
  /**
   * Set on the server: an unexpected error (not an API error) is handed here to be logged, and the
   * agent is told only "internal error", as the HTTP API answers a 500 without internals.
   */
  onInternalError?: (err: unknown) => void;
}

export const TOOL_NAMES = ["search_sessions", "get_session", "get_context", "list_recent_sessions", "usage_stats"] as const;

const dateInput = z
  .union([z.string().max(64), z.number()])
  .describe("ISO-8601 date or date-time (e.g. 2025-06-01 or 2025-06-01T14:00:00Z), or epoch milliseconds");
const sourceInput = z.string().max(64).describe('Only sessions of this agent: "claude-code", "opencode", "codex-cli", "gemini-cli", ...');
const projectInput = z.string().max(4096).describe("Only sessions of this project (its name or full path)");

const searchInput = {
  query: z.string().min(1).max(2000).describe("What to look for: words, an error message, a file or function name, or a question"),
  type: z
    .enum(SEARCH_TYPES)
    .optional()
    .describe("fulltext: exact words and code identifiers; semantic: meaning; hybrid (default): both, fused"),
  limit: z.number().int().min(1).max(50).optional().describe("Sessions to return (default 10, at most 50)"),
  source: sourceInput.optional(),
  project: projectInput.optional(),
  from: dateInput.optional().describe("Only messages created at or after this time (ISO-8601 date or epoch ms)"),
  to: dateInput.optional().describe("Only messages created before this time (ISO-8601 date or epoch ms)"),
};

const getSessionInput = {
  id: z.string().min(1).max(600).describe("The session's id (from search_sessions or list_recent_sessions) or its agent's own session id"),
  maxMessages: z.number().int().min(1).max(200).optional().describe("Messages to return (default 50, at most 200)"),
  offset: z.number().int().min(0).optional().describe("Index of the first message to return (default 0); use the nextOffset of the previous call to page"),
};

const contextInput = {
  query: z.string().min(1).max(2000).describe("The task or question to find relevant past work for"),
  maxTokens: z.number().int().min(100).max(200_000).optional().describe("Token budget of the answer (default 4000)"),
  limit: z.number().int().min(1).max(50).optional().describe("Sessions to draw excerpts from, at most (default 5)"),
};

const recentInput = {
  limit: z.number().int().min(1).max(100).optional().describe("Sessions to return (default 20, at most 100)"),
  source: sourceInput.optional(),
  project: projectInput.optional(),
};

const statsInput = {
  from: dateInput.optional().describe("Only sessions created at or after this time (ISO-8601 date or epoch ms)"),
  to: dateInput.optional().describe("Only sessions created before this time (ISO-8601 date or epoch ms)"),
  groupBy: z.enum(STATS_GROUPS).optional().describe("Also break the totals down by day, model, provider, project, source or machine"),
};

const sessionRowShape = {
  id: z.string(),
  externalId: z.string(),
  title: z.string(),
  project: z.string(),
  source: z.string(),
  model: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  messageCount: z.number(),
  totalTokens: z.number(),
  cost: z.number(),
  url: z.string(),
};

const searchOutput = {
  type: z.enum(SEARCH_TYPES),
  total: z.number(),
  degraded: z.string().optional(),
  results: z.array(
    z.object({
      sessionId: z.string(),
      messageId: z.string().nullable(),
      title: z.string(),
      project: z.string(),
      source: z.string(),
      model: z.string().nullable(),
      date: z.string(),
      snippet: z.string(),
      score: z.number(),
      url: z.string(),
    }),
  ),
};

const sessionOutput = {
  session: z.object({ ...sessionRowShape, projectPath: z.string().nullable(), gitBranch: z.string().nullable(), machine: z.string().nullable() }),
  offset: z.number(),
  returned: z.number(),
  nextOffset: z.number().nullable(),
};

const contextOutput = {
  text: z.string(),
  sessionCount: z.number(),
  tokenCount: z.number(),
  maxTokens: z.number(),
  sources: z.array(z.object({ sessionId: z.string(), title: z.string().nullable(), projectName: z.string().nullable(), url: z.string() })),
};

const recentOutput = { sessions: z.array(z.object(sessionRowShape)), nextCursor: z.string().nullable() };

const usageRow = z.object({ tokens: z.number(), cost: z.number(), sessions: z.number() });
const usageTotals = {
  sessionCount: z.number(),
  messageCount: z.number(),
  totalTokens: z.number(),
  promptTokens: z.number(),
  completionTokens: z.number(),
  cacheReadTokens: z.number(),
  cacheWriteTokens: z.number(),
  reasoningTokens: z.number(),
  totalCost: z.number(),
  totalDurationMs: z.number(),
};
const statsOutput = {
  ...usageTotals,
  firstSessionAt: z.number().nullable(),
  lastSessionAt: z.number().nullable(),
  modelUsage: z.record(z.string(), usageRow),
  sourceUsage: z.record(z.string(), usageRow),
  groupBy: z.enum(STATS_GROUPS).optional(),
  groups: z.array(z.object({ key: z.string().nullable(), ...usageTotals })).optional(),
};

type Structured = Record<string, unknown>;

/** The declared fields of `value` only: the output schemas refuse unknown ones, and the API may grow. */
function pick(value: object, shape: Record<string, unknown>): Structured {
  const source = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(shape).filter((k) => source[k] !== undefined).map((k) => [k, source[k]]));
}

/** An agent name as the protocol stores it ("claude" is "claude-code", "codex" is "codex-cli"). */
const sourceId = (source: string | undefined) => (source?.trim() ? normalizeSource(source) : undefined);

/** A tool's input that the server would refuse, reported before any call. */
class ToolInputError extends Error {}

/** Epoch ms from an ISO date or a number, with the protocol's own timestamp rule. */
function toEpochMs(name: string, value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = timestamp.safeParse(value);
  if (!parsed.success) throw new ToolInputError(`${name}: ${parsed.error.issues[0]?.message ?? "not a date"}`);
  return parsed.data;
}

/** An API error (typed client's `OpenSyncError` or the server's `ApiError`) as a message an agent can act on. */
export function toolErrorMessage(err: unknown): string {
  if (err instanceof ToolInputError) return `Invalid input: ${err.message}`;
  const e = err as { status?: number; code?: string; message?: string };
  const message = e.message ?? String(err);
  switch (e.status) {
    case 0:
      return `Cannot reach the OpenSync server: ${message}`;
    case 401:
      return `The OpenSync server refused the API key (${message}). Log in again with \`opensync login\` or set OPENSYNC_API_KEY.`;
    case 404:
      return `Not found: ${message}. Session ids come from search_sessions or list_recent_sessions.`;
    case 400:
      return `Invalid input: ${message}`;
    case 409:
    case 503:
      return `Unavailable: ${message}`;
    default:
      return typeof e.status === "number" ? `OpenSync error ${e.status} (${e.code ?? "error"}): ${message}` : `OpenSync error: ${message}`;
  }
}

const isApiError = (err: unknown) => err instanceof ToolInputError || typeof (err as { status?: unknown })?.status === "number";

/** Runs tool bodies; any error becomes an MCP tool error (`isError`) the agent can read. */
function toolRunner(onInternalError: McpServerOptions["onInternalError"]) {
  return async (body: () => Promise<{ text: string; structured: Structured }>): Promise<CallToolResult> => {
    try {
      const { text, structured } = await body();
      return { content: [{ type: "text", text }], structuredContent: structured };
    } catch (err) {
      if (onInternalError && !isApiError(err)) {
        onInternalError(err);
        return { isError: true, content: [{ type: "text", text: "OpenSync error: internal error (logged on the server)" }] };
      }
      return { isError: true, content: [{ type: "text", text: toolErrorMessage(err) }] };
    }
  };
}

const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

/** An MCP server with OpenSync's tools over `backend`; connect it to a transport. */
export function createOpenSyncMcpServer(backend: McpBackend, options: McpServerOptions): McpServer {
  const { dashboardUrl } = options;
  const run = toolRunner(options.onInternalError);
  const server = new McpServer(
    { name: "opensync", title: "OpenSync", version: options.version },
    {
      instructions:
        "OpenSync holds the user's past AI coding sessions (Claude Code, OpenCode, Codex, Gemini CLI, ...). " +
        "Use search_sessions to find where something was discussed or done, get_session to read a session, " +
        "get_context for token-bounded excerpts relevant to a task, list_recent_sessions for recent work, and usage_stats for tokens and cost.",
    },
  );

  server.registerTool(
    "search_sessions",
    {
      title: "Search past coding sessions",
      description:
        "Search the user's past AI coding sessions (messages, tool calls and outputs, titles). Returns the best matching sessions, " +
        "each with its session id, title, project, date, a snippet with the matched words in **bold**, the matching message id and a dashboard link. " +
        "Read a result in full with get_session.",
      inputSchema: searchInput,
      outputSchema: searchOutput,
      annotations: { title: "Search sessions", ...readOnly },
    },
    (input) =>
      run(async () => {
        const response = await backend.search({
          q: input.query,
          type: input.type ?? "hybrid",
          limit: input.limit ?? 10,
          source: sourceId(input.source),
          project: input.project,
          from: toEpochMs("from", input.from),
          to: toEpochMs("to", input.to),
        });
        const structured: Structured = { type: response.type, total: response.total, results: searchRows(response, dashboardUrl) };
        if (response.degraded) structured.degraded = response.degraded;
        return { text: searchText(input.query, response, dashboardUrl), structured };
      }),
  );

  server.registerTool(
    "get_session",
    {
      title: "Read a session",
      description:
        "Read one session: its header (title, project, agent, model, dates, tokens, cost, link) and its messages in order, " +
        "with tool calls and outputs (long ones cut). Returns maxMessages messages from offset; when more remain, the answer says the offset to call next.",
      inputSchema: getSessionInput,
      outputSchema: sessionOutput,
      annotations: { title: "Get session", ...readOnly },
    },
    (input) =>
      run(async () => {
        const { session, messages } = await backend.getSession(input.id);
        const { text, page } = sessionText(session, messages, input.offset ?? 0, input.maxMessages ?? 50, dashboardUrl);
        return { text, structured: { ...page } };
      }),
  );

  server.registerTool(
    "get_context",
    {
      title: "Relevant context from past sessions",
      description:
        "Excerpts of past sessions relevant to a task or question, cut to a token budget and citing their sessions: " +
        "use it before starting work to recall how something was done or decided before.",
      inputSchema: contextInput,
      outputSchema: contextOutput,
      annotations: { title: "Get context", ...readOnly },
    },
    (input) =>
      run(async () => {
        const response = await backend.context({ q: input.query, maxTokens: input.maxTokens, limit: input.limit, format: "text" });
        return {
          text: contextText(response, dashboardUrl),
          structured: {
            text: response.format === "text" ? response.text : "",
            sessionCount: response.sessionCount,
            tokenCount: response.tokenCount,
            maxTokens: response.maxTokens,
            sources: response.sources.map((s) => ({ sessionId: s.sessionId, title: s.title, projectName: s.projectName, url: sessionUrl(dashboardUrl, s.sessionId) })),
          },
        };
      }),
  );

  server.registerTool(
    "list_recent_sessions",
    {
      title: "List recent sessions",
      description: "The user's most recently updated sessions, newest first, with id, title, project, agent, model, message count, tokens, cost and link.",
      inputSchema: recentInput,
      outputSchema: recentOutput,
      annotations: { title: "List recent sessions", ...readOnly },
    },
    (input) =>
      run(async () => {
        const response = await backend.listSessions({ limit: input.limit ?? 20, source: sourceId(input.source), project: input.project, sort: "updatedAt", order: "desc" });
        return {
          text: sessionListText(response, dashboardUrl),
          structured: { sessions: response.sessions.map((s) => sessionRow(s, dashboardUrl)), nextCursor: response.nextCursor },
        };
      }),
  );

  server.registerTool(
    "usage_stats",
    {
      title: "Usage statistics",
      description:
        "Totals of the user's sessions: sessions, messages, tokens (input, cache read/write, output, reasoning), cost and time, " +
        "per model and per agent, optionally over a time range and broken down by day, model, provider, project, source or machine.",
      inputSchema: statsInput,
      outputSchema: statsOutput,
      annotations: { title: "Usage stats", ...readOnly },
    },
    (input) =>
      run(async () => {
        const stats = await backend.stats({ from: toEpochMs("from", input.from), to: toEpochMs("to", input.to), groupBy: input.groupBy });
        const structured = pick(stats, statsOutput);
        if (stats.groups) structured.groups = stats.groups.map((g) => pick(g, { key: true, ...usageTotals }));
        return { text: statsText(stats), structured };
      }),
  );

  return server;
}
