import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { OpenSyncError } from "@opensync/protocol";
import { describe, expect, test } from "vitest";
import { ApiError } from "../http/errors.js";
import { createOpenSyncMcpServer, TOOL_NAMES, type McpBackend, type McpServerOptions } from "./tools.js";

/** The tool definitions over a stub backend, through the SDK's own client (in memory). */
async function connect(backend: Partial<McpBackend>, options: Partial<McpServerOptions> = {}): Promise<Client> {
  const fail = () => Promise.reject(new Error("not stubbed"));
  const full = { search: fail, getSession: fail, context: fail, listSessions: fail, stats: fail, ...backend } as McpBackend;
  const server = createOpenSyncMcpServer(full, { dashboardUrl: "http://h", version: "1", ...options });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: "t", version: "1" });
  await client.connect(b);
  return client;
}
const text = (r: unknown) => ((r as CallToolResult).content[0] as { text: string }).text;

describe("MCP tools", () => {
  test("declares exactly TOOL_NAMES", async () => {
    const client = await connect({});
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual([...TOOL_NAMES]);
  });

  test("an unexpected server-side error is logged, and the agent only hears 'internal error'", async () => {
    const logged: unknown[] = [];
    const client = await connect({ stats: () => Promise.reject(new Error("SQLITE_CORRUPT in SELECT secret FROM users")) }, { onInternalError: (e) => logged.push(e) });
    const r = await client.callTool({ name: "usage_stats", arguments: {} });
    expect(r.isError).toBe(true);
    expect(text(r)).toBe("OpenSync error: internal error (logged on the server)");
    expect((logged[0] as Error).message).toContain("SQLITE_CORRUPT");
  });

  test("API errors keep their message on both sides: a 404 from the services, a 401 and a network failure from the client", async () => {
    const server = await connect({ getSession: () => Promise.reject(new ApiError(404, "not_found", "session not found")) }, { onInternalError: () => {} });
    expect(text(await server.callTool({ name: "get_session", arguments: { id: "x" } }))).toBe("Not found: session not found. Session ids come from search_sessions or list_recent_sessions.");
    const cli = await connect({
      listSessions: () => Promise.reject(new OpenSyncError("the API key is invalid or has been revoked", 401, "unauthorized")),
      search: () => Promise.reject(new OpenSyncError("cannot reach http://h: ECONNREFUSED", 0, "network_error")),
    });
    expect(text(await cli.callTool({ name: "list_recent_sessions", arguments: {} }))).toMatch(/^The OpenSync server refused the API key \(the API key is invalid or has been revoked\)\. /);
    expect(text(await cli.callTool({ name: "search_sessions", arguments: { query: "q" } }))).toBe("Cannot reach the OpenSync server: cannot reach http://h: ECONNREFUSED");
  });

  test("dates are turned into epoch ms before the backend sees them; tool defaults are applied", async () => {
    const seen: unknown[] = [];
    const client = await connect({
      search: (q) => {
        seen.push(q);
        return Promise.resolve({ type: "hybrid", results: [], total: 0, nextCursor: null, tookMs: 1 });
      },
    });
    const r = await client.callTool({ name: "search_sessions", arguments: { query: "retry", from: "2025-06-01", to: 1_750_000_000_000 } });
    expect(text(r)).toBe('No sessions match "retry" (hybrid search).');
    expect(seen).toEqual([{ q: "retry", type: "hybrid", limit: 10, source: undefined, project: undefined, from: Date.UTC(2025, 5, 1), to: 1_750_000_000_000 }]);
  });
});
