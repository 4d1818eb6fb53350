import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CLI, startServer, type ServerProcess } from "../harness/server-process.js";
import { CLAUDE_BIN, claudeEnv, haveClaude, haveOpencode, makeUser, OPENCODE_BIN, opencodeEnv, runAs, type User } from "../agents/support.js";

/**
 * The real agents (pinned devDependencies) connect to both transports configured the way
 * docs/mcp.md says: their own `mcp list` health checks initialize a session and list the tools.
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
