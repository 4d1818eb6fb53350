import { z } from "zod";
import type { SyncFeature } from "./tool-output.js";
import {
  countValue,
  maybe,
  durationValue,
  tokenValue,
  externalId,
  idText,
  LIMITS,
  money,
  optional,
  pathText,
  shortText,
  timestamp,
} from "./fields.js";
import { normalizeSource } from "./sources.js";

export const MESSAGE_ROLES = ["user", "assistant", "system", "tool", "unknown"] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

/** Token fields shared by sessions and messages; meanings are defined in PROTOCOL.md. */
export const TOKEN_FIELDS = [
  "promptTokens",
  "completionTokens",
  "cacheReadTokens",
  "cacheWriteTokens",
  "reasoningTokens",
] as const;
export type TokenField = (typeof TOKEN_FIELDS)[number];

/** Integer fields: rounded while normalising. */
const ROUNDED: ReadonlySet<string> = new Set([
  "promptTokens", "completionTokens", "cacheReadTokens", "cacheWriteTokens", "reasoningTokens", "durationMs",
]);

/** Fields a session and a message both carry, with the same meaning. */
const sharedShape = {
  source: maybe(z.string().max(64)),
  promptTokens: maybe(tokenValue),
  completionTokens: maybe(tokenValue),
  cacheReadTokens: maybe(tokenValue),
  cacheWriteTokens: maybe(tokenValue),
  reasoningTokens: maybe(tokenValue),
  cost: maybe(money),
  durationMs: maybe(durationValue),
  createdAt: maybe(timestamp),
  metadata: maybe(z.record(z.string(), z.unknown())),
};

const sessionKnownShape = {
  externalId: maybe(externalId),
  sessionId: maybe(externalId),
  title: maybe(shortText),
  projectPath: maybe(pathText),
  projectName: maybe(shortText),
  model: maybe(shortText),
  provider: maybe(shortText),
  gitBranch: maybe(shortText),
  machine: maybe(shortText),
  tokenUsage: maybe(
    z.looseObject({ input: maybe(tokenValue), output: maybe(tokenValue) }),
  ),
  updatedAt: maybe(timestamp),
  ...sharedShape,
};

const SESSION_KNOWN_KEYS = new Set(Object.keys(sessionKnownShape));

/**
 * Fields the plugins declare that PROTOCOL.md keeps in `metadata` exactly as sent, but that the
 * server also reads: a declared `messageCount` counts while no message is stored, and the Claude
 * Code plugin's `startedAt`, `endedAt` and `costEstimate` stand in for the canonical fields. They
 * are checked like the canonical numbers, so one absurd value cannot reach the totals.
 */
const DECLARED_FIELDS: ReadonlyArray<readonly [string, z.ZodType]> = [
  ["messageCount", countValue],
  ["toolCallCount", countValue],
  ["costEstimate", money],
  ["startedAt", timestamp],
  ["endedAt", timestamp],
];
/** The declared counts may also come inside the client's own `metadata` object (same meaning). */
const DECLARED_COUNTS_IN_METADATA = ["messageCount", "toolCallCount"] as const;

function checkDeclared(value: unknown, schema: z.ZodType, path: PropertyKey[], ctx: z.RefinementCtx): void {
  if (value == null) return; // absent or null: "not sent", kept as is
  const parsed = schema.safeParse(value);
  if (parsed.success) return;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", path: [...path, ...issue.path], message: issue.message });
}

/**
 * What a client may send to create or update a session (`POST /sync/session`, `sessions[]` of a batch).
 * Unknown fields are accepted and kept in `metadata`.
 */
export const sessionInputSchema = z
  .looseObject(sessionKnownShape)
  .superRefine((s, ctx) => {
    if (s.externalId == null && s.sessionId == null) {
      ctx.addIssue({ code: "custom", path: ["externalId"], message: "externalId (or sessionId) is required" });
    }
    const loose = s as Record<string, unknown>;
    for (const [key, schema] of DECLARED_FIELDS) checkDeclared(loose[key], schema, [key], ctx);
    if (s.metadata) for (const key of DECLARED_COUNTS_IN_METADATA) checkDeclared(s.metadata[key], countValue, ["metadata", key], ctx);
  })
  .transform((raw) => normalizeSessionInput(raw as RawSessionInput));

