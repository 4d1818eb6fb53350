import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCli } from "../harness/cli-process.js";
import { CLI, REPO_ROOT, startServer, type ServerProcess } from "../harness/server-process.js";
import { BOB_SECRET, LONG_OUTPUT, seed, SHARED_WORD, waitForSearchable, type Seeded } from "./seed.js";

/**
 * `opensync mcp` (stdio, spawned as a real process) and `/mcp` on the server (Streamable HTTP),
 * driven by the MCP SDK's own client: the same five tools on both, every tool called, and no
 * answer ever carrying another user's text.
 */

const TOOLS = ["get_context", "get_session", "list_recent_sessions", "search_sessions", "usage_stats"];

let server: ServerProcess;
let aliceKey: string;
let bobKey: string;
let ids: Seeded;
let home: string;
const clients: Client[] = [];

/** The environment `opensync mcp` runs in: an empty home, the server and key in OPENSYNC_*. */
function cliEnv(key: string | undefined): Record<string, string> {
  const env: Record<string, string> = { HOME: home, OPENSYNC_HOME: join(home, ".opensync") };
  if (key) Object.assign(env, { OPENSYNC_URL: server.url, OPENSYNC_API_KEY: key });
  return env;
}

async function connectStdio(key: string): Promise<Client> {
  const client = new Client({ name: "e2e", version: "1" });
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, "mcp"], cwd: REPO_ROOT, env: cliEnv(key), stderr: "pipe" });
  // Anything but protocol on the server's stdout breaks the stream: the client reports it here.
  transport.onerror = (err) => stdoutErrors.push(err);
  await client.connect(transport);
  clients.push(client);
  return client;
}
const stdoutErrors: Error[] = [];

async function connectHttp(key: string | undefined): Promise<Client> {
  const client = new Client({ name: "e2e", version: "1" });
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers } }));
  clients.push(client);
  return client;
}

const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult & { text: string }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  return { ...result, text: textOf(result) };
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "opensync-mcp-home-"));
  server = await startServer();
  [aliceKey, bobKey] = await Promise.all([server.createKey("alice@example.com", "a"), server.createKey("bob@example.com", "b")]);
  ids = await seed(server.client(aliceKey), server.client(bobKey));
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await server?.cleanup();
  await rm(home, { recursive: true, force: true });
});

const transports: Array<[string, (key: string) => Promise<Client>]> = [
  ["stdio (opensync mcp)", connectStdio],
  ["Streamable HTTP (/mcp)", connectHttp],
];

