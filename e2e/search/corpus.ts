import type { SyncBatchInput } from "@opensync/protocol";

/**
 * A fixture corpus of realistic agent sessions with known answers (issue 9's relevance tests):
 * prompts, assistant replies with reasoning and tool calls, tool outputs with paths, stack traces
 * and error codes, across several agents. Each `RELEVANCE_CASES` entry names the session a query
 * must rank in the top 3. Distractors share words with the answers (force, session store, rate).
 * Grow it when a search bug is found: add the session and the query that failed.
 */

interface Tool { name: string; args: Record<string, unknown>; output: string; isError?: boolean }
interface Turn { user?: string; thinking?: string; assistant?: string; tools?: Tool[] }
interface SessionScript {
  id: string;
  source: string;
  title: string;
  project: string;
  model: string;
  machine: string;
  /** Days before T0. */
  daysAgo: number;
  turns: Turn[];
}

const T0 = Date.UTC(2026, 10, 20, 9, 0, 0);
const DAY = 86_400_000;

export function batchOf(scripts: SessionScript[]): SyncBatchInput {
  const sessions: SyncBatchInput["sessions"] = [];
  const messages: SyncBatchInput["messages"] = [];
  for (const s of scripts) {
    const start = T0 - s.daysAgo * DAY;
    sessions.push({
      externalId: s.id, source: s.source, title: s.title, projectPath: `/home/dev/${s.project}`, projectName: s.project,
      model: s.model, machine: s.machine, createdAt: start,
    });
    let t = start;
    let n = 0;
    const next = () => `${s.id}-m${String(n++).padStart(2, "0")}`;
    for (const turn of s.turns) {
      if (turn.user) {
        t += 60_000;
        messages.push({ sessionExternalId: s.id, externalId: next(), role: "user", textContent: turn.user, parts: [{ type: "text", content: { text: turn.user } }], createdAt: t });
      }
      if (turn.assistant || turn.thinking || turn.tools) {
        t += 20_000;
        const parts: Array<{ type: string; content: unknown }> = [];
        if (turn.thinking) parts.push({ type: "reasoning", content: { text: turn.thinking } });
        if (turn.assistant) parts.push({ type: "text", content: { text: turn.assistant } });
        (turn.tools ?? []).forEach((tool, i) => parts.push({ type: "tool-call", content: { toolName: tool.name, args: tool.args, callId: `${s.id}-call-${n}-${i}` } }));
        const callMessage = n;
        messages.push({ sessionExternalId: s.id, externalId: next(), role: "assistant", model: s.model, parts, createdAt: t });
        for (const [i, tool] of (turn.tools ?? []).entries()) {
          t += 5_000;
          messages.push({
            sessionExternalId: s.id, externalId: next(), role: "tool", createdAt: t,
            parts: [{ type: "tool-result", content: { callId: `${s.id}-call-${callMessage + 1}-${i}`, output: tool.output, isError: tool.isError ?? false } }],
          });
        }
      }
    }
  }
  return { sessions, messages };
}

