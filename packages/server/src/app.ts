import { Hono } from "hono";
import { routePath } from "hono/route";
import type { ServerConfig } from "./config.js";
import { ApiLogWriter } from "./http/api-log.js";
import { requireUser } from "./http/auth.js";
import type { AppEnv, Services } from "./http/env.js";
import { ApiError, noRoute } from "./http/errors.js";
import type { Logger } from "./logger.js";
import { mcpRoutes } from "./mcp/route.js";
import { EventBus } from "./realtime/bus.js";
import { accountRoutes, publicAuthRoutes } from "./routes/account.js";
import { reindexRoutes } from "./routes/reindex.js";
import { contextRoutes } from "./routes/context.js";
import { eventRoutes } from "./routes/events.js";
import { exportRoutes } from "./routes/export.js";
import { publicRoutes } from "./routes/public.js";
import { searchRoutes } from "./routes/search.js";
import { sessionRoutes } from "./routes/sessions.js";
import { statsRoutes } from "./routes/stats.js";
import { syncRoutes } from "./routes/sync.js";
import { AccountsService } from "./services/accounts.js";
import { createSearchServices } from "./services/search-setup.js";
import { SessionsService } from "./services/sessions.js";
import { StatsService } from "./services/stats.js";
import { SyncService } from "./services/sync.js";
import type { Store } from "./store/types.js";
import { VERSION } from "./version.js";
import { securityHeaders } from "./web/headers.js";
import { webRoutes } from "./web/routes.js";
import { openApiDocument } from "./openapi/document.js";

export interface App {
  app: Hono<AppEnv>;
  services: Services;
  apiLog: ApiLogWriter;
  /** Ends every open event stream (graceful shutdown). */
  closeStreams(): void;
}

const PUBLIC_API = new Set(["/api/health", "/api/auth/login", "/api/auth/logout", "/api/auth/signup", "/api/auth/claim", "/api/auth/status", "/api/openapi.json"]);
/** Endpoints that need no credentials: sign-in, health, the API description, shared sessions. */
const isPublicApi = (path: string) => PUBLIC_API.has(path) || path.startsWith("/api/public/");

export function createApp(config: ServerConfig, store: Store, logger: Logger): App {
  const bus = new EventBus();
  const apiLog = new ApiLogWriter(store.apiLogs, config.apiLogRetentionDays, logger);
  const services: Services = {
    config,
    logger,
    store,
    bus,
    accounts: new AccountsService(store),
    sync: new SyncService(store, bus),
    sessions: new SessionsService(store, bus),
    stats: new StatsService(store),
    ...createSearchServices(config, store, logger),
    apiLog,
  };
  const streamClosers = new Set<() => void>();
  // The search indexer (a worker thread) stops when the server starts shutting down.
  streamClosers.add(() => void services.search.close());
  const app = new Hono<AppEnv>();

  // Request log: method, route pattern, status, duration, user id. Never query strings or bodies.
  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    const durationMs = Math.round(performance.now() - started);
    // A matched route logs its pattern (no ids); an unmatched one, its path (capped).
    const pattern = routePath(c);
    const route = pattern.endsWith("*") ? c.req.path.slice(0, 200) : pattern;
    const userId = c.get("user")?.id ?? null;
    logger.debug({ method: c.req.method, route, status: c.res.status, ms: durationMs, user: userId }, "request");
    if (route.startsWith("/api/") || route.startsWith("/sync/") || route === "/mcp") {
      apiLog.record({ userId, keyId: c.get("apiKeyId") ?? null, method: c.req.method, endpoint: route, status: c.res.status, durationMs, createdAt: Date.now() });
    }
  });

  app.use("*", securityHeaders);

  const health = () => ({ status: "ok" as const, timestamp: Date.now(), version: VERSION });
  app.get("/health", (c) => c.json(health()));
  app.get("/api/health", (c) => c.json(health()));
  app.get("/api/openapi.json", (c) => c.json(openApiDocument()));

  const guard = requireUser(services);
  app.use("/sync/*", guard);
  app.use("/api/*", async (c, next) => (isPublicApi(c.req.path) ? next() : guard(c, next)));
  app.use("/mcp", guard);

  app.route("/", publicAuthRoutes(services));
  app.route("/", publicRoutes(services));
  app.route("/", syncRoutes(services));
  app.route("/", sessionRoutes(services));
  app.route("/", statsRoutes(services));
  app.route("/", exportRoutes(services));
  app.route("/", accountRoutes(services));
  app.route("/", reindexRoutes(services));
  app.route("/", searchRoutes(services));
  app.route("/", contextRoutes(services));
  app.route("/", mcpRoutes(services));
  app.route(
    "/",
    eventRoutes(services, (close) => {
      streamClosers.add(close);
      return () => streamClosers.delete(close);
    }),
  );
  // Last: every GET no API route took is the web app's (its files, else index.html).
  app.route("/", webRoutes(services));

  app.notFound(noRoute);
  app.onError((err, c) => {
    if (err instanceof ApiError) {
      for (const [k, v] of Object.entries(err.headers ?? {})) c.header(k, v);
      return c.json(err.body(), err.status);
    }
    // Hono's own HTTP errors (e.g. a malformed URL) keep their status.
    const status = (err as { status?: number }).status;
    if (typeof status === "number" && status >= 400 && status < 500) {
      return c.json({ error: err.message || "bad request", code: "invalid_input" }, status as 400);
    }
    // The write lock stayed taken past the busy timeout (a background indexer's long write): a
    // transient state, not a fault. 503 + Retry-After makes clients retry; nothing was applied.
    if ((err as { code?: string }).code?.startsWith("SQLITE_BUSY")) {
      logger.warn({ method: c.req.method, route: c.req.path }, "database busy; answered 503");
      c.header("Retry-After", "1");
      return c.json({ error: "the database is busy; retry in a moment", code: "busy" }, 503);
    }
    logger.error({ err: { message: err.message, stack: err.stack }, method: c.req.method, route: c.req.path }, "unhandled error");
    return c.json({ error: "internal server error", code: "internal" }, 500);
  });

  return {
    app,
    services,
    apiLog,
    closeStreams: () => {
      for (const close of streamClosers) close();
    },
  };
}