describe.each(transports)("MCP over %s", (_name, connect) => {
  let alice: Client;
  beforeAll(async () => {
    alice = await connect(aliceKey);
  });

  test("lists the five tools, each with a description and an input schema", async () => {
    const { tools } = await alice.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
    for (const tool of tools) {
      expect(tool.description!.length).toBeGreaterThan(40);
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.annotations?.readOnlyHint).toBe(true);
    }
    const search = tools.find((t) => t.name === "search_sessions")!;
    expect(search.inputSchema.required).toEqual(["query"]);
    expect(Object.keys(search.inputSchema.properties!).sort()).toEqual(["from", "limit", "project", "query", "source", "to", "type"]);
    expect(tools.find((t) => t.name === "get_session")!.inputSchema.required).toEqual(["id"]);
  });

  test("list_recent_sessions: the caller's sessions, newest first, with links; filtered by source", async () => {
    const all = await call(alice, "list_recent_sessions");
    expect(all.isError).toBeFalsy();
    expect(all.text.indexOf("Plan the warehouse database migration")).toBeGreaterThan(-1);
    expect(all.text.indexOf("Plan the warehouse database migration")).toBeLessThan(all.text.indexOf("Fix the uploader retry backoff"));
    expect(all.text).toContain(`${server.url}/sessions/${ids.alice.retry}`);
    expect(all.text).not.toContain("Bob's private ledger");
    const structured = all.structuredContent as { sessions: Array<{ id: string; source: string }> };
    expect(structured.sessions.map((s) => s.id)).toEqual([ids.alice.migration, ids.alice.retry]);

    const opencode = await call(alice, "list_recent_sessions", { source: "opencode", limit: 5 });
    expect((opencode.structuredContent as typeof structured).sessions.map((s) => s.id)).toEqual([ids.alice.migration]);
  });

  test("get_session: header and messages as text, tool output cut, paging by offset", async () => {
    const whole = await call(alice, "get_session", { id: ids.alice.retry });
    expect(whole.isError).toBeFalsy();
    expect(whole.text).toContain("# Fix the uploader retry backoff");
    expect(whole.text).toContain("claude-code · claude-sonnet-4-5");
    expect(whole.text).toContain(`${server.url}/sessions/${ids.alice.retry}`);
    expect(whole.text).toContain(`Why does the uploader retry forever when the server answers 503? ${SHARED_WORD}`);
    expect(whole.text).toContain('→ tool call Bash {"command":"grep -rn backoff src"}');
    expect(whole.text).toContain("← tool output: retry.ts:12: backoff *= 2");
    expect(whole.text).toContain(`[cut: ${LONG_OUTPUT.length - 1500} more characters]`);
    expect(whole.text).not.toContain("END-OF-OUTPUT");
    expect(whole.text).toContain("Messages 1–3 of 3.");
    expect(whole.structuredContent).toMatchObject({ offset: 0, returned: 3, nextOffset: null, session: { id: ids.alice.retry, externalId: "alice-retry" } });

    const first = await call(alice, "get_session", { id: "alice-retry", maxMessages: 2 });
    expect(first.text).toContain("Messages 1–2 of 3.");
    expect(first.text).toContain(`More: call get_session with {"id": "${ids.alice.retry}", "offset": 2}.`);
    expect(first.text).not.toContain("Thanks, that fixed it.");
    expect(first.structuredContent).toMatchObject({ returned: 2, nextOffset: 2 });
    const rest = await call(alice, "get_session", { id: ids.alice.retry, offset: 2 });
    expect(rest.text).toContain("[#2 user");
    expect(rest.text).toContain("Thanks, that fixed it.");
    expect(rest.text).not.toContain("Why does the uploader");
  });

  test("get_session of another user's session is a not-found tool error, like a missing one", async () => {
    for (const id of [ids.bob.notes, "bob-notes", "no-such-session"]) {
      const r = await call(alice, "get_session", { id });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/^Not found: session not found\. Session ids come from search_sessions or list_recent_sessions\.$/);
    }
  });

  test("usage_stats: the caller's totals, per model and source, grouped on request", async () => {
    const r = await call(alice, "usage_stats", { groupBy: "source" });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ sessionCount: 2, messageCount: 5, promptTokens: 2000, completionTokens: 500 });
    expect((r.structuredContent as { totalCost: number }).totalCost).toBeCloseTo(0.07, 6);
    const groups = (r.structuredContent as { groups: Array<{ key: string; sessionCount: number }> }).groups;
    expect(groups.map((g) => [g.key, g.sessionCount]).sort()).toEqual([["claude-code", 1], ["opencode", 1]]);
    expect(r.text).toContain("2 sessions, 5 messages");
    expect(r.text).toContain("by source:");

    const ranged = await call(alice, "usage_stats", { from: "2025-06-03", to: "2025-06-04" });
    expect(ranged.structuredContent).toMatchObject({ sessionCount: 1 });
  });

  test("bad input is a tool error naming the field", async () => {
    const badDate = await call(alice, "usage_stats", { from: "not a date" });
    expect(badDate.isError).toBe(true);
    expect(badDate.text).toMatch(/^Invalid input: from: /);
    const badLimit = await call(alice, "get_session", { id: ids.alice.retry, maxMessages: 0 });
    expect(badLimit.isError).toBe(true);
    expect(badLimit.text).toContain("maxMessages");
  });

  test("search_sessions: cited hits (session, message, snippet with the match, link), only the caller's", async () => {
    await waitForSearchable(server.client(aliceKey), SHARED_WORD);
    const r = await call(alice, "search_sessions", { query: SHARED_WORD, type: "fulltext" });
    expect(r.isError).toBeFalsy();
    const results = (r.structuredContent as { results: Array<{ sessionId: string; messageId: string | null; snippet: string; url: string; title: string }> }).results;
    expect(results.map((x) => x.sessionId)).toEqual([ids.alice.retry]);
    expect(results[0].title).toBe("Fix the uploader retry backoff");
    expect(results[0].snippet).toContain(`**${SHARED_WORD}**`);
    expect(results[0].messageId).toBeTruthy();
    expect(results[0].url).toBe(`${server.url}/sessions/${ids.alice.retry}#m-${results[0].messageId}`);
    expect(r.text).toContain("1. Fix the uploader retry backoff");
    expect(r.text).toContain(`session: ${ids.alice.retry} · message: ${results[0].messageId}`);
    expect(r.text).not.toContain(BOB_SECRET);

    // The default type (hybrid), words found by meaning or text alike; a degraded server says so.
    const hybrid = await call(alice, "search_sessions", { query: "uploader retry backoff" });
    expect(hybrid.isError).toBeFalsy();
    const hybridResults = hybrid.structuredContent as { type: string; degraded?: string; results: Array<{ sessionId: string }> };
    expect(hybridResults.type).toBe("hybrid");
    expect(hybridResults.results.map((x) => x.sessionId)).toContain(ids.alice.retry);
    expect(hybridResults.results.map((x) => x.sessionId)).not.toContain(ids.bob.notes);
    if (hybridResults.degraded) expect(hybrid.text.split("\n")[0]).toBe(`Note: the server could not serve hybrid search fully (${hybridResults.degraded}).`);

    const ids_ = (r: CallToolResult) => (r.structuredContent as { results: Array<{ sessionId: string }> }).results.map((x) => x.sessionId);
    expect(ids_(await call(alice, "search_sessions", { query: SHARED_WORD, type: "fulltext", source: "claude" }))).toEqual([ids.alice.retry]);
    expect(ids_(await call(alice, "search_sessions", { query: SHARED_WORD, type: "fulltext", source: "opencode" }))).toEqual([]);
    expect(ids_(await call(alice, "search_sessions", { query: SHARED_WORD, type: "fulltext", from: "2025-06-03" }))).toEqual([]);

    const none = await call(alice, "search_sessions", { query: BOB_SECRET, type: "fulltext" });
    expect(none.isError).toBeFalsy();
    expect((none.structuredContent as { results: unknown[] }).results).toEqual([]);
    expect(none.text).not.toContain("Bob");
  });

  test("get_context: relevant excerpts with their sources, never another user's text", async () => {
    await waitForSearchable(server.client(aliceKey), SHARED_WORD);
    const r = await call(alice, "get_context", { query: "uploader retry backoff", maxTokens: 1000 });
    expect(r.isError).toBeFalsy();
    expect(r.text).toContain("backoff");
    expect(r.text).toContain(`${server.url}/sessions/${ids.alice.retry}`);
    expect(r.text).not.toContain(BOB_SECRET);
    const structured = r.structuredContent as { sources: Array<{ sessionId: string }>; tokenCount: number; maxTokens: number };
    expect(structured.sources.map((s) => s.sessionId)).toContain(ids.alice.retry);
    expect(structured.sources.map((s) => s.sessionId)).not.toContain(ids.bob.notes);
    expect(structured.tokenCount).toBeLessThanOrEqual(1000);
  });
});

