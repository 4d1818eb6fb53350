/**
 * How an agent gets the same context by itself: the MCP set-up for Claude Code and OpenCode, as
 * docs/mcp.md gives them, filled in with this server's address.
 */
export function mcpSnippets(origin: string): { id: string; title: string; language: string; code: string; note: string }[] {
  return [
    {
      id: "claude-local",
      title: "Claude Code (this machine)",
      language: "bash",
      code: "claude mcp add --scope user opensync -- opensync mcp",
      note: "Uses the server and key of `opensync login`.",
    },
    {
      id: "claude-http",
      title: "Claude Code (over HTTP)",
      language: "bash",
      code: `claude mcp add --scope user --transport http opensync ${origin}/mcp --header "Authorization: Bearer osk_…"`,
      note: "Replace osk_… with an API key from Settings.",
    },
    {
      id: "opencode",
      title: "OpenCode (opencode.json)",
      language: "json",
      code: JSON.stringify(
        {
          $schema: "https://opencode.ai/config.json",
          mcp: { opensync: { type: "remote", url: `${origin}/mcp`, headers: { Authorization: "Bearer {env:OPENSYNC_API_KEY}" }, enabled: true } },
        },
        null,
        2,
      ),
      note: "Set OPENSYNC_API_KEY in OpenCode's environment to an API key from Settings.",
    },
  ];
}
