import { parseJsonLine, readCompleteLines } from "../../jsonl.js";

/** Claude usage in protocol terms. Claude's `input_tokens` already excludes cache traffic. */
export interface TokenCounts {
  promptTokens: number;
  completionTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export const ZERO_TOKENS: TokenCounts = Object.freeze({ promptTokens: 0, completionTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });

const count = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0);

/**
 * The usage object of an assistant line (`message.usage` with numeric `input_tokens` and
 * `output_tokens`). Other line types never carry a billed usage: a `progress` line's nested copy of
 * a subagent's response is counted from the subagent's own lines.
 */
export function usageOfLine(raw: Record<string, unknown>): TokenCounts | undefined {
  if (raw.type !== "assistant") return undefined;
  const message = raw.message as { usage?: Record<string, unknown> } | undefined;
  const usage = message && typeof message === "object" ? message.usage : undefined;
  if (!usage || typeof usage !== "object") return undefined;
  if (typeof usage.input_tokens !== "number" || typeof usage.output_tokens !== "number") return undefined;
  return {
    promptTokens: count(usage.input_tokens),
    completionTokens: count(usage.output_tokens),
    cacheReadTokens: count(usage.cache_read_input_tokens),
    cacheWriteTokens: count(usage.cache_creation_input_tokens),
  };
}

/**
 * The API response a line belongs to: `message.id`, plus `requestId` when the line has one.
 * Claude Code writes one response as several lines (one content block a line, or growing
 * snapshots); they all share this key. `undefined` when the line has no `message.id`.
 */
export function responseKeyOfLine(raw: Record<string, unknown>): string | undefined {
  const message = raw.message as { id?: unknown } | undefined;
  const messageId = message && typeof message === "object" ? message.id : undefined;
  if (typeof messageId !== "string" || !messageId) return undefined;
  const requestId = raw.requestId;
  return typeof requestId === "string" && requestId ? `${messageId}:${requestId}` : messageId;
}

export function addTokens(a: TokenCounts, b: TokenCounts): TokenCounts {
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
  };
}

export const isZeroUsage = (t: TokenCounts): boolean =>
  t.promptTokens + t.completionTokens + t.cacheReadTokens + t.cacheWriteTokens === 0;

export interface UsageTotals extends TokenCounts {
  totalTokens: number;
  /** API responses whose usage was counted. */
  responses: number;
}

const totalsOf = (t: TokenCounts, responses: number): UsageTotals => ({
  ...t,
  totalTokens: t.promptTokens + t.completionTokens + t.cacheReadTokens + t.cacheWriteTokens,
  responses,
});

/**
 * What the provider bills, from transcript lines: one usage per API response, the one on its LAST
 * line. While a response streams, `output_tokens` grows from line to line (the API's
 * `message_delta` usage is cumulative) and only the last line holds the final, billed count; the
 * input and cache figures are per response too, so they are never summed across its lines. A
 * response repeated later in the file (same key) is still one response. Lines without a
 * `message.id` are responses of their own.
 *
 * Deliberately independent of the assembler: the tests and the import benchmark check the
 * collector's per-message tokens against this tally.
 */
export class BilledUsageTally {
  private readonly byResponse = new Map<string, TokenCounts>();
  private unkeyed: TokenCounts = { ...ZERO_TOKENS };
  private unkeyedCount = 0;

  addLine(text: string): void {
    const raw = parseJsonLine(text);
    if (!raw) return;
    const usage = usageOfLine(raw);
    if (!usage) return;
    const key = responseKeyOfLine(raw);
    if (key === undefined) {
      this.unkeyed = addTokens(this.unkeyed, usage);
      this.unkeyedCount++;
    } else {
      this.byResponse.set(key, usage); // last line wins
    }
  }

  totals(): UsageTotals {
    let t = this.unkeyed;
    for (const u of this.byResponse.values()) t = addTokens(t, u);
    return totalsOf(t, this.byResponse.size + this.unkeyedCount);
  }
}

/**
 * ccusage's rule (17.x, and its open issues #888, #901, #938): the FIRST line of each
 * (message.id, requestId) wins, lines lacking either are all summed. Not a billing rule: kept only
 * to explain, in tests and the benchmark, how ccusage's totals differ from the billed ones.
 */
export class FirstLineUsageTally {
  private readonly seen = new Set<string>();
  private tokens: TokenCounts = { ...ZERO_TOKENS };
  private entries = 0;

  addLine(text: string): void {
    const raw = parseJsonLine(text);
    if (!raw || typeof raw.timestamp !== "string") return;
    const message = raw.message as { usage?: unknown; id?: unknown } | undefined;
    if (!message || typeof message !== "object" || !message.usage) return;
    const u = message.usage as Record<string, unknown>;
    if (typeof u.input_tokens !== "number" || typeof u.output_tokens !== "number") return;
    const id = message.id;
    const requestId = raw.requestId;
    if (typeof id === "string" && id && typeof requestId === "string" && requestId) {
      const key = `${id}:${requestId}`;
      if (this.seen.has(key)) return;
      this.seen.add(key);
    }
    this.tokens = addTokens(this.tokens, {
      promptTokens: count(u.input_tokens), completionTokens: count(u.output_tokens),
      cacheReadTokens: count(u.cache_read_input_tokens), cacheWriteTokens: count(u.cache_creation_input_tokens),
    });
    this.entries++;
  }

  totals(): UsageTotals {
    return totalsOf(this.tokens, this.entries);
  }
}

/** Pure: billed token totals of the given transcript lines. */
export function billedTotalsOfLines(lines: Iterable<string>): UsageTotals {
  const tally = new BilledUsageTally();
  for (const line of lines) tally.addLine(line);
  return tally.totals();
}

async function tallyFile<T extends { addLine(text: string): void; totals(): UsageTotals }>(path: string, tally: T): Promise<UsageTotals> {
  for await (const line of readCompleteLines(path)) tally.addLine(line.text);
  return tally.totals();
}

/** Billed token totals of one transcript file (streamed; a partial last line is not counted). */
export const billedTokenTotals = (path: string): Promise<UsageTotals> => tallyFile(path, new BilledUsageTally());

/** ccusage-equivalent (first line wins) totals of one transcript file, for comparison only. */
export const firstLineTokenTotals = (path: string): Promise<UsageTotals> => tallyFile(path, new FirstLineUsageTally());
