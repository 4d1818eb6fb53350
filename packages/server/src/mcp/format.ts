import type {
  ContextResponse,
  Highlight,
  Message,
  SearchResponse,
  Session,
  SessionListResponse,
  StatsResponse,
} from "@opensync/protocol";

/**
 * Plain-text renderings of API answers for an agent (MCP tools) and a terminal (`opensync search`).
 * Pure functions: no I/O, so both transports and the CLI render the same answer the same way.
 */

/** `<server>/sessions/<id>`, plus `#m-<messageId>` to land on a hit. */
export function sessionUrl(dashboardUrl: string, sessionId: string, messageId?: string): string {
  const base = `${dashboardUrl.replace(/\/+$/, "")}/sessions/${encodeURIComponent(sessionId)}`;
  return messageId ? `${base}#m-${encodeURIComponent(messageId)}` : base;
}

/** Wraps each highlighted span of `text` in `open`/`close` (spans out of range or overlapping are clamped). */
export function markHighlights(text: string, highlights: readonly Highlight[], open: string, close: string): string {
  const spans = [...highlights].sort((a, b) => a[0] - b[0]);
  let out = "";
  let at = 0;
  for (const [rawStart, rawEnd] of spans) {
    const start = Math.max(at, Math.min(rawStart, text.length));
    const end = Math.max(start, Math.min(rawEnd, text.length));
    if (end === start) continue;
    out += text.slice(at, start) + open + text.slice(start, end) + close;
    at = end;
  }
  return out + text.slice(at);
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function isoMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ") + "Z";
}

const collapse = (text: string) => text.replace(/\s+/g, " ").trim();

/** Cuts `text` to `max` characters and says how much was left out. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [cut: ${text.length - max} more characters]`;
}

const projectOf = (s: { projectName: string | null; projectPath: string | null }) => s.projectName ?? s.projectPath ?? "no project";
const titleOf = (title: string | null) => (title && title.trim() ? collapse(title) : "(untitled)");
const usd = (cost: number) => `$${cost.toFixed(cost >= 1 ? 2 : 4)}`;
const int = (n: number) => n.toLocaleString("en-US");

// --- search ---

export interface SearchRow {
  sessionId: string;
  messageId: string | null;
  title: string;
  project: string;
  source: string;
  model: string | null;
  date: string;
  snippet: string;
  score: number;
  url: string;
}

export function searchRows(response: SearchResponse, dashboardUrl: string): SearchRow[] {
  return response.results.map((r) => ({
    sessionId: r.sessionId,
    messageId: r.messageId ?? null,
    title: titleOf(r.title),
    project: projectOf(r),
    source: r.source,
    model: r.model,
    date: isoDate(r.createdAt),
    // Matches marked the way Markdown bolds them, which agents read as emphasis.
    snippet: collapse(markHighlights(r.snippet, r.highlights, "**", "**")),
    score: r.score,
    url: sessionUrl(dashboardUrl, r.sessionId, r.messageId),
  }));
}

export function searchText(query: string, response: SearchResponse, dashboardUrl: string): string {
  const rows = searchRows(response, dashboardUrl);
  const lines: string[] = [];
  if (response.degraded) lines.push(`Note: the server could not serve ${response.type} search fully (${response.degraded}).`);
  if (rows.length === 0) {
    lines.push(`No sessions match "${query}" (${response.type} search).`);
    return lines.join("\n");
  }
  // A broad full-text query's total is a lower bound (`totalIsEstimate`): "2000+".
  lines.push(`${rows.length} of ${response.total}${response.totalIsEstimate ? "+" : ""} matching (${response.type} search for "${query}"):`);
  rows.forEach((r, i) => {
    lines.push("");
    lines.push(`${i + 1}. ${r.title}`);
    lines.push(`   project: ${r.project} · ${r.source}${r.model ? ` · ${r.model}` : ""} · ${r.date}`);
    lines.push(`   session: ${r.sessionId}${r.messageId ? ` · message: ${r.messageId}` : ""}`);
    lines.push(`   ${r.snippet}`);
    lines.push(`   ${r.url}`);
  });
  lines.push("");
  lines.push("Read a whole session with get_session {id}.");
  return lines.join("\n");
}

// --- sessions ---

export interface SessionRow {
  id: string;
  externalId: string;
  title: string;
  project: string;
  source: string;
  model: string | null;
  createdAt: string;
  updatedAt: string;
  messageCount: number;
  totalTokens: number;
  cost: number;
  url: string;
}

export function sessionRow(s: Session, dashboardUrl: string): SessionRow {
  return {
    id: s.id,
    externalId: s.externalId,
    title: titleOf(s.title),
    project: projectOf(s),
    source: s.source,
    model: s.model,
    createdAt: new Date(s.createdAt).toISOString(),
    updatedAt: new Date(s.updatedAt).toISOString(),
    messageCount: s.messageCount,
    totalTokens: s.totalTokens,
    cost: s.cost,
    url: sessionUrl(dashboardUrl, s.id),
  };
}

export function sessionListText(response: SessionListResponse, dashboardUrl: string): string {
  if (response.sessions.length === 0) return "No sessions.";
  const lines = [`${response.sessions.length} most recently updated sessions:`];
  for (const s of response.sessions) {
    const r = sessionRow(s, dashboardUrl);
    lines.push("");
    lines.push(`- ${r.title}`);
    lines.push(`  id: ${r.id} · project: ${r.project} · ${r.source}${r.model ? ` · ${r.model}` : ""}`);
    lines.push(`  updated ${isoMinute(s.updatedAt)} · ${r.messageCount} messages · ${int(r.totalTokens)} tokens · ${usd(r.cost)}`);
    lines.push(`  ${r.url}`);
  }
  return lines.join("\n");
}

/** Characters kept of one message's text, a tool call's input, a tool output, and reasoning. */
export const CUT = { text: 6000, toolInput: 600, toolOutput: 1500, reasoning: 800 } as const;

