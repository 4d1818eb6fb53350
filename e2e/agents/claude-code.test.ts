import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionDetailResponse } from "@opensync/protocol";
import { anthropicHandler } from "../mock-llm/anthropic.js";
import { SCRIPTED_COMMAND, SCRIPTED_FINAL_ANSWER, startMockLlm, type MockLlm } from "../mock-llm/server.js";
import { CLI, REPO_ROOT, startServer, type ServerProcess } from "../harness/server-process.js";
import { haveGitHttpBackend, makeRepo, serveGit } from "./git-http.js";
import { CCUSAGE_BIN, CLAUDE_BIN, claudeEnv, haveClaude, makeUser, opensync, quiesce, readJsonl, runAs, waitFor, waitForSession, type User } from "./support.js";

/**
 * The real Claude Code (npm @anthropic-ai/claude-code, pinned) against the mock Anthropic API, with
 * OpenSync installed the way a user installs it, and a real `opensync serve` process. Everything
 * is checked through the read API against Claude Code's own transcript.
 */

const PROMPT = "Please run the opensync-e2e marker command and tell me what it printed.";

function transcripts(user: User): string[] {
  const projects = join(user.home, ".claude", "projects");
  if (!existsSync(projects)) return [];
  return readdirSync(projects).flatMap((d) => readdirSync(join(projects, d)).filter((f) => f.endsWith(".jsonl")).map((f) => join(projects, d, f)));
}

/**
 * Usage as the provider bills it: one usage per API response (message.id + requestId), the one on
 * its LAST line (output_tokens grows while a response streams). `first` is ccusage's rule (the first
 * line of each response), only to explain how ccusage's totals differ.
 */
function recordedUsage(path: string, rule: "last" | "first" = "last") {
  const byResponse = new Map<string, { input_tokens?: number; output_tokens?: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number }>();
  for (const line of readJsonl(path)) {
    const usage = line.message?.usage;
    if (line.type !== "assistant" || !usage || line.message.model === "<synthetic>") continue;
    const key = `${line.message.id}:${line.requestId}`;
    if (rule === "first" && byResponse.has(key)) continue;
    byResponse.set(key, usage);
  }
  const t = { promptTokens: 0, completionTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  for (const usage of byResponse.values()) {
    t.promptTokens += usage.input_tokens ?? 0;
    t.completionTokens += usage.output_tokens ?? 0;
    t.cacheReadTokens += usage.cache_read_input_tokens ?? 0;
    t.cacheWriteTokens += usage.cache_creation_input_tokens ?? 0;
  }
  return t;
}

async function ccusageTotals(user: User) {
  const r = await runAs(user, CCUSAGE_BIN, ["session", "--json", "--offline"], { env: { CLAUDE_CONFIG_DIR: join(user.home, ".claude") } });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).totals as { inputTokens: number; outputTokens: number; cacheCreationTokens: number; cacheReadTokens: number };
}

async function runClaude(user: User, prompt: string, mock: MockLlm, env: NodeJS.ProcessEnv = {}) {
  const r = await runAs(user, CLAUDE_BIN, ["-p", prompt, "--dangerously-skip-permissions"], { cwd: user.project, env: { ...claudeEnv(mock.url), ...env }, timeoutMs: 90_000 });
  expect(r.code, `claude failed: ${r.stderr}`).toBe(0);
  return { ...r, exitedAt: performance.now() };
}

const partTypes = (m: SessionDetailResponse["messages"][number]) => m.parts.map((p) => p.type);
const hookLog = (user: User) => {
  const file = join(user.home, ".opensync", "logs", "hook.log");
  return existsSync(file) ? readFileSync(file, "utf8") : "";
};