type RawSessionInput = { [K in keyof typeof sessionKnownShape]: z.output<(typeof sessionKnownShape)[K]> } & Record<string, unknown>;

/** A session upsert after aliases are folded and unknown fields moved into metadata. */
export interface SessionUpsert {
  externalId: string;
  /** Normalised source; absent when the client sent none (`opencode` is applied on insert only). */
  source?: string;
  title?: string;
  projectPath?: string;
  projectName?: string;
  model?: string;
  provider?: string;
  gitBranch?: string;
  machine?: string;
  promptTokens?: number;
  completionTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  cost?: number;
  durationMs?: number;
  createdAt?: number;
  updatedAt?: number;
  /** `messageCount` as declared (kept in metadata too); the session's count while no message is stored. */
  declaredMessageCount?: number;
  /** Unknown fields the client sent (plus its own `metadata` object, merged). */
  metadata: Record<string, unknown>;
}

function normalizeSessionInput(raw: RawSessionInput): SessionUpsert {
  const metadata: Record<string, unknown> = { ...(raw.metadata ?? {}) };
  for (const [key, value] of Object.entries(raw)) {
    if (!SESSION_KNOWN_KEYS.has(key) && value !== undefined) metadata[key] = value;
  }
  const out: SessionUpsert = {
    externalId: idText((raw.externalId ?? raw.sessionId)!),
    metadata,
  };
  if (raw.source != null && raw.source.trim() !== "") out.source = normalizeSource(raw.source);
  const copy = [
    "title", "projectPath", "projectName", "model", "provider", "gitBranch", "machine",
    "promptTokens", "completionTokens", "cacheReadTokens", "cacheWriteTokens", "reasoningTokens",
    "cost", "durationMs", "createdAt", "updatedAt",
  ] as const;
  for (const key of copy) {
    const value = raw[key];
    if (value != null) (out as unknown as Record<string, unknown>)[key] = ROUNDED.has(key) ? Math.round(value as number) : value;
  }
  // Claude Code plugin: tokenUsage {input, output} is an alias of prompt/completion tokens.
  if (raw.tokenUsage) {
    if (out.promptTokens === undefined && raw.tokenUsage.input != null) out.promptTokens = Math.round(raw.tokenUsage.input);
    if (out.completionTokens === undefined && raw.tokenUsage.output != null) out.completionTokens = Math.round(raw.tokenUsage.output);
  }
  // Validated by the schema (top level or inside metadata); zero says nothing, like a total of 0.
  const declared = metadata.messageCount;
  if (typeof declared === "number" && declared > 0) out.declaredMessageCount = declared;
  applyClaudeCodeSessionData(raw, out);
  return out;
}

/**
 * The Claude Code plugin's own `SessionData` (the shape that also carries `sessionId` and
 * `tokenUsage`) names the agent's times and cost `startedAt`, `endedAt`, `costEstimate` and the
 * directory `cwd`. They stay in metadata like every unknown field, and stand in for the canonical
 * fields when those are absent, so such a session keeps the agent's own times and cost.
 */
function applyClaudeCodeSessionData(raw: Record<string, unknown>, out: SessionUpsert): void {
  const valid = <T>(schema: z.ZodType<T>, value: unknown): T | undefined => {
    const parsed = schema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  };
  const startedAt = valid(timestamp, raw.startedAt);
  const endedAt = valid(timestamp, raw.endedAt);
  const costEstimate = valid(money, raw.costEstimate);
  const cwd = valid(pathText, raw.cwd)?.trim();
  if (out.createdAt === undefined && startedAt !== undefined) out.createdAt = startedAt;
  if (out.updatedAt === undefined && endedAt !== undefined) out.updatedAt = endedAt;
  if (out.cost === undefined && costEstimate !== undefined) out.cost = costEstimate;
  if (out.projectPath === undefined && cwd) out.projectPath = cwd;
}

