/**
 * A typed view of one line of a Claude Code transcript. Only the fields the collector uses are
 * lifted out; `raw` keeps the rest. Unknown line types come through with just `type` set, and the
 * caller skips them.
 */
export interface RawUsage {
  input_tokens?: unknown;
  output_tokens?: unknown;
  cache_creation_input_tokens?: unknown;
  cache_read_input_tokens?: unknown;
}

export interface LineMessage {
  id?: string;
  role?: string;
  model?: string;
  content: unknown;
  usage?: RawUsage;
  stopReason?: string;
}

export interface TranscriptLine {
  type: string;
  raw: Record<string, unknown>;
  sessionId?: string;
  uuid?: string;
  /** Epoch ms of the line's own `timestamp`, else of its file-history snapshot's. */
  timestamp?: number;
  cwd?: string;
  gitBranch?: string;
  isSidechain: boolean;
  agentId?: string;
  isMeta: boolean;
  isCompactSummary: boolean;
  isApiErrorMessage: boolean;
  requestId?: string;
  message?: LineMessage;
  /** JSON literals of the tool results in `message.content`, by index (set by the reader). */
  toolResultJson?: ReadonlyMap<number, Buffer>;
}

const text = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);

export function parseTimestamp(v: unknown): number | undefined {
  if (typeof v !== "string") return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

/** `file-history-snapshot` lines carry their time only inside the snapshot. */
function snapshotTimestamp(snapshot: unknown): number | undefined {
  return snapshot && typeof snapshot === "object" ? parseTimestamp((snapshot as Record<string, unknown>).timestamp) : undefined;
}

function liftMessage(v: unknown): LineMessage | undefined {
  if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
  const m = v as Record<string, unknown>;
  const usage = m.usage && typeof m.usage === "object" ? (m.usage as RawUsage) : undefined;
  return {
    id: text(m.id),
    role: text(m.role),
    model: text(m.model),
    content: m.content,
    usage,
    stopReason: text(m.stop_reason),
  };
}

export function toTranscriptLine(raw: Record<string, unknown>): TranscriptLine | undefined {
  const type = text(raw.type);
  if (!type) return undefined;
  return {
    type,
    raw,
    sessionId: text(raw.sessionId),
    uuid: text(raw.uuid),
    timestamp: parseTimestamp(raw.timestamp) ?? snapshotTimestamp(raw.snapshot),
    cwd: text(raw.cwd),
    gitBranch: text(raw.gitBranch),
    isSidechain: raw.isSidechain === true,
    agentId: text(raw.agentId),
    isMeta: raw.isMeta === true,
    isCompactSummary: raw.isCompactSummary === true,
    isApiErrorMessage: raw.isApiErrorMessage === true,
    requestId: text(raw.requestId),
    message: liftMessage(raw.message),
  };
}