describe.skipIf(!haveClaude && !process.env.CI)("Claude Code with OpenSync (real binary, offline)", () => {
  let server: ServerProcess;
  let key: string;
  let mock: MockLlm;
  const users: User[] = [];

  beforeAll(async () => {
    [server, mock] = await Promise.all([startServer(), startMockLlm({ "/v1/messages": anthropicHandler })]);
    key = await server.createKey("claude@example.com", "claude-e2e");
  });
  afterAll(async () => {
    await Promise.all(users.map(quiesce));
    await Promise.all([server?.cleanup(), mock?.close()]);
    for (const u of users) u.cleanup();
  });

  async function loggedInUser(label: string): Promise<User> {
    const user = makeUser(label);
    users.push(user);
    const login = await opensync(user, ["login", "--url", server.url, "--key", key]);
    expect(login.code, login.stderr + login.stdout).toBe(0);
    return user;
  }

  it("hooks from `opensync setup claude-code` deliver the session within seconds, exactly as Claude Code recorded it", async () => {
    const user = await loggedInUser("claude-hooks");
    const setup = await opensync(user, ["setup", "claude-code"]);
    expect(setup.code, setup.stderr).toBe(0);
    const settings = JSON.parse(readFileSync(join(user.home, ".claude", "settings.json"), "utf8"));
    expect(Object.keys(settings.hooks).sort()).toEqual(["PostToolUse", "SessionEnd", "SessionStart", "Stop", "UserPromptSubmit"]);

    const run = await runClaude(user, PROMPT, mock);
    expect(run.stdout).toContain(SCRIPTED_FINAL_ANSWER);
    const [transcript] = transcripts(user);
    const sessionId = readJsonl(transcript).find((l) => l.sessionId)!.sessionId as string;

    const client = server.client(key);
    const { value: detail } = await waitForSession(client, sessionId, 4, 10_000);
    const visibleAfterMs = performance.now() - run.exitedAt;
    console.log(`[claude-code] session visible ${visibleAfterMs.toFixed(0)} ms after claude exited`);
    expect(visibleAfterMs).toBeLessThan(5_000);

    const { session, messages } = detail;
    const lines = readJsonl(transcript);
    const firstUser = lines.find((l) => l.type === "user")!;
    const assistants = lines.filter((l) => l.type === "assistant");
    expect(session).toMatchObject({
      source: "claude-code",
      title: PROMPT,
      projectPath: user.project,
      projectName: "project",
      gitBranch: "feature/e2e",
      machine: "e2e-box",
      model: assistants[0].message.model,
      provider: "anthropic",
      messageCount: 4,
    });
    // Every message, in order: prompt, tool call, tool result, answer; true timestamps from the transcript.
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(messages[0]).toMatchObject({ textContent: PROMPT, createdAt: Date.parse(firstUser.timestamp) });
    expect(session.createdAt).toBe(Date.parse(lines.find((l) => l.timestamp)!.timestamp));
    expect(messages[1].createdAt).toBe(Date.parse(assistants[0].timestamp));
    const call = messages[1].parts.find((p) => p.type === "tool-call")!.content as { toolName: string; args: { command: string }; callId: string };
    expect(call).toMatchObject({ toolName: "Bash", args: { command: SCRIPTED_COMMAND } });
    expect(messages[2].parts[0]).toMatchObject({ type: "tool-result", content: { callId: call.callId, output: "opensync-e2e-marker", isError: false } });
    expect(messages[3].textContent).toBe(SCRIPTED_FINAL_ANSWER);
    // The mock thinks before the tool call; sync_thinking defaults to false, so no thinking is uploaded.
    expect(assistants.some((l) => l.message.content.some((b: { type: string }) => b.type === "thinking"))).toBe(true);
    expect(messages.flatMap(partTypes)).not.toContain("reasoning");

    // Tokens equal what was billed: each response's last line. ccusage keeps each response's first
    // line instead; its totals differ from ours by exactly that.
    const recorded = recordedUsage(transcript);
    expect(recorded.promptTokens).toBeGreaterThan(0);
    expect(session).toMatchObject(recorded);
    const firstLines = recordedUsage(transcript, "first");
    const cc = await ccusageTotals(user);
    expect(cc).toMatchObject({
      inputTokens: firstLines.promptTokens,
      outputTokens: firstLines.completionTokens,
      cacheCreationTokens: firstLines.cacheWriteTokens,
      cacheReadTokens: firstLines.cacheReadTokens,
    });

    // A following `opensync sync` (and a full re-read) adds nothing and changes no total.
    for (const args of [["sync"], ["sync", "--all"]]) {
      const sync = await opensync(user, args);
      expect(sync.code, sync.stderr + sync.stdout).toBe(0);
      const again = await client.getSession(sessionId);
      expect(again.messages.map((m) => m.externalId)).toEqual(messages.map((m) => m.externalId));
      expect(again.session).toMatchObject(recorded);
      expect((await client.listSessionIds()).sessionIds.filter((id) => id === sessionId)).toHaveLength(1);
    }
    expect(hookLog(user)).not.toMatch(/failed|error/i);
  });

  it("honours ~/.claude-code-sync.json: its own server and key, tool calls off, thinking on", async () => {
    const user = makeUser("claude-config");
    users.push(user);
    writeFileSync(join(user.home, ".claude-code-sync.json"), JSON.stringify({ server_url: server.url, api_key: key, sync_tool_calls: false, sync_thinking: true }));
    expect((await opensync(user, ["setup", "claude-code"])).code).toBe(0);
    await runClaude(user, PROMPT, mock);
    const sessionId = readJsonl(transcripts(user)[0]).find((l) => l.sessionId)!.sessionId as string;
    const { value } = await waitForSession(server.client(key), sessionId, 3, 10_000);
    const types = value.messages.flatMap(partTypes);
    expect(types).toContain("reasoning");
    expect(types).not.toContain("tool-call");
    expect(types).not.toContain("tool-result");
    expect(value.messages.map((m) => m.role)).toEqual(["user", "assistant", "assistant"]);
    expect(value.session.promptTokens).toBe(recordedUsage(transcripts(user)[0]).promptTokens);
  });

  it("auto_sync false: hooks send nothing until the user asks (sync-now)", async () => {
    const user = await loggedInUser("claude-manual");
    writeFileSync(join(user.home, ".claude-code-sync.json"), JSON.stringify({ auto_sync: false }));
    expect((await opensync(user, ["setup", "claude-code"])).code).toBe(0);
    await runClaude(user, PROMPT, mock);
    const sessionId = readJsonl(transcripts(user)[0]).find((l) => l.sessionId)!.sessionId as string;
    await new Promise((r) => setTimeout(r, 1_500));
    await expect(server.client(key).getSession(sessionId)).rejects.toThrow();
    const now = await opensync(user, ["hook", "claude-code", "SyncNow"], { input: "" });
    expect(now.code).toBe(0);
    expect(now.stdout).toMatch(/1 transcript\(s\) with changes, 4 message\(s\) sent/);
    expect((await server.client(key).getSession(sessionId)).messages).toHaveLength(4);
  });

  it("loses nothing when the server is down while Claude Code runs: the next trigger delivers it", async () => {
    const user = await loggedInUser("claude-fault");
    expect((await opensync(user, ["setup", "claude-code"])).code).toBe(0);
    await server.stop();
    try {
      const run = await runClaude(user, PROMPT, mock);
      expect(run.stdout).toContain(SCRIPTED_FINAL_ANSWER);
      // The worker gives up after a few retries and leaves the transcript queued.
      await waitFor("the worker to give up", async () => (/kept for the next trigger/.test(hookLog(user)) ? true : undefined), 20_000, 200);
    } finally {
      await server.restart();
    }
    const first = readJsonl(transcripts(user)[0]).find((l) => l.sessionId)!.sessionId as string;
    const client = server.client(key);
    await expect(client.getSession(first)).rejects.toThrow();

    // Any later trigger drains the queue: here the next session's hooks.
    await runClaude(user, "Hello again, opensync-e2e.", mock);
    const second = transcripts(user).map((t) => readJsonl(t).find((l) => l.sessionId)!.sessionId as string).find((id) => id !== first)!;
    const { value } = await waitForSession(client, first, 4, 15_000);
    await waitForSession(client, second, 2, 15_000);
    expect(value.session).toMatchObject(recordedUsage(transcripts(user).find((t) => t.includes(first))!));

    const sync = await opensync(user, ["sync"]);
    expect(sync.code, sync.stderr).toBe(0);
    expect((await client.getSession(first)).messages).toHaveLength(4);
    expect((await client.listSessionIds()).sessionIds.filter((id) => id === first || id === second)).toHaveLength(2);
  });

  it.skipIf(!haveGitHttpBackend() && !process.env.CI)("installs as a Claude Code plugin from a git marketplace; its hooks and /claude-code-sync:sync-now work", async () => {
    const user = await loggedInUser("claude-plugin");
    // `opensync` on PATH, as after a global install: the plugin's hooks call it by name.
    const bin = join(user.root, "bin");
    mkdirSync(bin);
    symlinkSync(CLI, join(bin, "opensync"));
    const env = { PATH: `${bin}:${user.env.PATH}` };
    const repos = join(user.root, "git");
    makeRepo(REPO_ROOT, [".claude-plugin", "packages/claude-code-plugin"], repos, "opensync");
    const git = await serveGit(repos);
    try {
      const add = await runAs(user, CLAUDE_BIN, ["plugin", "marketplace", "add", `${git.url}/opensync/.git`], { env: { ...claudeEnv(mock.url), ...env } });
      expect(add.code, add.stdout + add.stderr).toBe(0);
      const install = await runAs(user, CLAUDE_BIN, ["plugin", "install", "claude-code-sync@opensync"], { env: { ...claudeEnv(mock.url), ...env } });
      expect(install.code, install.stdout + install.stderr).toBe(0);
    } finally {
      await git.close();
    }
    const settings = JSON.parse(readFileSync(join(user.home, ".claude", "settings.json"), "utf8"));
    expect(settings.enabledPlugins).toEqual({ "claude-code-sync@opensync": true });

    const run = await runClaude(user, PROMPT, mock, env);
    const sessionId = readJsonl(transcripts(user)[0]).find((l) => l.sessionId)!.sessionId as string;
    await waitForSession(server.client(key), sessionId, 4, 10_000);

    // The plugin's slash command runs `opensync hook claude-code SyncNow` and shows its report to the model.
    await runClaude(user, "/claude-code-sync:sync-now", mock, env);
    const latest = transcripts(user).find((t) => !t.includes(sessionId))!;
    expect(readFileSync(latest, "utf8")).toMatch(/OpenSync: \d+ transcript\(s\) with changes, \d+ message\(s\) sent to http:\/\/127\.0\.0\.1/);
    expect(run.stderr).toBe("");
  });
});
