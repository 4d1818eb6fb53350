import type { SessionInput } from "@opensync/protocol";
import { GEMINI_PROVIDER, isInjectedContext, isRecord, userText, type Json } from "./message.js";
import type { ProjectInfo } from "./project.js";

export const GEMINI_SOURCE = "gemini-cli";

/** What the session row is built from; kept in JSONL checkpoints between reads. */
export interface SessionFacts {
  sessionId?: string;
  startTime?: number;
  updatedAt?: number;
  summary?: string;
  firstUserText?: string;
  model?: string;
  kind?: string;
}

const ms = (v: unknown): number | undefined => {
  const t = typeof v === "string" ? Date.parse(v) : NaN;
  return Number.isNaN(t) ? undefined : t;
};

/** Folds the metadata fields of a record (`{sessionId, startTime, ...}` or a `$set`) into the facts. */
export function applyMetadata(facts: SessionFacts, meta: Json): void {
  if (typeof meta.sessionId === "string" && meta.sessionId) facts.sessionId ??= meta.sessionId;
  const start = ms(meta.startTime);
  if (start !== undefined && (facts.startTime === undefined || start < facts.startTime)) facts.startTime = start;
  touch(facts, ms(meta.lastUpdated));
  if (typeof meta.summary === "string" && meta.summary.trim()) facts.summary = meta.summary.trim();
  if (typeof meta.kind === "string") facts.kind = meta.kind;
}

/** Folds one message record into the facts (title candidate, latest model, last activity). */
export function applyMessage(facts: SessionFacts, record: Json): void {
  touch(facts, ms(record.timestamp));
  if (record.type === "user" && !facts.firstUserText && !isInjectedContext(userText(record))) {
    const text = userText(record).replace(/\s+/g, " ").trim();
    if (text) facts.firstUserText = text.length > 200 ? `${text.slice(0, 199)}…` : text;
  }
  if (record.type === "gemini" && typeof record.model === "string" && record.model) facts.model = record.model;
}

function touch(facts: SessionFacts, at: number | undefined): void {
  if (at !== undefined && (facts.updatedAt === undefined || at > facts.updatedAt)) facts.updatedAt = at;
}

export function toSession(facts: SessionFacts, fallbackId: string, project: ProjectInfo, machine: string): SessionInput {
  const session: SessionInput = {
    externalId: facts.sessionId ?? fallbackId,
    source: GEMINI_SOURCE,
    machine,
    provider: GEMINI_PROVIDER,
    projectName: project.projectName,
  };
  if (project.projectPath) session.projectPath = project.projectPath;
  const title = facts.summary ?? facts.firstUserText;
  if (title) session.title = title;
  if (facts.model) session.model = facts.model;
  if (facts.startTime !== undefined) session.createdAt = facts.startTime;
  if (facts.updatedAt !== undefined) session.updatedAt = Math.max(facts.updatedAt, facts.startTime ?? 0);
  if (facts.kind === "subagent") session.metadata = { kind: "subagent" };
  return session;
}

const MESSAGE_TYPES = new Set(["user", "gemini", "info", "warning", "error"]);

/**
 * A message record: one with an `id`, or, without one (older or hand-edited files), a message
 * `type` and content. Metadata lines and `$` records are neither.
 */
export const isMessageRecord = (v: unknown): boolean =>
  isRecord(v) &&
  ((typeof v.id === "string" && v.id !== "") ||
    (v.id === undefined && typeof v.type === "string" && MESSAGE_TYPES.has(v.type) && ("content" in v || "toolCalls" in v)));

/** The record with an id: its own, else one derived from its position and time (stable across re-reads). */
export function withId(record: Json, position: number): Json {
  if (typeof record.id === "string" && record.id) return record;
  const at = typeof record.timestamp === "string" ? record.timestamp : "";
  return { ...record, id: `noid-${position}@${at}` };
}
