import type { OpenSyncClient, Message, Session, StatsResponse } from "@opensync/protocol";
import type { Counts } from "./fixture-gen.js";

/**
 * "The server holds exactly what the agents' files hold": a user's sessions and messages as the
 * read API returns them, without what legitimately differs between two users holding the same
 * data (server ids, `updatedAt`), so a faulted user can be compared field by field with a
 * reference user that synced the same files once without faults.
 */

type Plain = Record<string, unknown>;

export interface Snapshot {
  /** By session external id: the session's fields and its messages by external id. */
  sessions: Map<string, { session: Plain; messages: Map<string, Plain> }>;
  totals: Plain;
}

const SERVER_SESSION_FIELDS = new Set(["id", "updatedAt"]);
const SERVER_MESSAGE_FIELDS = new Set(["id", "sessionId"]);

function strip(row: object, drop: Set<string>): Plain {
  const out: Plain = {};
  for (const [k, v] of Object.entries(row)) if (!drop.has(k)) out[k] = v;
  return out;
}

function message(m: Message): Plain {
  const out = strip(m, SERVER_MESSAGE_FIELDS);
  out.parts = m.parts.map((p) => ({ type: p.type, order: p.order, content: p.content }));
  return out;
}

/** Totals of `/api/stats`, without its time bounds' server-side bookkeeping. */
function totals(stats: StatsResponse): Plain {
  const { sessionCount, messageCount, totalTokens, promptTokens, completionTokens, cacheReadTokens, cacheWriteTokens, reasoningTokens, totalCost, totalDurationMs, sourceUsage } = stats;
  return { sessionCount, messageCount, totalTokens, promptTokens, completionTokens, cacheReadTokens, cacheWriteTokens, reasoningTokens, totalCost, totalDurationMs, sourceUsage };
}

/** Paths under a case's HOME differ between two copies of the same files: compare them as `~`. */
function unhome<T>(value: T, home: string | undefined): T {
  if (!home) return value;
  return JSON.parse(JSON.stringify(value).split(home).join("~")) as T;
}

/** Everything `client`'s user holds (optionally only some sessions); `home`: the HOME its files came from. */
export async function snapshot(client: OpenSyncClient, opts: { home?: string; only?: Set<string> } = {}): Promise<Snapshot> {
  const { only, home } = opts;
  const { sessionIds } = await client.listSessionIds();
  const sessions: Snapshot["sessions"] = new Map();
  for (const externalId of sessionIds.map(String)) {
    if (only && !only.has(externalId)) continue;
    const detail = unhome(await client.getSession(externalId), home);
    sessions.set(externalId, {
      session: strip(detail.session as Session, SERVER_SESSION_FIELDS),
      messages: new Map(detail.messages.map((m) => [m.externalId, message(m)])),
    });
  }
  return { sessions, totals: only ? {} : totals(await client.stats()) };
}

const show = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? "undefined" : s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

/**
 * Costs are float sums: added in another order (requests applied in another order) they differ in
 * the last bits (10.14006055 vs 10.140060550000001). Integers (tokens, counts) must match exactly;
 * non-integers match to 1e-9 relative.
 */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") {
    if (Number.isInteger(a) && Number.isInteger(b)) return a === b;
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!sameValue((a as Plain)[k], (b as Plain)[k])) return false;
    return true;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

function diffFields(where: string, got: Plain, want: Plain, out: string[]): void {
  for (const k of new Set([...Object.keys(want), ...Object.keys(got)])) {
    if (!sameValue(got[k], want[k])) out.push(`${where}.${k}: server ${show(got[k])}, files ${show(want[k])}`);
  }
}

/** Differences between a faulted user's snapshot and the reference's, as readable lines (empty: equal). */
export function compare(got: Snapshot, want: Snapshot): string[] {
  const out: string[] = [];
  for (const [id, w] of want.sessions) {
    const g = got.sessions.get(id);
    if (!g) {
      out.push(`session ${id}: missing (files hold ${w.messages.size} messages)`);
      continue;
    }
    let missing = 0;
    for (const [mid, wm] of w.messages) {
      const gm = g.messages.get(mid);
      if (!gm) missing++;
      else diffFields(`message ${id}/${mid}`, gm, wm, out);
    }
    const extra = [...g.messages.keys()].filter((mid) => !w.messages.has(mid)).length;
    if (missing || extra) out.push(`session ${id}: server holds ${g.messages.size} messages, files ${w.messages.size} (${missing} missing, ${extra} not in the files)`);
    diffFields(`session ${id}`, g.session, w.session, out);
  }
  for (const id of got.sessions.keys()) if (!want.sessions.has(id)) out.push(`session ${id}: on the server, not in the files`);
  diffFields("stats", got.totals, want.totals, out);
  return out;
}

/** Checks the server's message counts against what the generator wrote (independent of any collector). */
export function compareCounts(got: Snapshot, counts: Counts, only?: Set<string>): string[] {
  const out: string[] = [];
  for (const [id, n] of counts) {
    if (n < 0 || (only && !only.has(id))) continue;
    const held = got.sessions.get(id)?.messages.size ?? 0;
    if (held !== n) out.push(`session ${id}: server holds ${held} messages, the agent wrote ${n}`);
  }
  return out;
}

/** A short summary of what a snapshot holds, for failure messages. */
export function summarize(s: Snapshot): string {
  let messages = 0;
  for (const v of s.sessions.values()) messages += v.messages.size;
  return `${s.sessions.size} sessions, ${messages} messages`;
}
