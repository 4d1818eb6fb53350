import type { MessageInput, OpenSyncClient, SessionInput } from "@opensync/protocol";

/** A build of the app other than packages/web/dist (OPENSYNC_E2E_WEB_DIR), so a test run need not rebuild the shared one. */
export const webDirEnv = (): Record<string, string> => (process.env.OPENSYNC_E2E_WEB_DIR ? { OPENSYNC_WEB_DIR: process.env.OPENSYNC_E2E_WEB_DIR } : {});

/**
 * Sessions shaped for the viewer's tests, synced through the API as an agent would: one rich
 * session (Markdown, code, an Edit with a diff, a failing Bash with long output, reasoning, a
 * subagent, a 12-minute pause) and optionally a long one (for the 10,000-message benchmark).
 */
export const RICH = "viewer-rich";
export const RICH_TITLE = "Viewer showcase: fix the websocket reconnect loop";

export async function seedRichSession(client: OpenSyncClient, now = Date.now()): Promise<void> {
  const t0 = now - 3 * 3_600_000;
  const m = (i: number, at: number, rest: Omit<MessageInput, "sessionExternalId" | "externalId" | "createdAt">): MessageInput => ({
    sessionExternalId: RICH, externalId: `${RICH}-m${i}`, createdAt: at, ...rest,
  });
  const longOutput = Array.from({ length: 120 }, (_, i) => `FAIL test/socket.test.ts > reconnect #${i}: expected 1 retry, got ${i + 2}`).join("\n");
  const session: SessionInput = {
    externalId: RICH, source: "claude-code", title: RICH_TITLE, projectPath: "/home/ana/code/realtime", projectName: "realtime",
    model: "claude-sonnet-4-5", provider: "anthropic", gitBranch: "fix/reconnect", machine: "work-laptop", createdAt: t0,
  };
  const messages: MessageInput[] = [
    m(0, t0, { role: "user", textContent: "The websocket **reconnect loop** never stops. Look at `src/socket.ts`." }),
    m(1, t0 + 20_000, {
      role: "assistant", model: "claude-sonnet-4-5", promptTokens: 1200, completionTokens: 300, cacheReadTokens: 9000, cost: 0.0123, durationMs: 9000,
      parts: [
        { type: "reasoning", content: { text: "The backoff is reset on every error, so the loop spins." } },
        { type: "text", content: { text: "Let me run the tests first." } },
        { type: "tool-call", content: { toolName: "Bash", args: { command: "npm test -- socket" }, callId: "call-bash" } },
      ],
    }),
    m(2, t0 + 40_000, { role: "tool", parts: [{ type: "tool-result", content: { callId: "call-bash", output: longOutput, isError: true } }] }),
    m(3, t0 + 50_000, { role: "user", textContent: "Explore how reconnects are scheduled.", metadata: { isSidechain: true, agentId: "explore-1" } }),
    m(4, t0 + 60_000, { role: "assistant", model: "claude-haiku-4-5", promptTokens: 4000, completionTokens: 321, cost: 0.004, textContent: "`scheduleReconnect` resets `attempt` to 0 on each error.", metadata: { isSidechain: true, agentId: "explore-1" } }),
    m(5, t0 + 80_000, {
      role: "assistant", model: "claude-sonnet-4-5", promptTokens: 2000, completionTokens: 500, cost: 0.02, durationMs: 12_000,
      parts: [
        { type: "text", content: { text: "Found it. The fix:\n\n```ts\nexport function nextDelay(attempt: number): number {\n  return Math.min(30_000, 500 * 2 ** attempt);\n}\n```" } },
        { type: "tool-call", content: { toolName: "Edit", args: { file_path: "src/socket.ts", old_string: "attempt = 0;\nscheduleReconnect();", new_string: "attempt += 1;\nscheduleReconnect(nextDelay(attempt));" }, callId: "call-edit" } },
      ],
    }),
    m(6, t0 + 85_000, { role: "tool", parts: [{ type: "tool-result", content: { callId: "call-edit", output: "The file src/socket.ts has been updated." } }] }),
    // 12 minutes later
    m(7, t0 + 85_000 + 12 * 60_000, { role: "user", textContent: "Tests pass now?" }),
    m(8, t0 + 90_000 + 12 * 60_000, {
      role: "assistant", model: "claude-sonnet-4-5", promptTokens: 900, completionTokens: 80, cost: 0.004, durationMs: 3000,
      textContent: "Yes: all **42** tests pass. See [the docs](https://example.com/reconnect).",
    }),
  ];
  const res = await client.syncBatch({ sessions: [session], messages });
  if (res.errors.length) throw new Error(`rich seed refused: ${JSON.stringify(res.errors)}`);
}

/** A session of `count` messages (user/assistant turns with a little Markdown), synced in batches. */
export async function seedLongSession(client: OpenSyncClient, externalId: string, count: number, now = Date.now()): Promise<void> {
  const t0 = now - count * 10_000;
  const s = await client.syncBatch({ sessions: [{ externalId, source: "opencode", title: `Long session of ${count} messages`, projectPath: "/home/ana/code/big", model: "gpt-5", createdAt: t0 }] });
  if (s.errors.length) throw new Error(JSON.stringify(s.errors));
  for (let start = 0; start < count; start += 500) {
    const messages: MessageInput[] = [];
    for (let i = start; i < Math.min(count, start + 500); i++) {
      const user = i % 2 === 0;
      messages.push({
        sessionExternalId: externalId, externalId: `${externalId}-${i}`, createdAt: t0 + i * 10_000, role: user ? "user" : "assistant",
        model: user ? undefined : "gpt-5", promptTokens: user ? 0 : 500, completionTokens: user ? 0 : 120, cost: user ? 0 : 0.001,
        textContent: user ? `Step ${i}: rename \`handler${i}\` and run the tests.` : `Done with step ${i - 1}.\n\n- renamed \`handler${i - 1}\`\n- tests: **ok**\n\n\`\`\`ts\nexport const handler${i - 1} = () => ${i};\n\`\`\``,
      });
    }
    const res = await client.syncBatch({ messages });
    if (res.errors.length) throw new Error(JSON.stringify(res.errors.slice(0, 3)));
  }
}
