import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, startServer, type ServerProcess } from "../harness/server-process.js";
import { offlineCommand } from "../mock-llm/offline.js";
import { openaiResponsesHandler, responsesBilled } from "../mock-llm/openai-responses.js";
import { SCRIPTED_COMMAND, SCRIPTED_FINAL_ANSWER, startMockLlm, type MockLlm } from "../mock-llm/server.js";
import { makeUser, opensync, quiesce, readJsonl, runAs, waitFor, type User } from "./support.js";

/**
 * Codex CLI is not installed here, so Codex's side is played by the test exactly as Codex does it:
 * it writes its rollout file and, after each turn, runs the `notify` program from config.toml with
 * the JSON payload as last argument. Everything on our side is real: `opensync setup codex`, the
 * hook, the worker, the collector and the server.
 */

const FIXTURE = join(REPO_ROOT, "packages/collectors/src/agents/codex/fixtures/rollout-2025-10-29T10-00-00-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl");
const THREAD = "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

describe("Codex CLI notify with `opensync setup codex`", () => {
  let server: ServerProcess;
  let key: string;
  let user: User;

  beforeAll(async () => {
    server = await startServer();
    key = await server.createKey("codex@example.com", "codex-e2e");
    user = makeUser("codex");
  });
  afterAll(async () => {
    if (user) await quiesce(user);
    await server?.cleanup();
    user?.cleanup();
  });

  it("keeps the user's settings and notifier, and each finished turn syncs the rollout", async () => {
    expect((await opensync(user, ["login", "--url", server.url, "--key", key])).code).toBe(0);
    const codexHome = join(user.home, ".codex");
    mkdirSync(codexHome);
    // The user already had a notifier: it must keep working.
    const notifier = join(user.root, "notify.sh");
    writeFileSync(notifier, `#!/bin/sh\nprintf '%s' "$1" > "${join(user.root, "notified.json")}"\n`);
    chmodSync(notifier, 0o755);
    const original = `# my settings\nmodel = "gpt-5-codex"\nnotify = ["${notifier}"]\n\n[tui]\nnotifications = true\n`;
    writeFileSync(join(codexHome, "config.toml"), original);

    const setup = await opensync(user, ["setup", "codex"]);
    expect(setup.code, setup.stderr).toBe(0);
    const text = readFileSync(join(codexHome, "config.toml"), "utf8");
    expect(text.startsWith("# my settings\n")).toBe(true);
    const config = parse(text) as { model: string; notify: string[]; tui: unknown };
    expect(config.model).toBe("gpt-5-codex");
    expect(config.tui).toEqual({ notifications: true });
    expect(readFileSync(join(codexHome, "config.toml.opensync-backup"), "utf8")).toBe(original);
    expect((await opensync(user, ["setup", "codex"])).stdout).toMatch(/Already set up/);

    // Codex writes the first turn, then runs notify.
    const lines = readFileSync(FIXTURE, "utf8").split("\n").filter(Boolean);
    const dir = join(codexHome, "sessions", "2025", "10", "29");
    mkdirSync(dir, { recursive: true });
    const rollout = join(dir, `rollout-2025-10-29T10-00-00-${THREAD}.jsonl`);
    const half = Math.floor(lines.length / 2);
    writeFileSync(rollout, lines.slice(0, half).join("\n") + "\n");
    const notify = (turn: string) =>
      runAs(user, config.notify[0], [
        ...config.notify.slice(1),
        JSON.stringify({ type: "agent-turn-complete", "thread-id": THREAD, "turn-id": turn, cwd: user.project, "input-messages": ["hi"], "last-assistant-message": "done" }),
      ]);
    const first = await notify("1");
    expect(first).toMatchObject({ code: 0, stdout: "", stderr: "" });

    const client = server.client(key);
    const partial = await waitFor("the first turn", async () => {
      const d = await client.getSession(THREAD);
      return d.messages.length > 0 ? d : undefined;
    });
    expect(partial.value.session.source).toBe("codex-cli");
    await waitFor("the chained notifier", async () => (existsSync(join(user.root, "notified.json")) ? true : undefined), 5_000);
    expect(JSON.parse(readFileSync(join(user.root, "notified.json"), "utf8"))).toMatchObject({ "thread-id": THREAD, "turn-id": "1" });

    // The next turn appends; its notify sends only what is new, and the session becomes whole.
    appendFileSync(rollout, lines.slice(half).join("\n") + "\n");
    expect((await notify("2")).code).toBe(0);
    let seen = -1;
    const { value } = await waitFor("the second turn", async () => {
      const d = await client.getSession(THREAD);
      const settled = d.messages.length > partial.value.messages.length && d.messages.length === seen;
      seen = d.messages.length;
      return settled ? d : undefined;
    }, 15_000, 500);

    // A following `opensync sync` finds nothing new; a full re-read adds nothing: the hook sent it all, once.
    const sync = await opensync(user, ["sync", "--json"]);
    expect(sync.code, sync.stderr).toBe(0);
    expect((JSON.parse(sync.stdout) as { messages: number }).messages).toBe(0);
    expect((await opensync(user, ["sync", "--all"])).code).toBe(0);
    const after = await client.getSession(THREAD);
    expect(after.messages.map((m) => m.externalId)).toEqual(value.messages.map((m) => m.externalId));
    expect(after.session.totalTokens).toBe(value.session.totalTokens);
  });
});