function stringify(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return String(value);
  }
}

/** One part as a line or two (PROTOCOL.md's part types); text parts repeat `textContent` and are skipped. */
function partText(part: Message["parts"][number], hasText: boolean): string | null {
  const content = (part.content ?? {}) as Record<string, unknown>;
  const record = typeof part.content === "object" && part.content !== null;
  switch (part.type) {
    case "text": {
      if (hasText) return null;
      const text = typeof part.content === "string" ? part.content : stringify(content.text ?? "");
      return text ? cut(text, CUT.text) : null;
    }
    case "reasoning": {
      const text = typeof part.content === "string" ? part.content : stringify(content.text ?? "");
      return text ? `(reasoning) ${cut(collapse(text), CUT.reasoning)}` : null;
    }
    case "tool-call": {
      const name = record ? stringify(content.toolName ?? content.name ?? "tool") : "tool";
      const input = record ? (content.args ?? content.arguments ?? content.input) : part.content;
      return `→ tool call ${name}${input === undefined ? "" : ` ${cut(stringify(input), CUT.toolInput)}`}`;
    }
    case "tool-result": {
      const output = record ? (content.output ?? content.result ?? "") : part.content;
      const failed = record && content.isError === true ? " (error)" : "";
      return `← tool output${failed}: ${cut(stringify(output), CUT.toolOutput)}`;
    }
    case "file":
      return `(file ${stringify(content.path ?? part.content)})`;
    default:
      return null;
  }
}

export interface SessionPage {
  session: SessionRow & { projectPath: string | null; gitBranch: string | null; machine: string | null };
  offset: number;
  returned: number;
  /** Where the next page starts, or null at the end. */
  nextOffset: number | null;
}

/** Characters of messages one page holds at most (at least one message is always returned). */
export const PAGE_CHARS = 60_000;

function messageText(m: Message, position: number): string {
  const lines = [`[#${position} ${m.role} · ${isoMinute(m.createdAt)} · message ${m.id}]`];
  const text = m.textContent?.trim();
  if (text) lines.push(cut(text, CUT.text));
  for (const part of m.parts) {
    const rendered = partText(part, Boolean(text));
    if (rendered) lines.push(rendered);
  }
  return lines.join("\n");
}

/**
 * A session as text: its header, then messages from `offset`, at most `maxMessages` and about
 * PAGE_CHARS characters, and how to ask for the rest; `page` says the same for structured content.
 */