export const partInputSchema = z.looseObject({
  type: z.string().min(1).max(64),
  content: z.unknown().optional(),
});
export type PartInput = { type: string; content: unknown };

const messageKnownShape = {
  sessionExternalId: externalId,
  externalId: externalId,
  role: maybe(z.string().max(32)),
  textContent: maybe(z.string().max(LIMITS.textContent)),
  parts: maybe(z.array(partInputSchema).max(LIMITS.partsPerMessage)),
  model: maybe(shortText),
  provider: maybe(shortText),
  ...sharedShape,
};
const MESSAGE_KNOWN_KEYS = new Set(Object.keys(messageKnownShape));
type RawMessageInput = { [K in keyof typeof messageKnownShape]: z.output<(typeof messageKnownShape)[K]> } & Record<string, unknown>;

/** A message upsert after normalisation. `parts === undefined` means "leave earlier parts alone". */
export interface MessageUpsert {
  sessionExternalId: string;
  externalId: string;
  role: MessageRole;
  textContent?: string;
  parts?: PartInput[];
  model?: string;
  provider?: string;
  source?: string;
  promptTokens?: number;
  completionTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  cost?: number;
  durationMs?: number;
  createdAt?: number;
  metadata: Record<string, unknown>;
}

export const messageInputSchema = z
  .looseObject(messageKnownShape)
  .transform((raw) => normalizeMessageInput(raw as RawMessageInput));

function normalizeMessageInput(raw: RawMessageInput): MessageUpsert {
  const metadata: Record<string, unknown> = { ...(raw.metadata ?? {}) };
  for (const [key, value] of Object.entries(raw)) {
    if (!MESSAGE_KNOWN_KEYS.has(key) && value !== undefined) metadata[key] = value;
  }
  const role = (raw.role ?? "unknown").toLowerCase();
  const known = (MESSAGE_ROLES as readonly string[]).includes(role);
  if (!known) metadata.originalRole = raw.role;
  const out: MessageUpsert = {
    sessionExternalId: idText(raw.sessionExternalId),
    externalId: idText(raw.externalId),
    role: known ? (role as MessageRole) : "unknown",
    metadata,
  };
  const copy = [
    "textContent", "model", "provider", "promptTokens", "completionTokens", "cacheReadTokens",
    "cacheWriteTokens", "reasoningTokens", "cost", "durationMs", "createdAt",
  ] as const;
  for (const key of copy) {
    const value = raw[key];
    if (value != null) (out as unknown as Record<string, unknown>)[key] = ROUNDED.has(key) ? Math.round(value as number) : value;
  }
  // A blank source names nothing (it must not pass for `opencode` when the session is labelled).
  if (raw.source != null && raw.source.trim() !== "") out.source = normalizeSource(raw.source);
  if (raw.parts != null) out.parts = raw.parts.map((p) => ({ type: p.type.trim(), content: p.content ?? null }));
  return out;
}

/** `POST /sync/batch`. Items are validated one by one so one bad item does not sink the batch. */
export const batchInputSchema = z.object({
  sessions: optional(z.array(z.unknown()).max(LIMITS.batchSessions)).transform((v) => v ?? []),
  messages: optional(z.array(z.unknown()).max(LIMITS.batchMessages)).transform((v) => v ?? []),
});

export interface SyncSessionResponse { ok: true; sessionId: string }
export interface SyncMessageResponse { ok: true; messageId: string }
export interface BatchItemError { kind: "session" | "message"; index: number; error: string }
export interface SyncBatchResponse { ok: true; sessions: number; messages: number; errors: BatchItemError[]; features?: SyncFeature[] }
export interface SessionIdListResponse { sessionIds: string[] }

/** Client-side input types (what you may pass to the typed client). */
export type SessionInput = z.input<typeof sessionInputSchema>;
export type MessageInput = z.input<typeof messageInputSchema>;
export interface BatchInput { sessions?: SessionInput[]; messages?: MessageInput[] }
