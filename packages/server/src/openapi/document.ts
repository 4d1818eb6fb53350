import { z } from "zod";
import {
  blocksQuerySchema,
  changePasswordSchema,
  claimSchema,
  createKeySchema,
  credentialsSchema,
  apiLogQuerySchema,
  exportQuerySchema,
  messagePageQuerySchema,
  newAccountSchema,
  renameKeySchema,
  sessionListQuerySchema,
  shareSchema,
  statsQuerySchema,
  reindexBodySchema,
} from "@opensync/protocol";
import { VERSION } from "../version.js";

/** One route of the Hono app as the API reference describes it. */
export interface RouteDoc {
  method: "get" | "post" | "patch" | "delete";
  /** OpenAPI path (`{id}`), the same as the Hono pattern (`:id`) otherwise. */
  path: string;
  summary: string;
  /** none: open; key: API key, cookie or trusted header; owner: the owner only. */
  auth: "none" | "user" | "owner";
  query?: z.ZodType;
  body?: z.ZodType;
}

/**
 * Every route of the server, with the zod schemas it validates its query and body with (the same
 * objects the routes import from @opensync/protocol). Routes that validate their input elsewhere
 * (the sync service, search) name it in the summary. packages/server/src/openapi/document.test.ts
 * fails when a route of the app is missing here or this lists one the app does not have.
 */
export const ROUTES: RouteDoc[] = [
  { method: "get", path: "/health", summary: "Health (compat)", auth: "none" },
  { method: "get", path: "/api/health", summary: "Health", auth: "none" },
  { method: "get", path: "/api/openapi.json", summary: "This OpenAPI 3.1 document", auth: "none" },
  { method: "post", path: "/sync/session", summary: "Upsert a session (PROTOCOL.md sessionInput)", auth: "user" },
  { method: "post", path: "/sync/message", summary: "Upsert a message (PROTOCOL.md messageInput)", auth: "user" },
  { method: "post", path: "/sync/batch", summary: "Upsert sessions and messages; bad items reported by index", auth: "user" },
  { method: "get", path: "/sync/sessions/list", summary: "External ids of the caller's sessions", auth: "user" },
  { method: "get", path: "/api/sessions", summary: "Sessions, keyset-paged and filtered", auth: "user", query: sessionListQuerySchema },
  { method: "get", path: "/api/sessions/get", summary: "One session with all its messages (?id=)", auth: "user" },
  { method: "get", path: "/api/sessions/{id}", summary: "One session with all its messages", auth: "user" },
  { method: "delete", path: "/api/sessions/{id}", summary: "Delete a session", auth: "user" },
  { method: "get", path: "/api/sessions/{id}/messages", summary: "A page of the session's messages (cursor or around a message)", auth: "user", query: messagePageQuerySchema },
  { method: "get", path: "/api/sessions/{id}/timeline", summary: "Per-message role, time, tokens, cost, tool calls, errors", auth: "user" },
  { method: "post", path: "/api/sessions/{id}/share", summary: "Share the session at /s/<slug>, or stop", auth: "user", body: shareSchema },
  { method: "get", path: "/api/public/{slug}", summary: "A shared session without owner details, first page", auth: "none", query: messagePageQuerySchema },
  { method: "get", path: "/api/public/{slug}/messages", summary: "A page of a shared session's messages", auth: "none", query: messagePageQuerySchema },
  { method: "get", path: "/api/public/{slug}/timeline", summary: "A shared session's timeline", auth: "none" },
  { method: "get", path: "/api/stats", summary: "Usage totals, by model and source, optionally grouped", auth: "user", query: statsQuerySchema },
  { method: "get", path: "/api/stats/blocks", summary: "5-hour usage blocks with burn rate (ccusage's blocks)", auth: "user", query: blocksQuerySchema },
  { method: "get", path: "/api/export", summary: "A session (json, markdown, jsonl) or all sessions (csv) as a download", auth: "user", query: exportQuerySchema },
  { method: "get", path: "/api/events", summary: "Server-Sent Events of the caller's session changes", auth: "user" },
  { method: "get", path: "/api/search", summary: "Full-text, semantic or hybrid search (see docs/api.md): {type, results, total, totalIsEstimate?, nextCursor, degraded?, tookMs}; totalIsEstimate: total is a lower bound (over 2,000 full-text matches; over 500 for a quoted phrase)", auth: "user" },
  { method: "post", path: "/search", summary: "Search (PROTOCOL.md body)", auth: "user" },
  { method: "get", path: "/api/search/status", summary: "Search and embeddings status", auth: "user" },
  { method: "get", path: "/api/context", summary: "Relevant excerpts of past sessions for an LLM", auth: "user" },
  { method: "post", path: "/mcp", summary: "MCP over Streamable HTTP (JSON-RPC; the tools of `opensync mcp`)", auth: "user" },
  { method: "get", path: "/mcp", summary: "MCP: no server-initiated stream (405)", auth: "user" },
  { method: "delete", path: "/mcp", summary: "MCP: no session to end (405)", auth: "user" },
  { method: "get", path: "/.well-known/{kind}", summary: "OAuth discovery for MCP clients: answers that none is offered (API keys only)", auth: "none" },
  { method: "post", path: "/api/auth/login", summary: "Sign in with email and password (sets the cookie)", auth: "none", body: credentialsSchema },
  { method: "post", path: "/api/auth/logout", summary: "Sign out", auth: "none" },
  { method: "post", path: "/api/auth/signup", summary: "Create an account when sign-up is open", auth: "none", body: newAccountSchema },
  { method: "post", path: "/api/auth/claim", summary: "Create the owner with the one-time claim link's token", auth: "none", body: claimSchema },
  { method: "get", path: "/api/auth/status", summary: "Owner exists, sign-up open, trusted header on", auth: "none" },
  { method: "get", path: "/api/me", summary: "The caller's account and how they authenticated", auth: "user" },
  { method: "delete", path: "/api/me", summary: "Delete my account and everything in it", auth: "user" },
  { method: "delete", path: "/api/me/data", summary: "Delete all my sessions", auth: "user" },
  { method: "get", path: "/api/me/logs", summary: "My recent API requests, with the key of each", auth: "user", query: apiLogQuerySchema },
  { method: "post", path: "/api/me/password", summary: "Set or change my password", auth: "user", body: changePasswordSchema },
  { method: "post", path: "/api/keys", summary: "Create an API key (shown once)", auth: "user", body: createKeySchema },
  { method: "get", path: "/api/keys", summary: "My API keys with their last use", auth: "user" },
  { method: "patch", path: "/api/keys/{id}", summary: "Rename an API key", auth: "user", body: renameKeySchema },
  { method: "delete", path: "/api/keys/{id}", summary: "Revoke an API key", auth: "user" },
  { method: "get", path: "/api/admin/users", summary: "Every account", auth: "owner" },
  { method: "post", path: "/api/admin/users", summary: "Create a member account", auth: "owner", body: newAccountSchema },
  { method: "delete", path: "/api/admin/users/{id}", summary: "Delete an account and everything it owns", auth: "owner" },
  { method: "post", path: "/api/admin/reindex", summary: "Queue a full-text rebuild and/or re-embedding (progress: /api/search/status)", auth: "owner", body: reindexBodySchema },
];

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;

