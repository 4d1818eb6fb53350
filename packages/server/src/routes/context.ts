import { Hono } from "hono";
import { contextQuerySchema } from "@opensync/protocol";
import type { AppEnv, Services } from "../http/env.js";
import { parseOr400 } from "../http/validate.js";

/** `GET /api/context`: excerpts of past sessions for an agent, within a token budget. */
export function contextRoutes(s: Services) {
  const app = new Hono<AppEnv>();
  app.get("/api/context", async (c) => c.json(await s.context.context(c.get("user").id, parseOr400(contextQuerySchema, c.req.query()))));
  return app;
}
