import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, startServer, type ServerProcess } from "../harness/server-process.js";
import { geminiBilled, geminiHandler } from "../mock-llm/gemini.js";
import { offlineCommand } from "../mock-llm/offline.js";
import { SCRIPTED_COMMAND, SCRIPTED_FINAL_ANSWER, startMockLlm, type MockLlm } from "../mock-llm/server.js";
import { makeUser, opensync, quiesce, readJsonl, runAs, type User } from "./support.js";

/**
 * The real Gemini CLI (npm @google/gemini-cli, pinned) offline against the mock Gemini API, then
 * `opensync sync` into a real `opensync serve` process; checked through the read API.
 */

const GEMINI_BIN = join(REPO_ROOT, "node_modules/.bin/gemini");
const PROMPT = "Please run the opensync-e2e marker command and tell me what it printed.";

function chatFiles(user: User): string[] {
  const tmp = join(user.home, ".gemini", "tmp");
  if (!existsSync(tmp)) return [];
  return readdirSync(tmp).flatMap((p) => {
    const chats = join(tmp, p, "chats");
    return existsSync(chats) ? readdirSync(chats).filter((f) => f.startsWith("session-")).map((f) => join(chats, f)) : [];
  });
}

describe.skipIf(!existsSync(GEMINI_BIN) && !process.env.CI)("Gemini CLI 0.61 with OpenSync (real binary, offline)", () => {
  let server: ServerProcess;
  let mock: MockLlm;
  let user: User;

  beforeAll(async () => {
    [server, mock] = await Promise.all([startServer(), startMockLlm({ "/v1beta": geminiHandler })]);
    user = makeUser("gemini-real");
  });
  afterAll(async () => {
    if (user) await quiesce(user);
    await Promise.all([server?.cleanup(), mock?.close()]);
    user?.cleanup();
  });

  it("`opensync sync` delivers the session Gemini CLI wrote: every message and exactly the tokens it recorded from the mock", async () => {
    const key = await server.createKey("gemini-real@example.com", "gemini-real-e2e");
    expect((await opensync(user, ["login", "--url", server.url, "--key", key])).code).toBe(0);
    mkdirSync(join(user.home, ".gemini"));
    writeFileSync(join(user.home, ".gemini", "settings.json"), JSON.stringify({ security: { auth: { selectedType: "gemini-api-key" } } }));

    const billedBefore = geminiBilled.length;
    const offline = await offlineCommand(mock.url, user.root, GEMINI_BIN, ["--yolo", "-p", PROMPT]);
    const run = await runAs(user, offline.cmd, offline.args, {
      cwd: user.project,
      env: { GEMINI_API_KEY: "mock-key", GOOGLE_GEMINI_BASE_URL: mock.url, GEMINI_CLI_TRUST_WORKSPACE: "true" },
      timeoutMs: 60_000,
    });
    await offline.close();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(SCRIPTED_FINAL_ANSWER);
    console.log(`[gemini] gemini -p took ${run.ms.toFixed(0)} ms`);
    // The router's generateContent call is billed too, but Gemini CLI records only the chat's calls.
    const billed = geminiBilled.slice(billedBefore).filter((b) => b.method === "streamGenerateContent");
    expect(billed).toHaveLength(2);

    const [chat] = chatFiles(user);
    const sessionId = readJsonl(chat).find((l) => typeof l.sessionId === "string")!.sessionId as string;
    const sync = await opensync(user, ["sync"]);
    expect(sync.code, sync.stderr + sync.stdout).toBe(0);

    const { session, messages } = await server.client(key).getSession(sessionId);
    expect(session).toMatchObject({
      source: "gemini-cli", title: PROMPT, projectPath: user.project, projectName: "project",
      model: billed[1].model, provider: "google", machine: "e2e-box", messageCount: 4,
    });
    // The injected <session_context>, the prompt, the call (with its result), the answer; the
    // functionResponse Gemini CLI records as a user turn is no message of its own.
    expect(messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "assistant"]);
    expect(messages[0].textContent.startsWith("<session_context>")).toBe(true);
    expect(messages[1].textContent).toBe(PROMPT);
    const call = messages[2].parts.find((p) => p.type === "tool-call")!.content as { toolName: string; args: { command: string }; callId: string };
    expect(call).toMatchObject({ toolName: "run_shell_command", args: { command: SCRIPTED_COMMAND } });
    const result = messages[2].parts.find((p) => p.type === "tool-result")!.content as { callId: string; output: string; isError: boolean };
    expect(result).toMatchObject({ callId: call.callId, isError: false });
    expect(result.output).toContain("opensync-e2e-marker");
    expect(messages[3].textContent).toBe(SCRIPTED_FINAL_ANSWER);

    const asProtocol = ({ usage: u }: (typeof billed)[number]) => ({
      promptTokens: u.promptTokenCount - u.cachedContentTokenCount,
      cacheReadTokens: u.cachedContentTokenCount,
      completionTokens: u.candidatesTokenCount,
      reasoningTokens: u.thoughtsTokenCount,
    });
    expect(messages[2]).toMatchObject(asProtocol(billed[0]));
    expect(messages[3]).toMatchObject(asProtocol(billed[1]));
    const sum = (f: keyof ReturnType<typeof asProtocol>) => billed.reduce((n, b) => n + asProtocol(b)[f], 0);
    expect(session).toMatchObject({
      promptTokens: sum("promptTokens"), completionTokens: sum("completionTokens"),
      cacheReadTokens: sum("cacheReadTokens"), reasoningTokens: sum("reasoningTokens"),
    });
  });
});