describe("both transports", () => {
  test("serve the same tool names, descriptions and schemas", async () => {
    const [stdio, http] = await Promise.all([connectStdio(aliceKey), connectHttp(aliceKey)]);
    expect((await http.listTools()).tools).toEqual((await stdio.listTools()).tools);
  });

  test("stdio: nothing but protocol on stdout", () => {
    expect(stdoutErrors).toEqual([]);
  });

  test("/mcp calls appear in the caller's API request log", async () => {
    const client = await connectHttp(aliceKey);
    await call(client, "usage_stats");
    const { logs } = await server.client(aliceKey).myLogs(50);
    expect(logs.some((l) => l.method === "POST" && l.endpoint === "/mcp" && l.status === 200)).toBe(true);
  });

  test("a second user sees only their own sessions, stats and hits", async () => {
    const bob = await connectHttp(bobKey);
    const recent = await call(bob, "list_recent_sessions");
    expect((recent.structuredContent as { sessions: Array<{ id: string }> }).sessions.map((s) => s.id)).toEqual([ids.bob.notes]);
    expect(recent.text).not.toContain("Fix the uploader retry backoff");
    expect((await call(bob, "usage_stats")).structuredContent).toMatchObject({ sessionCount: 1, messageCount: 1 });
    const aliceSession = await call(bob, "get_session", { id: ids.alice.retry });
    expect(aliceSession.isError).toBe(true);
    expect(aliceSession.text).not.toContain("Why does the uploader");
    await waitForSearchable(server.client(bobKey), SHARED_WORD);
    const hits = await call(bob, "search_sessions", { query: SHARED_WORD, type: "fulltext" });
    expect((hits.structuredContent as { results: Array<{ sessionId: string }> }).results.map((x) => x.sessionId)).toEqual([ids.bob.notes]);
    expect(hits.text).not.toContain("Why does the uploader");
    expect(hits.text).not.toContain("Fix the uploader retry backoff");
    const context = await call(bob, "get_context", { query: "uploader retry backoff migration" });
    expect(context.isError).toBeFalsy();
    expect(context.text).toContain(BOB_SECRET);
    for (const alices of ["Why does the uploader", "exponential backoff never caps", "partitioned storage"]) expect(context.text).not.toContain(alices);
  });
});