const CODEX_BIN = join(REPO_ROOT, "node_modules/.bin/codex");
const PROMPT = "Please run the opensync-e2e marker command and tell me what it printed.";

/** Codex pointed at the mock Responses API (REAL-AGENTS.md), never asking for approval. */
function codexConfig(mockUrl: string): string {
  return [
    'model = "mock-model"', 'model_provider = "mock"', 'approval_policy = "never"', 'sandbox_mode = "danger-full-access"',
    "[model_providers.mock]", 'name = "Mock"', `base_url = "${mockUrl}/v1"`, 'env_key = "MOCK_API_KEY"', 'wire_api = "responses"', "",
  ].join("\n");
}

function rollouts(user: User): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.startsWith("rollout-") && e.name.endsWith(".jsonl")) found.push(join(dir, e.name));
    }
  };
  walk(join(user.home, ".codex", "sessions"));
  return found;
}

describe.skipIf(!existsSync(CODEX_BIN) && !process.env.CI)("Codex CLI 0.171 with OpenSync (real binary, offline)", () => {
  let server: ServerProcess;
  let mock: MockLlm;
  let user: User;

  beforeAll(async () => {
    [server, mock] = await Promise.all([startServer(), startMockLlm({ "/v1": openaiResponsesHandler })]);
    user = makeUser("codex-real");
  });
  afterAll(async () => {
    if (user) await quiesce(user);
    await Promise.all([server?.cleanup(), mock?.close()]);
    user?.cleanup();
  });

  it("`opensync sync` delivers the session Codex wrote: every message and exactly the tokens the mock billed", async () => {
    const key = await server.createKey("codex-real@example.com", "codex-real-e2e");
    expect((await opensync(user, ["login", "--url", server.url, "--key", key])).code).toBe(0);
    mkdirSync(join(user.home, ".codex"));
    writeFileSync(join(user.home, ".codex", "config.toml"), codexConfig(mock.url));

    const billedBefore = responsesBilled.length;
    const offline = await offlineCommand(mock.url, user.root, CODEX_BIN, ["exec", "--skip-git-repo-check", PROMPT]);
    const run = await runAs(user, offline.cmd, offline.args, { cwd: user.project, env: { MOCK_API_KEY: "mock-key" }, timeoutMs: 60_000 });
    await offline.close();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(SCRIPTED_FINAL_ANSWER);
    console.log(`[codex] codex exec took ${run.ms.toFixed(0)} ms`);
    const billed = responsesBilled.slice(billedBefore);
    expect(billed).toHaveLength(2);

    const [rollout] = rollouts(user);
    const threadId = readJsonl(rollout).find((l) => l.type === "session_meta")!.payload.id as string;
    const sync = await opensync(user, ["sync"]);
    expect(sync.code, sync.stderr + sync.stdout).toBe(0);

    const { session, messages } = await server.client(key).getSession(threadId);
    expect(session).toMatchObject({
      source: "codex-cli", title: PROMPT, projectPath: user.project, projectName: "project",
      model: "mock-model", provider: "openai", machine: "e2e-box", messageCount: 6,
    });
    // Injected skills and environment context, the prompt, the call, its output, the answer.
    expect(messages.map((m) => m.role)).toEqual(["system", "system", "user", "assistant", "tool", "assistant"]);
    expect(messages[2].textContent).toBe(PROMPT);
    const call = messages[3].parts.find((p) => p.type === "tool-call")!.content as { toolName: string; args: { cmd: string }; callId: string };
    expect(call).toMatchObject({ toolName: "exec_command", args: { cmd: SCRIPTED_COMMAND } });
    expect(messages[4].parts[0]).toMatchObject({ type: "tool-result", content: { callId: call.callId, output: "opensync-e2e-marker", isError: false } });
    expect(messages[5].textContent).toBe(SCRIPTED_FINAL_ANSWER);

    // Each response's usage on the message it produced, and the session's totals, to the token.
    const asProtocol = (u: (typeof billed)[number]) => ({
      promptTokens: u.input_tokens - u.input_tokens_details.cached_tokens - u.input_tokens_details.cache_write_tokens,
      cacheReadTokens: u.input_tokens_details.cached_tokens,
      completionTokens: u.output_tokens - u.output_tokens_details.reasoning_tokens,
      reasoningTokens: u.output_tokens_details.reasoning_tokens,
    });
    expect(messages[3]).toMatchObject({ ...asProtocol(billed[0]), cacheWriteTokens: billed[0].input_tokens_details.cache_write_tokens });
    expect(messages[5]).toMatchObject(asProtocol(billed[1]));
    const sum = (f: keyof ReturnType<typeof asProtocol>) => billed.reduce((n, u) => n + asProtocol(u)[f], 0);
    expect(session).toMatchObject({
      promptTokens: sum("promptTokens"), completionTokens: sum("completionTokens"),
      cacheReadTokens: sum("cacheReadTokens"), reasoningTokens: sum("reasoningTokens"),
      cacheWriteTokens: billed.reduce((n, u) => n + u.input_tokens_details.cache_write_tokens, 0),
    });
  });
});