/** Query parameters from an object schema's JSON Schema (what the route parses with). */
function queryParameters(schema: z.ZodType) {
  const json = jsonSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({ name, in: "query", required: json.required?.includes(name) ?? false, schema: s }));
}

/** The OpenAPI 3.1 document of ROUTES, built once per process. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: "path", required: true, schema: { type: "string" } }));
    paths[r.path] ??= {};
    paths[r.path][r.method] = {
      summary: r.summary,
      ...(r.auth === "none" ? { security: [] } : {}),
      ...(r.auth === "owner" ? { description: "Only the owner of the server." } : {}),
      parameters: [...params, ...(r.query ? queryParameters(r.query) : [])],
      ...(r.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(r.body) } } } } : {}),
      responses: {
        "200": { description: "Success (201 for a creation); see docs/api.md for the body" },
        default: { description: "An error", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "OpenSync API", version: VERSION, description: "Generated from the zod schemas the routes validate with. Reference: docs/api.md." },
    security: [{ apiKey: [] }, { cookie: [] }],
    components: {
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "An API key (osk_...)" },
        cookie: { type: "apiKey", in: "cookie", name: "opensync_session" },
      },
      schemas: {
        Error: { type: "object", required: ["error", "code"], properties: { error: { type: "string" }, code: { type: "string" }, details: {} } },
      },
    },
    paths,
  };
}
