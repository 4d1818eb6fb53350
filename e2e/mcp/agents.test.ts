import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CLI, startServer, type ServerProcess } from "../harness/server-process.js";
import { CLAUDE_BIN, claudeEnv, haveClaude, haveOpencode, makeUser, OPENCODE_BIN, opencodeConfig, opencodeEnv, runAs, type User } from "../agents/support.js";
import { startMockLlm, type MockLlm } from "../mock-llm/server.js";
import { BOB_SECRET, seed, SHARED_WORD, waitForSearchable, type Seeded } from "./seed.js";
import { MCP_FINAL_ANSWER, MCP_PROMPT_MARKER, toolCallingHandler } from "./tool-calling-llm.js";

/**
 * The real agents (pinned devDependencies) with OpenSync's MCP server configured the way
 * docs/mcp.md says: their own `mcp list` health checks connect to both transports, and OpenCode,
 * driven offline by a scripted model, calls `search_sessions` and reads our answer.
 */

let server: ServerProcess;
let key: string;
const users: User[] = [];

beforeAll(async () => {
  server = await startServer();
  key = await server.createKey("agent@example.com", "agent");
});
afterAll(async () => {
  await server?.cleanup();
  for (const u of users) u.cleanup();
});

describe.skipIf(!haveClaude && !process.env.CI)("Claude Code `claude mcp add` / `claude mcp list`", () => {
  test("stdio and HTTP connect; a wrong key is reported as a refused Authorization header", async () => {
    const user = makeUser("mcp-claude");
    users.push(user);
    // Nothing here talks to a model; the base URL only keeps Claude Code off the network.
    const env = claudeEnv("http://127.0.0.1:9");
    const add = (args: string[]) => runAs(user, CLAUDE_BIN, ["mcp", "add", "--scope", "user", ...args], { env, timeoutMs: 60_000 });
    for (const args of [
      ["opensync", "-e", `OPENSYNC_URL=${server.url}`, "-e", `OPENSYNC_API_KEY=${key}`, "--", process.execPath, CLI, "mcp"],
      ["--transport", "http", "opensync-team", `${server.url}/mcp`, "--header", `Authorization: Bearer ${key}`],
      ["--transport", "http", "opensync-bad-key", `${server.url}/mcp`, "--header", "Authorization: Bearer osk_wrong"],
    ]) {
      const r = await add(args);
      expect(r.code, r.stderr).toBe(0);
    }
    const list = await runAs(user, CLAUDE_BIN, ["mcp", "list"], { env, timeoutMs: 90_000 });
    expect(list.stdout).toMatch(/^opensync: .* - ✔ Connected$/m);
    expect(list.stdout).toMatch(/^opensync-team: .*\/mcp \(HTTP\) - ✔ Connected$/m);
    expect(list.stdout).toMatch(/^opensync-bad-key: .*HTTP 401.*the API key is invalid or has been revoked/m);
  });
});

describe.skipIf(!haveOpencode && !process.env.CI)("OpenCode `mcp` in opencode.json / `opencode mcp list`", () => {
  test("a local (stdio) and a remote (HTTP, key from the environment) server connect", async () => {
    const user = makeUser("mcp-opencode");
    users.push(user);
    writeFileSync(
      join(user.project, "opencode.json"),
      JSON.stringify({
        $schema: "https://opencode.ai/config.json",
        mcp: {
          opensync: { type: "local", command: [process.execPath, CLI, "mcp"], environment: { OPENSYNC_URL: server.url, OPENSYNC_API_KEY: key }, enabled: true },
          "opensync-team": { type: "remote", url: `${server.url}/mcp`, headers: { Authorization: "Bearer {env:TEAM_KEY}" }, enabled: true },
        },
      }),
    );
    const list = await runAs(user, OPENCODE_BIN, ["mcp", "list"], { cwd: user.project, env: { ...opencodeEnv(), TEAM_KEY: key }, timeoutMs: 90_000 });
    const plain = list.stdout.replace(/\x1b\[[0-9;]*m/g, "");
    expect(plain, list.stderr).toMatch(/✓ opensync\s+connected/);
    expect(plain).toMatch(/✓ opensync-team\s+connected/);
  });
});

describe.skipIf(!haveOpencode && !process.env.CI)("OpenCode calls search_sessions through MCP (real binary, offline)", () => {
  let mock: MockLlm;
  let ids: Seeded;
  let bobKey: string;
  beforeAll(async () => {
    bobKey = await server.createKey("bob@example.com", "bob");
    ids = await seed(server.client(key), server.client(bobKey));
    await waitForSearchable(server.client(key), SHARED_WORD);
    mock = await startMockLlm({ "/v1": toolCallingHandler("search_sessions", { query: SHARED_WORD, type: "fulltext" }) });
  });
  afterAll(() => mock?.close());

  const servers: Array<[string, () => Record<string, unknown>]> = [
    ["stdio (opensync mcp)", () => ({ type: "local", command: [process.execPath, CLI, "mcp"], environment: { OPENSYNC_URL: server.url, OPENSYNC_API_KEY: key } })],
    ["Streamable HTTP (/mcp)", () => ({ type: "remote", url: `${server.url}/mcp`, headers: { Authorization: `Bearer ${key}` } })],
  ];
  test.each(servers)("over %s: the tool's cited answer reaches the model", async (_name, mcpServer) => {
    const user = makeUser("mcp-opencode-run");
    users.push(user);
    const dir = join(user.env.XDG_CONFIG_HOME!, "opencode");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "opencode.json"), opencodeConfig(mock.url, { mcp: { opensync: { ...mcpServer(), enabled: true } } }));
    const before = mock.requests.length;
    const run = await runAs(user, OPENCODE_BIN, ["run", `${MCP_PROMPT_MARKER}: how did we fix the retry backoff?`], { cwd: user.project, env: opencodeEnv(), timeoutMs: 120_000 });
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    expect(run.stdout).toContain(MCP_FINAL_ANSWER);

    // The model's next request carries the tool result OpenCode got from our MCP server.
    const toolMessages = mock.requests.slice(before).flatMap((r) => ((r.body as { messages?: Array<{ role: string; content?: unknown }> })?.messages ?? []).filter((m) => m.role === "tool"));
    expect(toolMessages.length).toBeGreaterThan(0);
    const result = JSON.stringify(toolMessages[toolMessages.length - 1].content);
    expect(result).toContain("1. Fix the uploader retry backoff");
    expect(result).toContain(`**${SHARED_WORD}**`);
    expect(result).toContain(`${server.url}/sessions/${ids.alice.retry}#m-`);
    expect(result).not.toContain(BOB_SECRET);
  });
});
