import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { Hono, type Context } from "hono";
import type { AppEnv, Services } from "../http/env.js";
import { VERSION } from "../version.js";
import { servicesBackend } from "./backend.js";
import { createOpenSyncMcpServer } from "./tools.js";

/** MCP requests are small JSON-RPC messages; a tool call never needs more. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * `/mcp`: the MCP tools over Streamable HTTP, for an agent on another machine. Stateless: each POST
 * gets a fresh server and transport bound to the caller (authenticated by the app's guard like
 * every /api route), answered as plain JSON. There is no server-initiated stream to hold open, so
 * GET and DELETE (session streams and session ends) answer 405, as the spec allows.
 */
const noOAuth = (c: Context) =>
  c.json({ error: "this server does not use OAuth: send an OpenSync API key as Authorization: Bearer osk_…", code: "not_found" }, 404);

export function mcpRoutes(s: Services) {
  const app = new Hono<AppEnv>();
  app.post("/mcp", async (c) => {
    const dashboardUrl = s.config.publicUrl ?? new URL(c.req.url).origin;
    const server = createOpenSyncMcpServer(servicesBackend(s, c.get("user").id), {
      dashboardUrl,
      version: VERSION,
      onInternalError: (err) => s.logger.error({ err: { message: (err as Error)?.message, stack: (err as Error)?.stack }, route: "/mcp" }, "MCP tool failed"),
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      maxRequestBodySize: MAX_BODY_BYTES,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw);
    } finally {
      // With JSON responses the answer is complete here; nothing outlives the request.
      await server.close();
    }
  });
  // MCP clients answered 401 look for OAuth metadata here. OpenSync takes API keys, not OAuth: say
  // so in JSON, rather than let the dashboard's page fallback answer these paths with HTML.
  app.get("/.well-known/:kind{oauth-protected-resource|oauth-authorization-server|openid-configuration}/*", noOAuth);
  app.get("/.well-known/:kind{oauth-protected-resource|oauth-authorization-server|openid-configuration}", noOAuth);
  app.on(["GET", "DELETE"], "/mcp", (c) =>
    c.json({ jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed: this server is stateless; POST JSON-RPC messages to /mcp" }, id: null }, 405, { allow: "POST" }),
  );
  return app;
}
