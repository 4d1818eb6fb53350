import type { Message } from "@opensync/protocol";
import { viewParts, type ViewPart } from "./parts";

/** A pause longer than this between two messages is marked in the viewer. */
export const GAP_MS = 5 * 60_000;

export interface TokenSubtotal { tokens: number; cost: number; messages: number }

/** What the viewer's virtual list shows, one row each. */
export type Row =
  | { kind: "message"; key: string; message: Message; parts: ViewPart[] }
  | { kind: "sidechain"; key: string; agentId: string | null; messages: { message: Message; parts: ViewPart[] }[]; subtotal: TokenSubtotal }
  | { kind: "gap"; key: string; ms: number; from: number; to: number };

export type ViewMode = "all" | "prompts";

const meta = (m: Message) => (m.metadata ?? {}) as Record<string, unknown>;
export const isSidechain = (m: Message) => meta(m).isSidechain === true;
const agentIdOf = (m: Message) => (typeof meta(m).agentId === "string" ? (meta(m).agentId as string) : null);

/** A user turn the person typed (not a message that only carries tool results back). */
export function isPrompt(m: Message, parts: ViewPart[]): boolean {
  if (m.role !== "user" || isSidechain(m)) return false;
  return parts.some((p) => p.kind === "text" && p.text.trim().length > 0);
}

const hasAnswerText = (parts: ViewPart[]) => parts.some((p) => p.kind === "text" && p.text.trim().length > 0);

/** Tool results by call id, so a call can show its own output. */
export function resultsByCallId(messages: { parts: ViewPart[] }[]): Map<string, Extract<ViewPart, { kind: "tool-result" }>> {
  const out = new Map<string, Extract<ViewPart, { kind: "tool-result" }>>();
  for (const m of messages) for (const p of m.parts) if (p.kind === "tool-result" && p.callId) out.set(p.callId, p);
  return out;
}

/** Call ids that have a call among the messages (their results are shown under the call). */
function calledIds(messages: { parts: ViewPart[] }[]): Set<string> {
  const out = new Set<string>();
  for (const m of messages) for (const p of m.parts) if (p.kind === "tool-call" && p.callId) out.add(p.callId);
  return out;
}

/**
 * The rows of a session: main-chain messages one per row; consecutive subagent (sidechain) messages
 * of one agent grouped with their token subtotal; a gap row where more than 5 minutes passed;
 * messages that only return results of calls shown above are folded into those calls.
 * In "prompts" mode: the prompts the user typed and, per turn, the last assistant answer with text.
 */
export function buildRows(messages: Message[], mode: ViewMode = "all"): Row[] {
  const withParts = messages.map((message) => ({ message, parts: viewParts(message) }));
  const selected = mode === "prompts" ? promptsAndAnswers(withParts) : foldResults(withParts);
  const rows: Row[] = [];
  let prevAt: number | null = null;
  for (const item of selected) {
    const at = item.message.createdAt;
    if (prevAt !== null && at - prevAt > GAP_MS) rows.push({ kind: "gap", key: `gap-${item.message.id}`, ms: at - prevAt, from: prevAt, to: at });
    prevAt = at;
    const last = rows[rows.length - 1];
    if (isSidechain(item.message)) {
      const agentId = agentIdOf(item.message);
      if (last?.kind === "sidechain" && last.agentId === agentId) {
        last.messages.push(item);
        addTo(last.subtotal, item.message);
        continue;
      }
      const subtotal = { tokens: 0, cost: 0, messages: 0 };
      addTo(subtotal, item.message);
      rows.push({ kind: "sidechain", key: `side-${item.message.id}`, agentId, messages: [item], subtotal });
      continue;
    }
    rows.push({ kind: "message", key: item.message.id, ...item });
  }
  return rows;
}

function addTo(t: TokenSubtotal, m: Message) {
  t.tokens += m.totalTokens || 0;
  t.cost += m.cost || 0;
  t.messages += 1;
}

type Item = { message: Message; parts: ViewPart[] };

function foldResults(items: Item[]): Item[] {
  const called = calledIds(items);
  return items.filter(({ parts, message }) => {
    if (hasAnswerText(parts) || parts.length === 0 && message.textContent) return true;
    const onlyPairedResults = parts.length > 0 && parts.every((p) => p.kind === "tool-result" && p.callId !== null && called.has(p.callId));
    return !onlyPairedResults;
  });
}

function promptsAndAnswers(items: Item[]): Item[] {
  const out: Item[] = [];
  let lastAnswer: Item | null = null;
  for (const item of items) {
    if (isPrompt(item.message, item.parts)) {
      if (lastAnswer) out.push(lastAnswer);
      lastAnswer = null;
      out.push(item);
    } else if (item.message.role === "assistant" && !isSidechain(item.message) && hasAnswerText(item.parts)) {
      lastAnswer = { message: item.message, parts: item.parts.filter((p) => p.kind === "text") };
    }
  }
  if (lastAnswer) out.push(lastAnswer);
  return out;
}

/** The row that shows a message (a sidechain group shows several); -1 when it is not shown. */
export function rowIndexOf(rows: Row[], messageId: string): number {
  return rows.findIndex((r) => (r.kind === "message" ? r.message.id === messageId : r.kind === "sidechain" ? r.messages.some((m) => m.message.id === messageId) : false));
}

/** Marks for the minimap: where the user spoke, where tools ran, where something failed. */
export type MarkKind = "user" | "tool" | "error";
export interface Mark { row: number; kind: MarkKind; messageId: string }

export function marksOf(rows: Row[], results: Map<string, { isError: boolean }> = new Map()): Mark[] {
  const marks: Mark[] = [];
  rows.forEach((row, i) => {
    const items = row.kind === "message" ? [row] : row.kind === "sidechain" ? row.messages : [];
    for (const { message, parts } of items) {
      const error = parts.some((p) => (p.kind === "tool-result" && p.isError) || (p.kind === "tool-call" && p.callId !== null && results.get(p.callId)?.isError === true));
      const kind: MarkKind | null = error ? "error" : isPrompt(message, parts) ? "user" : parts.some((p) => p.kind === "tool-call") ? "tool" : null;
      if (kind) {
        marks.push({ row: i, kind, messageId: message.id });
        break;
      }
    }
  });
  return marks;
}
