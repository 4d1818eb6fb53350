import { Hono } from "hono";
import { searchBodySchema, searchQuerySchema, type SearchFilters, type SearchQuery } from "@opensync/protocol";
import { requireUser } from "../http/auth.js";
import { readJsonBody } from "../http/body.js";
import type { AppEnv, Services } from "../http/env.js";
import { parseOr400 } from "../http/validate.js";

/** The filters of `GET /api/search`'s query string. */
function filtersOf(q: SearchQuery): SearchFilters {
  return { source: q.source, project: q.project, model: q.model, role: q.role, machine: q.machine, from: q.from, to: q.to, sessionId: q.sessionId };
}

/** `GET /api/search`, `POST /search` (PROTOCOL.md), `GET /api/search/status`. */
export function searchRoutes(s: Services) {
  const app = new Hono<AppEnv>();

  app.get("/api/search/status", async (c) => c.json(await s.search.status(c.get("user").id)));
  app.get("/api/search", async (c) => {
    const q = parseOr400(searchQuerySchema, c.req.query());
    return c.json(await s.search.search(c.get("user").id, { q: q.q, type: q.type, groupBy: q.groupBy, limit: q.limit, cursor: q.cursor, filters: filtersOf(q) }));
  });
  // `/search` is outside `/api/*` and `/sync/*`, so it asks for a user itself.
  app.post("/search", requireUser(s), async (c) => {
    const body = parseOr400(searchBodySchema, await readJsonBody(c.req.raw, s.config.maxBodyBytes));
    return c.json(await s.search.search(c.get("user").id, { q: body.query, type: body.type, groupBy: body.groupBy, limit: body.limit, cursor: body.cursor, filters: body.filters as SearchFilters }));
  });
  return app;
}
