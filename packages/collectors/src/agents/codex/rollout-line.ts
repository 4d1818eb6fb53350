/**
 * One line of a Codex rollout file, whatever generation of the format wrote it:
 *  - current: `{timestamp, type: "session_meta"|"turn_context"|"response_item"|"event_msg"|"compacted", payload}`;
 *    0.171 adds `token_usage_record` (the usage of one model response) and lines that carry nothing to
 *    sync (`world_state` snapshots of the model's context, ...), and an `ordinal` on every line
 *  - mid-2025: `{timestamp, record_type: "response"|"event"|"session_meta"|"prev_session_meta"|"state", ...flattened}`
 *  - early 2025: a bare SessionMeta object as first line, then bare ResponseItems and `{record_type: "state"}` lines.
 */
export type RolloutKind = "session_meta" | "turn_context" | "response_item" | "event_msg" | "compacted" | "token_usage_record";

export interface RolloutRecord {
  kind: RolloutKind;
  payload: Record<string, unknown>;
  /** Epoch ms; absent on the early format's item lines. */
  timestamp?: number;
}

const WRAPPED_KINDS = new Set<string>(["session_meta", "turn_context", "response_item", "event_msg", "compacted", "token_usage_record"]);
const BARE_ITEM_TYPES = new Set<string>([
  "message", "reasoning", "function_call", "function_call_output", "custom_tool_call",
  "custom_tool_call_output", "local_shell_call", "web_search_call", "ghost_snapshot", "compaction",
]);

export function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

export function toEpochMs(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value < 1e11 ? Math.round(value * 1000) : Math.round(value);
  if (typeof value === "string" && value.trim()) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** Maps a parsed line to a record, or `undefined` for lines that carry nothing to sync. */
export function toRolloutRecord(line: Record<string, unknown>): RolloutRecord | undefined {
  const timestamp = toEpochMs(line.timestamp);
  const type = typeof line.type === "string" ? line.type : undefined;

  if (type && WRAPPED_KINDS.has(type) && isRecord(line.payload)) {
    return { kind: type as RolloutKind, payload: line.payload, timestamp };
  }

  if (line.record_type !== undefined) {
    switch (line.record_type) {
      case "response":
        return { kind: "response_item", payload: line, timestamp };
      case "event":
        return isRecord(line.msg) ? { kind: "event_msg", payload: line.msg, timestamp } : undefined;
      case "session_meta":
      case "prev_session_meta":
        return { kind: "session_meta", payload: line, timestamp };
      default: // "state" snapshots and anything newer
        return undefined;
    }
  }

  if (type && (BARE_ITEM_TYPES.has(type) || /_call(_output)?$/.test(type))) {
    return { kind: "response_item", payload: line, timestamp: undefined };
  }

  // Early format: the first line is the bare SessionMeta `{id, timestamp, instructions, git?}`.
  if (!type && typeof line.id === "string" && typeof line.timestamp === "string") {
    return { kind: "session_meta", payload: line, timestamp };
  }
  return undefined;
}