describe("authentication", () => {
  test("/mcp without a key or with a wrong key is refused (401) before any tool runs", async () => {
    for (const key of [undefined, "osk_not_a_real_key"]) {
      await expect(connectHttp(key)).rejects.toThrow(/401|unauthorized|invalid or has been revoked|authentication required/i);
    }
    const raw = await server.request("/mcp", { method: "POST", key: "osk_wrong", headers: { accept: "application/json, text/event-stream" }, body: { jsonrpc: "2.0", id: 1, method: "tools/list" } });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({ code: "unauthorized" });
    // Clients refused with 401 look for OAuth metadata: a JSON "not here", never the dashboard's HTML.
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource", "/.well-known/oauth-authorization-server"]) {
      const res = await server.request(path);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toMatchObject({ code: "not_found", error: expect.stringContaining("Authorization: Bearer osk_") });
    }
    expect((await server.request("/mcp", { key: aliceKey })).status).toBe(405);
  });

  test("opensync mcp with a refused key: tools answer a clear auth error", async () => {
    const client = await connectStdio("osk_not_a_real_key");
    const r = await call(client, "list_recent_sessions");
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/^The OpenSync server refused the API key \(the API key is invalid or has been revoked\)/);
  });

  test("opensync mcp without credentials exits 3 with a message on stderr and nothing on stdout", async () => {
    const env = { ...process.env, ...cliEnv(undefined) } as NodeJS.ProcessEnv;
    for (const k of Object.keys(env)) if (k.startsWith("OPENSYNC_") && k !== "OPENSYNC_HOME") delete env[k];
    const r = await runCli(["mcp"], env, { timeoutMs: 20_000 });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("not logged in");
  });
});
