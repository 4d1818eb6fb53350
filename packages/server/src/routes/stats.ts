import { Hono } from "hono";
import { blocksQuerySchema, statsQuerySchema } from "@opensync/protocol";
import type { AppEnv, Services } from "../http/env.js";
import { parseOr400 } from "../http/validate.js";

export function statsRoutes(s: Services) {
  const app = new Hono<AppEnv>();
  app.get("/api/stats/blocks", async (c) => c.json(await s.stats.blocks(c.get("user").id, parseOr400(blocksQuerySchema, c.req.query()))));
  app.get("/api/stats", async (c) => c.json(await s.stats.stats(c.get("user").id, parseOr400(statsQuerySchema, c.req.query()))));
  return app;
}
