import { Hono } from "hono";
import { messagePageQuerySchema } from "@opensync/protocol";
import type { AppEnv, Services } from "../http/env.js";
import { parseOr400 } from "../http/validate.js";

/**
 * Shared sessions, readable without credentials by anyone who has the link (`/s/:slug` in the
 * app): the session without owner details, its messages in pages, and its timeline.
 */
export function publicRoutes(s: Services) {
  const app = new Hono<AppEnv>();
  const page = (slug: string, query: Record<string, string>) => s.sessions.publicPage(slug, parseOr400(messagePageQuerySchema, query));
  app.get("/api/public/:slug", async (c) => c.json(await page(c.req.param("slug"), c.req.query())));
  app.get("/api/public/:slug/messages", async (c) => c.json(await page(c.req.param("slug"), c.req.query())));
  app.get("/api/public/:slug/timeline", async (c) => c.json(await s.sessions.publicTimeline(c.req.param("slug"))));
  return app;
}