export const SESSIONS: SessionScript[] = [
  {
    id: "zustand-store", source: "claude-code", title: "Keep the selected session across reloads", project: "web-dashboard",
    model: "claude-sonnet-4-5", machine: "laptop", daysAgo: 12,
    turns: [
      { user: "The dashboard forgets which session was selected when I reload the page. Can we move that state out of the component?" },
      {
        thinking: "Selected session lives in SessionList local state. A small zustand store with persist middleware fits.",
        assistant: "I'll add a zustand store with the persist middleware and read it from SessionList.",
        tools: [{
          name: "Write",
          args: { file_path: "src/stores/useSessionStore.ts", content: "import { create } from 'zustand';\nimport { persist } from 'zustand/middleware';\n\nexport const useSessionStore = create(persist((set) => ({\n  selectedSessionId: null,\n  select: (id) => set({ selectedSessionId: id }),\n}), { name: 'opensync-selected-session' }));\n" },
          output: "File created successfully at: src/stores/useSessionStore.ts",
        }],
      },
      {
        assistant: "Now SessionList uses the store instead of useState.",
        tools: [{
          name: "Edit",
          args: { file_path: "src/components/SessionList.tsx", old_string: "const [selected, setSelected] = useState(null);", new_string: "const { selectedSessionId, select } = useSessionStore();" },
          output: "The file src/components/SessionList.tsx has been updated.",
        }],
      },
      {
        tools: [{ name: "Bash", args: { command: "npx vitest run src/components" }, output: " ✓ src/components/SessionList.test.tsx (4 tests) 38ms\n\n Test Files  1 passed (1)\n      Tests  4 passed (4)" }],
        assistant: "Tests pass; the selection now survives a reload (stored under localStorage key opensync-selected-session).",
      },
    ],
  },
  {
    id: "webhook-retries", source: "codex", title: "Retry policy for the webhook worker", project: "billing-service",
    model: "gpt-5-codex", machine: "workstation", daysAgo: 30,
    turns: [
      { user: "Webhook deliveries give up after the first timeout. Add retries with exponential backoff, configurable." },
      {
        assistant: "I'll add retry_backoff_ms and max_retries to the worker settings and wrap deliver() in a retry loop.",
        tools: [{
          name: "apply_patch",
          args: { input: "*** Begin Patch\n*** Update File: billing/webhooks/settings.py\n+    retry_backoff_ms: int = 500\n+    max_retries: int = 5\n*** End Patch" },
          output: "Success. Updated the following files:\nM billing/webhooks/settings.py",
        }],
      },
      {
        tools: [{
          name: "shell", args: { command: ["pytest", "-q", "tests/test_webhooks.py"] },
          output: "F.\n=================================== FAILURES ===================================\n___________________________ test_retries_with_backoff ___________________________\n\n    def test_retries_with_backoff():\n>       assert sleeps == [0.5, 1.0, 2.0]\nE       assert [0.5, 0.5, 0.5] == [0.5, 1.0, 2.0]\n\ntests/test_webhooks.py:41: AssertionError\n1 failed, 1 passed in 0.12s",
          isError: true,
        }],
        assistant: "The delay does not grow: I multiply by the attempt number instead of doubling. Fixing to retry_backoff_ms * 2 ** attempt.",
      },
      { tools: [{ name: "shell", args: { command: ["pytest", "-q", "tests/test_webhooks.py"] }, output: "..\n2 passed in 0.09s" }] },
    ],
  },
  {
    id: "rate-limit", source: "opencode", title: "Protect the public API", project: "api-gateway",
    model: "claude-opus-4-1", machine: "laptop", daysAgo: 45,
    turns: [
      { user: "Clients hammer /v1/search. Add rate limiting per API key: 100 requests a minute, answer 429 with Retry-After." },
      {
        thinking: "Token bucket per key in Redis; middleware in front of the router. Need atomic refill: a Lua script.",
        assistant: "I'll write a RateLimiter class (token bucket in Redis, refilled atomically by a Lua script) and an Express middleware that calls RateLimiter.acquire(key).",
        tools: [{
          name: "write",
          args: { filePath: "src/middleware/rateLimit.ts", content: "export function rateLimit(limiter: RateLimiter) {\n  return async (req, res, next) => {\n    const { allowed, retryAfterMs } = await limiter.acquire(req.apiKey);\n    if (!allowed) return res.status(429).set('Retry-After', String(Math.ceil(retryAfterMs / 1000))).json({ error: 'Too Many Requests' });\n    next();\n  };\n}\n" },
          output: "Wrote file successfully.",
        }],
      },
      {
        tools: [{ name: "bash", args: { command: "npm test -- rateLimit" }, output: "PASS test/rateLimit.test.ts\n  RateLimiter.acquire\n    ✓ allows 100 requests in a window (12 ms)\n    ✓ answers 429 with Retry-After on the 101st (4 ms)" }],
        assistant: "The limiter is mounted in src/server.ts before the /v1 router; limits come from RATE_LIMIT_PER_MINUTE.",
      },
    ],
  },
  {
    id: "jwt-auth", source: "claude-code", title: "Verify JWTs in the auth middleware", project: "api-gateway",
    model: "claude-sonnet-4-5", machine: "laptop", daysAgo: 20,
    turns: [
      { user: "requireUser accepts expired tokens. Look at src/lib/auth.ts and fix the verification." },
      {
        tools: [{ name: "Read", args: { file_path: "/home/dev/api-gateway/src/lib/auth.ts" }, output: "     1\timport jwt from 'jsonwebtoken';\n     2\t\n     3\texport function requireUser(req, res, next) {\n     4\t  const payload = jwt.decode(req.headers.authorization?.slice(7));\n     5\t  if (!payload) return res.status(401).end();\n     6\t  req.user = payload;\n     7\t  next();\n     8\t}" }],
        assistant: "It calls jwt.decode, which never checks the signature or the exp claim. It must be jwt.verify with the secret and algorithms pinned.",
      },
      {
        tools: [{
          name: "Edit",
          args: { file_path: "/home/dev/api-gateway/src/lib/auth.ts", old_string: "jwt.decode(req.headers.authorization?.slice(7))", new_string: "jwt.verify(token, process.env.JWT_SECRET, { algorithms: ['HS256'] })" },
          output: "The file /home/dev/api-gateway/src/lib/auth.ts has been updated.",
        }],
      },
    ],
  },
  {
    id: "pg-refused", source: "claude-code", title: "Integration tests cannot reach Postgres", project: "billing-service",
    model: "claude-sonnet-4-5", machine: "workstation", daysAgo: 8,
    turns: [
      { user: "npm run test:integration fails right away since I moved the database to docker compose" },
      {
        tools: [{
          name: "Bash", args: { command: "npm run test:integration" },
          output: "> billing@1.4.0 test:integration\n> vitest run test/integration\n\nError: connect ECONNREFUSED 127.0.0.1:5432\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16) {\n  errno: -111,\n  code: 'ECONNREFUSED',\n  syscall: 'connect',\n  address: '127.0.0.1',\n  port: 5432\n}",
          isError: true,
        }],
        thinking: "The tests start before postgres accepts connections; compose starts containers but does not wait for readiness.",
        assistant: "The tests start before Postgres accepts connections. I'll add a healthcheck (pg_isready) and make the test service depend on it with condition: service_healthy.",
      },
      {
        tools: [{ name: "Edit", args: { file_path: "docker-compose.yml", new_string: "    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready -U billing\"]\n      interval: 2s" }, output: "The file docker-compose.yml has been updated." }],
      },
    ],
  },
  {
    id: "ts2345", source: "codex", title: "Typecheck fails in the export mapper", project: "web-dashboard",
    model: "gpt-5-codex", machine: "laptop", daysAgo: 3,
    turns: [
      { user: "tsc is red after the protocol bump, fix it" },
      {
        tools: [{
          name: "shell", args: { command: ["npx", "tsc", "-b"] },
          output: "src/export/mapper.ts(42,17): error TS2345: Argument of type 'string | undefined' is not assignable to parameter of type 'string'.\n  Type 'undefined' is not assignable to type 'string'.\n\nFound 1 error.",
          isError: true,
        }],
        assistant: "projectName became optional in the protocol. mapper.ts passes it to slugify(), which wants a string: default it to the project path's basename.",
      },
    ],
  },
  {
    id: "rebase-lease", source: "claude-code", title: "Rebase the search branch", project: "opensync",
    model: "claude-sonnet-4-5", machine: "laptop", daysAgo: 1,
    turns: [
      { user: "rebase feature/search onto main and push it" },
      {
        tools: [
          { name: "Bash", args: { command: "git fetch origin && git rebase origin/main" }, output: "Successfully rebased and updated refs/heads/feature/search." },
          { name: "Bash", args: { command: "git push --force-with-lease origin feature/search" }, output: "To github.com:dev/opensync.git\n + 3f2a1c9...8be0d4a feature/search -> feature/search (forced update)" },
        ],
        assistant: "Rebased onto origin/main and pushed with --force-with-lease, so a teammate's newer push would have been refused instead of overwritten.",
      },
    ],
  },
  {
    id: "settings-crash", source: "gemini-cli", title: "Settings page crashes on first open", project: "web-dashboard",
    model: "gemini-2.5-pro", machine: "laptop", daysAgo: 60,
    turns: [
      { user: "Opening /settings for a new user shows a blank page. Console:\nTypeError: Cannot read properties of undefined (reading 'theme')\n    at SettingsPage (src/pages/Settings.tsx:27:31)\n    at renderWithHooks (react-dom.development.js:16305:18)" },
      {
        tools: [{ name: "read_file", args: { absolute_path: "/home/dev/web-dashboard/src/pages/Settings.tsx" }, output: "27  const theme = user.preferences.theme;" }],
        assistant: "A new user has no preferences object yet, so user.preferences is undefined. Use optional chaining with a default: user.preferences?.theme ?? 'system'.",
      },
    ],
  },
  {
    id: "npm-force", source: "opencode", title: "Clean reinstall after the lockfile conflict", project: "web-dashboard",
    model: "claude-opus-4-1", machine: "workstation", daysAgo: 15,
    turns: [
      { user: "npm ci fails with ERESOLVE after merging main. Just get me a working install." },
      {
        tools: [
          { name: "bash", args: { command: "rm -rf node_modules && npm install --force" }, output: "npm warn using --force Recommended protections disabled.\nadded 1203 packages in 21s" },
        ],
        assistant: "Installed with --force, which skips the peer dependency conflict. The real fix is aligning react-dom with react 19; I left a note in the PR.",
      },
    ],
  },
  // Distractors: the same words in other senses.
  {
    id: "force-graph", source: "claude-code", title: "Force-directed layout for the dependency graph", project: "viz-lab",
    model: "claude-sonnet-4-5", machine: "laptop", daysAgo: 5,
    turns: [
      { user: "Lay out the module graph with a force simulation; nodes overlap too much." },
      { assistant: "I increased the charge force and added a collision force: d3.forceSimulation(nodes).force('charge', d3.forceManyBody().strength(-120)).force('collide', d3.forceCollide(18)). Force strength now scales with node degree." },
    ],
  },
  {
    id: "cookie-sessions", source: "codex", title: "Sessions expire too early", project: "api-gateway",
    model: "gpt-5-codex", machine: "workstation", daysAgo: 25,
    turns: [
      { user: "Users get logged out after a few minutes. We use express-session." },
      { assistant: "express-session uses the default MemoryStore, which loses sessions on restart. Configure a Redis session store (connect-redis) and set cookie.maxAge to 7 days. The session store also needs ttl to match." },
    ],
  },
  {
    id: "rate-chart", source: "gemini-cli", title: "Chart the error rate per day", project: "web-dashboard",
    model: "gemini-2.5-pro", machine: "laptop", daysAgo: 2,
    turns: [
      { user: "Add a chart of the error rate per day to the stats page" },
      { assistant: "Added an ErrorRateChart: it groups failed tool calls per day and plots the rate of change. No limits on the range yet." },
    ],
  },
];

