import type { MessageInput, OpenSyncClient, SessionInput } from "@opensync/protocol";

/**
 * Realistic, deterministic data for the dashboard tests: sessions of four agents, several models,
 * projects and machines, spread over the last weeks, each with a user/assistant/tool exchange.
 * Synced through the API like an agent would.
 */
const AGENTS = [
  { source: "claude-code", models: ["claude-sonnet-4-5", "claude-opus-4-1"], provider: "anthropic" },
  { source: "opencode", models: ["gpt-5", "claude-sonnet-4-5"], provider: "openai" },
  { source: "codex-cli", models: ["gpt-5-codex"], provider: "openai" },
  { source: "gemini-cli", models: ["gemini-2.5-pro"], provider: "google" },
];
const PROJECTS = ["/home/ana/code/opensync", "/home/ana/code/billing-api", "/home/ana/code/mobile-app", "/home/ana/code/infra", "/home/ana/code/docs-site"];
const MACHINES = ["work-laptop", "build-box"];
const TOPICS = [
  "Fix the flaky login test", "Add pagination to the invoices endpoint", "Refactor the auth middleware",
  "Investigate slow dashboard queries", "Write the migration for user roles", "Upgrade React Router",
  "Debug the websocket reconnect loop", "Add dark mode to settings", "Profile the import pipeline",
  "Document the deployment steps", "Port the CLI to commander", "Trim the Docker image",
];

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface SeedResult { externalIds: string[]; sessions: number; messages: number }

export async function seedSessions(client: OpenSyncClient, opts: { count?: number; now?: number; prefix?: string } = {}): Promise<SeedResult> {
  const count = opts.count ?? 48;
  const now = opts.now ?? Date.now();
  const prefix = opts.prefix ?? "seed";
  const rand = prng(42);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const sessions: SessionInput[] = [];
  const messages: MessageInput[] = [];
  for (let i = 0; i < count; i++) {
    const agent = AGENTS[i % AGENTS.length];
    const model = pick(agent.models);
    const projectPath = PROJECTS[i % PROJECTS.length];
    const start = now - Math.floor(rand() * 40 * 86_400_000) - 3_600_000;
    const externalId = `${prefix}-${i}`;
    const turns = 2 + Math.floor(rand() * 3);
    let t = start;
    let n = 0;
    for (let turn = 0; turn < turns; turn++) {
      const prompt = 200 + Math.floor(rand() * 2000);
      const completion = 100 + Math.floor(rand() * 900);
      const cacheRead = Math.floor(rand() * 20_000);
      const cacheWrite = Math.floor(rand() * 3_000);
      messages.push({ sessionExternalId: externalId, externalId: `${externalId}-m${n++}`, role: "user", createdAt: t, textContent: `${TOPICS[i % TOPICS.length]} (step ${turn + 1}): look at \`src/app.ts\` and tell me what breaks.` });
      t += 20_000 + Math.floor(rand() * 60_000);
      messages.push({
        sessionExternalId: externalId,
        externalId: `${externalId}-m${n++}`,
        role: "assistant",
        model,
        createdAt: t,
        promptTokens: prompt,
        completionTokens: completion,
        cacheReadTokens: cacheRead,
        cacheWriteTokens: cacheWrite,
        cost: (prompt * 3 + completion * 15 + cacheRead * 0.3 + cacheWrite * 3.75) / 1_000_000,
        durationMs: 8_000 + Math.floor(rand() * 30_000),
        textContent: `Here is what I found:\n\n1. The handler returns early.\n2. The test waits on a timer.\n\n\`\`\`ts\nexport function handler(req: Request) {\n  return new Response("ok");\n}\n\`\`\``,
        parts: [
          { type: "text", content: "Here is what I found." },
          { type: "tool-call", content: { name: "read_file", input: { path: "src/app.ts" } } },
        ],
      });
      t += 60_000 + Math.floor(rand() * 240_000);
    }
    sessions.push({
      externalId,
      source: agent.source,
      title: TOPICS[i % TOPICS.length],
      projectPath,
      projectName: projectPath.split("/").pop(),
      model,
      provider: agent.provider,
      gitBranch: pick(["main", "fix/login", "feat/pagination"]),
      machine: MACHINES[i % MACHINES.length],
      createdAt: start,
      updatedAt: t,
      durationMs: t - start,
    });
  }
  for (let i = 0; i < sessions.length; i += 200) {
    const res = await client.syncBatch({ sessions: sessions.slice(i, i + 200) });
    if (res.errors.length) throw new Error(`seed sessions refused: ${JSON.stringify(res.errors)}`);
  }
  for (let i = 0; i < messages.length; i += 400) {
    const res = await client.syncBatch({ messages: messages.slice(i, i + 400) });
    if (res.errors.length) throw new Error(`seed messages refused: ${JSON.stringify(res.errors)}`);
  }
  return { externalIds: sessions.map((s) => s.externalId!), sessions: sessions.length, messages: messages.length };
}
