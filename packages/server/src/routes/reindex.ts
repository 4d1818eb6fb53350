import { Hono } from "hono";
import { reindexBodySchema } from "@opensync/protocol";
import { openMainDatabase, queueEmbeddings, queueFulltext } from "../embeddings/reindex.js";
import { readJsonBody } from "../http/body.js";
import type { AppEnv, Services } from "../http/env.js";
import { ApiError } from "../http/errors.js";
import { parseOr400 } from "../http/validate.js";

/**
 * `POST /api/admin/reindex` (owner): the running server's side of `opensync admin reindex`, for the
 * dashboard's Settings. It only queues (the full-text indexer and the embedding worker do the
 * work in the background); `GET /api/search/status` shows the progress.
 */
export function reindexRoutes(s: Services) {
  const app = new Hono<AppEnv>();
  app.post("/api/admin/reindex", async (c) => {
    if (c.get("user").role !== "owner") throw new ApiError(403, "forbidden", "only the owner can rebuild the search indexes");
    // A bare `curl -X POST` (no body) means the defaults.
    const empty = c.req.header("content-length") === "0" || (!c.req.header("content-length") && !c.req.header("transfer-encoding"));
    const raw = empty ? {} : await readJsonBody(c.req.raw, 64 * 1024);
    const body = parseOr400(reindexBodySchema, raw);
    const db = openMainDatabase(s.config);
    try {
      const fulltext = body.fulltext ? queueFulltext(db) : 0;
      const embeddings = body.embeddings ? queueEmbeddings(db, { force: body.force }) : 0;
      return c.json({ queued: { fulltext, embeddings } });
    } finally {
      db.close();
    }
  });
  return app;
}
