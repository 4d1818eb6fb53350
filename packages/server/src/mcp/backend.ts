import { contextQuerySchema, normalizeSource, searchQuerySchema, sessionListQuerySchema, statsQuerySchema } from "@opensync/protocol";
import type { Services } from "../http/env.js";
import { parseOr400 } from "../http/validate.js";
import type { McpBackend } from "./tools.js";

/**
 * The MCP tools' backend on the server: the same services the HTTP routes call, in-process (no
 * request to itself), for one authenticated user, with the same validation as the routes. Every
 * call is scoped by `userId`, so no tool can answer with another user's rows.
 */
export function servicesBackend(s: Services, userId: string): McpBackend {
  return {
    async search(query) {
      const q = parseOr400(searchQuerySchema, query);
      const filters = { source: q.source, project: q.project, model: q.model, role: q.role, machine: q.machine, from: q.from, to: q.to, sessionId: q.sessionId };
      return s.search.search(userId, { q: q.q, type: q.type, groupBy: q.groupBy, limit: q.limit, cursor: q.cursor, filters });
    },
    context: async (query) => s.context.context(userId, parseOr400(contextQuerySchema, query)),
    getSession: (id) => s.sessions.get(userId, id),
    async listSessions(query) {
      const parsed = parseOr400(sessionListQuerySchema, query);
      if (parsed.source) parsed.source = normalizeSource(parsed.source);
      return s.sessions.list(userId, parsed);
    },
    stats: (query) => s.stats.stats(userId, parseOr400(statsQuerySchema, query)),
  };
}