/** Queries with known answers: the session must rank in the top 3. */
export const RELEVANCE_CASES: Array<{ kind: string; q: string; expect: string }> = [
  { kind: "identifier", q: "useSessionStore", expect: "zustand-store" },
  { kind: "identifier piece", q: "SessionStore", expect: "zustand-store" },
  { kind: "snake_case identifier", q: "retry_backoff_ms", expect: "webhook-retries" },
  { kind: "Class.method", q: "RateLimiter.acquire", expect: "rate-limit" },
  { kind: "file path", q: "src/lib/auth.ts", expect: "jwt-auth" },
  { kind: "error code", q: "ECONNREFUSED", expect: "pg-refused" },
  { kind: "compiler code", q: "TS2345", expect: "ts2345" },
  { kind: "flag", q: "--force-with-lease", expect: "rebase-lease" },
  { kind: "flag, not the word", q: "--force", expect: "npm-force" },
  { kind: "quoted phrase", q: '"Cannot read properties of undefined"', expect: "settings-crash" },
  { kind: "prefix", q: "useSess*", expect: "zustand-store" },
  { kind: "error message", q: "connect ECONNREFUSED 127.0.0.1:5432", expect: "pg-refused" },
  { kind: "by meaning", q: "where did I set up rate limiting", expect: "rate-limit" },
  { kind: "by meaning", q: "how did I fix the flaky postgres connection in tests", expect: "pg-refused" },
  { kind: "by meaning", q: "exponential backoff for webhooks", expect: "webhook-retries" },
  { kind: "object.method", q: "jwt.verify", expect: "jwt-auth" },
  { kind: "snake_case command", q: "pg_isready", expect: "pg-refused" },
  { kind: "npm error code", q: "ERESOLVE", expect: "npm-force" },
  { kind: "hyphenated header", q: "Retry-After", expect: "rate-limit" },
  { kind: "line:column location", q: "Settings.tsx:27:31", expect: "settings-crash" },
  { kind: "by meaning", q: "blank page for new users without preferences", expect: "settings-crash" },
];

/** Another user's sessions: the same identifiers, plus words only they have. */
export const OTHER_USER: SessionScript[] = [
  {
    id: "other-secret", source: "claude-code", title: "Private: useSessionStore and ECONNREFUSED notes", project: "secret-project",
    model: "claude-sonnet-4-5", machine: "other-machine", daysAgo: 1,
    turns: [{ user: "zebracorn token for useSessionStore rate limiting ECONNREFUSED --force-with-lease", assistant: "zebracorn reply about src/lib/auth.ts" }],
  },
];