export function sessionText(session: Session, messages: Message[], offset: number, maxMessages: number, dashboardUrl: string): { text: string; page: SessionPage } {
  const row = { ...sessionRow(session, dashboardUrl), projectPath: session.projectPath, gitBranch: session.gitBranch, machine: session.machine };
  const lines = [`# ${row.title}`];
  lines.push(`id: ${row.id} (external id ${row.externalId}) · ${row.source}${row.model ? ` · ${row.model}` : ""}`);
  lines.push(`project: ${row.project}${session.projectPath && session.projectPath !== row.project ? ` (${session.projectPath})` : ""}${row.gitBranch ? ` · branch ${row.gitBranch}` : ""}${row.machine ? ` · machine ${row.machine}` : ""}`);
  lines.push(`created ${isoMinute(session.createdAt)} · updated ${isoMinute(session.updatedAt)} · ${messages.length} messages · ${int(session.totalTokens)} tokens · ${usd(session.cost)}`);
  lines.push(row.url);
  let returned = 0;
  let chars = 0;
  for (let i = offset; i < messages.length && returned < maxMessages; i++) {
    const block = messageText(messages[i], i);
    if (returned > 0 && chars + block.length > PAGE_CHARS) break;
    lines.push("", block);
    chars += block.length;
    returned++;
  }
  const next = offset + returned;
  const page: SessionPage = { session: row, offset, returned, nextOffset: next < messages.length ? next : null };
  lines.push("");
  if (messages.length === 0) lines.push("The session has no messages.");
  else if (returned === 0) lines.push(`No messages from offset ${offset}: the session has ${messages.length}.`);
  else lines.push(`Messages ${offset + 1}–${offset + returned} of ${messages.length}.`);
  if (page.nextOffset !== null) lines.push(`More: call get_session with {"id": "${row.id}", "offset": ${page.nextOffset}}.`);
  return { text: lines.join("\n"), page };
}

// --- context ---

export function contextText(response: ContextResponse, dashboardUrl: string): string {
  const body =
    response.format === "text"
      ? response.text
      : response.messages.map((m) => `[${m.role} · ${m.metadata.sessionTitle ?? m.metadata.sessionId}]\n${m.content}`).join("\n\n");
  const lines = [];
  if (response.degraded) lines.push(`Note: the server answered without part of its search (${response.degraded}).`, "");
  if (response.sources.length === 0) {
    lines.push("No past sessions are relevant to this query.");
    return lines.join("\n");
  }
  lines.push(body.trim(), "");
  lines.push(`Sources (${response.sessionCount} sessions, ${response.tokenCount} of ${response.maxTokens} tokens):`);
  for (const src of response.sources) lines.push(`- ${titleOf(src.title)} · ${src.projectName ?? "no project"} · ${isoDate(src.createdAt)} · ${sessionUrl(dashboardUrl, src.sessionId)} (id ${src.sessionId})`);
  return lines.join("\n");
}

// --- stats ---

export function statsText(stats: StatsResponse): string {
  const lines = [
    `${int(stats.sessionCount)} sessions, ${int(stats.messageCount)} messages` +
      (stats.firstSessionAt !== null && stats.lastSessionAt !== null ? ` (${isoDate(stats.firstSessionAt)} to ${isoDate(stats.lastSessionAt)})` : ""),
    `tokens: ${int(stats.totalTokens)} total = ${int(stats.promptTokens)} input + ${int(stats.cacheReadTokens)} cache read + ${int(stats.cacheWriteTokens)} cache write + ${int(stats.completionTokens)} output + ${int(stats.reasoningTokens)} reasoning`,
    `cost: ${usd(stats.totalCost)} · time: ${(stats.totalDurationMs / 3_600_000).toFixed(1)} h`,
  ];
  const usage = (label: string, rows: StatsResponse["modelUsage"]) => {
    const entries = Object.entries(rows).sort((a, b) => b[1].tokens - a[1].tokens);
    if (entries.length === 0) return;
    lines.push("", `by ${label}:`);
    for (const [key, u] of entries) lines.push(`- ${key}: ${int(u.tokens)} tokens · ${usd(u.cost)} · ${u.sessions} sessions`);
  };
  usage("model", stats.modelUsage);
  usage("source", stats.sourceUsage);
  if (stats.groupBy && stats.groups) {
    lines.push("", `by ${stats.groupBy}:`);
    for (const g of stats.groups) lines.push(`- ${g.key ?? "unknown"}: ${int(g.totalTokens)} tokens · ${usd(g.totalCost)} · ${g.sessionCount} sessions · ${g.messageCount} messages`);
  }
  return lines.join("\n");
}
