/** Codex's own usage record (`TokenUsage` in codex-rs/protocol). */
export interface CodexUsage {
  input_tokens: number;
  cached_input_tokens: number;
  /** Input written to the provider's prompt cache (0.171; part of input_tokens, like cached reads). */
  cache_write_input_tokens: number;
  output_tokens: number;
  reasoning_output_tokens: number;
  total_tokens: number;
}

/** Usage in PROTOCOL.md terms. */
export interface MessageTokens {
  promptTokens: number;
  completionTokens: number;
  cacheReadTokens: number;
  reasoningTokens: number;
  cacheWriteTokens?: number;
}

const FIELDS = ["input_tokens", "cached_input_tokens", "cache_write_input_tokens", "output_tokens", "reasoning_output_tokens", "total_tokens"] as const;

const count = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0);

export function readUsage(value: unknown): CodexUsage | undefined {
  if (!value || typeof value !== "object") return undefined;
  const o = value as Record<string, unknown>;
  if (!FIELDS.some((f) => typeof o[f] === "number")) return undefined;
  return {
    input_tokens: count(o.input_tokens),
    cached_input_tokens: count(o.cached_input_tokens),
    cache_write_input_tokens: count(o.cache_write_input_tokens),
    output_tokens: count(o.output_tokens),
    reasoning_output_tokens: count(o.reasoning_output_tokens),
    total_tokens: count(o.total_tokens),
  };
}

export const isZeroUsage = (u: CodexUsage): boolean => FIELDS.every((f) => u[f] === 0);

/**
 * Usage added between two cumulative `total_token_usage` snapshots. Identical snapshots (Codex
 * repeats token_count events, e.g. on rate-limit updates) give zero. A snapshot smaller than the
 * previous one means the counter restarted (older versions reset it on resume): all of it is new.
 */
export function usageDelta(previous: CodexUsage | undefined, current: CodexUsage): CodexUsage {
  if (!previous) return current;
  const restarted = current.total_tokens < previous.total_tokens || current.input_tokens < previous.input_tokens;
  if (restarted) return current;
  const delta = {} as CodexUsage;
  for (const f of FIELDS) delta[f] = Math.max(0, current[f] - previous[f]);
  return delta;
}

export function addUsage(a: CodexUsage | undefined, b: CodexUsage): CodexUsage {
  if (!a) return { ...b };
  const sum = {} as CodexUsage;
  for (const f of FIELDS) sum[f] = a[f] + b[f];
  return sum;
}

/**
 * Codex counts cached reads and cache writes inside input (as the Responses API reports them:
 * `input_tokens_details.cached_tokens` / `cache_write_tokens`), and reasoning inside output; the
 * protocol does not.
 */
export function toMessageTokens(u: CodexUsage): MessageTokens {
  const tokens: MessageTokens = {
    promptTokens: Math.max(0, u.input_tokens - u.cached_input_tokens - u.cache_write_input_tokens),
    cacheReadTokens: u.cached_input_tokens,
    completionTokens: Math.max(0, u.output_tokens - u.reasoning_output_tokens),
    reasoningTokens: u.reasoning_output_tokens,
  };
  if (u.cache_write_input_tokens > 0) tokens.cacheWriteTokens = u.cache_write_input_tokens;
  return tokens;
}

export function sameUsage(a: CodexUsage | null, b: CodexUsage | null): boolean {
  if (!a || !b) return a === b;
  return FIELDS.every((f) => a[f] === b[f]);
}
