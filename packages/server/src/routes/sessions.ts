import { Hono } from "hono";
import { messagePageQuerySchema, normalizeSource, sessionListQuerySchema, shareSchema } from "@opensync/protocol";
import { readJsonBody } from "../http/body.js";
import type { AppEnv, Services } from "../http/env.js";
import { ApiError } from "../http/errors.js";
import { parseOr400 } from "../http/validate.js";

export function sessionRoutes(s: Services) {
  const app = new Hono<AppEnv>();

  app.get("/api/sessions", async (c) => {
    const query = parseOr400(sessionListQuerySchema, c.req.query());
    if (query.source) query.source = normalizeSource(query.source);
    return c.json(await s.sessions.list(c.get("user").id, query));
  });
  app.get("/api/sessions/get", async (c) => {
    const id = c.req.query("id");
    if (!id) throw new ApiError(400, "invalid_input", "id: required (the session's server id or externalId)");
    return c.json(await s.sessions.get(c.get("user").id, id));
  });
  app.get("/api/sessions/:id/messages", async (c) =>
    c.json(await s.sessions.messagePage(c.get("user").id, c.req.param("id"), parseOr400(messagePageQuerySchema, c.req.query()))),
  );
  app.get("/api/sessions/:id/timeline", async (c) => c.json(await s.sessions.timeline(c.get("user").id, c.req.param("id"))));
  app.post("/api/sessions/:id/share", async (c) => {
    const { public: shared } = parseOr400(shareSchema, await readJsonBody(c.req.raw, 64 * 1024));
    return c.json(await s.sessions.share(c.get("user").id, c.req.param("id"), shared));
  });
  app.get("/api/sessions/:id", async (c) => c.json(await s.sessions.get(c.get("user").id, c.req.param("id"))));
  app.delete("/api/sessions/:id", async (c) => {
    await s.sessions.delete(c.get("user").id, c.req.param("id"));
    return c.json({ ok: true });
  });
  return app;
}
