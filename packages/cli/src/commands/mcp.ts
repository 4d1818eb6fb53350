import type { Command } from "commander";
import { loadCredentials } from "@opensync/collectors";
import { OpenSyncClient } from "@opensync/protocol/client";
import { CliError, EXIT } from "../output.js";

/**
 * `opensync mcp`: OpenSync's MCP tools over stdio for a local agent (Claude Code, OpenCode, Codex),
 * calling the configured server with the typed client and the configured API key. stdout carries
 * the protocol and nothing else; anything for a human goes to stderr.
 */
export function registerMcp(program: Command): void {
  program
    .command("mcp")
    .description("run an MCP server over stdio (search_sessions, get_session, get_context, list_recent_sessions, usage_stats) for coding agents")
    .addHelpText(
      "after",
      "\nUses the credentials of `opensync login` (or OPENSYNC_URL / OPENSYNC_API_KEY).\n" +
        "Examples:\n  claude mcp add opensync -- opensync mcp\n  (OpenCode, Codex: see docs/mcp.md)",
    )
    .action(async () => {
      const creds = loadCredentials();
      if (!creds.serverUrl || !creds.apiKey) {
        throw new CliError("not logged in: run `opensync login`, or set OPENSYNC_URL and OPENSYNC_API_KEY", EXIT.notConfigured);
      }
      // Loaded here, not at the top: no other command pays for the SDK.
      const [{ StdioServerTransport }, { createOpenSyncMcpServer }] = await Promise.all([
        import("@modelcontextprotocol/sdk/server/stdio.js"),
        import("@opensync/server/mcp/tools"),
      ]);
      // The client's default timeout (60 s): a first semantic query may wait for the embedding model.
      const client = new OpenSyncClient({ baseUrl: creds.serverUrl, apiKey: creds.apiKey });
      const server = createOpenSyncMcpServer(client, { dashboardUrl: client.baseUrl, version: program.version() ?? "0.0.0" });
      const transport = new StdioServerTransport();
      const closed = new Promise<void>((resolve) => (server.server.onclose = resolve));
      await server.connect(transport);
      process.stderr.write(`opensync mcp: serving ${client.baseUrl} over stdio\n`);
      // The agent closing our stdin ends the session.
      process.stdin.once("end", () => void server.close());
      await closed;
    });
}
