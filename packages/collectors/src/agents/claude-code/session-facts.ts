import { basename } from "node:path";
import type { SessionInput } from "@opensync/protocol";
import { CLAUDE_PROVIDER, CLAUDE_SOURCE } from "./constants.js";
import { toTitle } from "./titles.js";

/**
 * What the collector knows about one session, folded line by line. It travels in the checkpoint so
 * an incremental read still sends a complete session upsert. Every fold is first-wins, last-wins,
 * min or max, so replaying lines already seen (the reopened message group) changes nothing.
 */
export interface SessionFacts {
  firstAt?: number;
  lastAt?: number;
  cwd?: string;
  gitBranch?: string;
  model?: string;
  firstPrompt?: string;
  summary?: string;
  aiTitle?: string;
  customTitle?: string;
  /** `firstPrompt` is a slash command; a local command's output (`/model`) takes it back. */
  firstPromptIsCommand?: boolean;
  /** Saw a message line (user, assistant, system): only such sessions are sent. */
  hasConversation?: boolean;
  /** Saw a line of the main conversation (not only subagent/sidechain lines). */
  hasMainChain?: boolean;
  /** The first prompt and model of subagent lines: the session's, when nothing else names it. */
  sidechainPrompt?: string;
  sidechainModel?: string;
}

export function noteTimestamp(f: SessionFacts, at: number | undefined): void {
  if (at === undefined) return;
  if (f.firstAt === undefined || at < f.firstAt) f.firstAt = at;
  if (f.lastAt === undefined || at > f.lastAt) f.lastAt = at;
}

/** Claude Code's own precedence for the name of a session: custom, AI title, summary, first prompt. */
export function titleOf(f: SessionFacts): string | undefined {
  return f.customTitle ?? f.aiTitle ?? f.summary ?? f.firstPrompt;
}

export function setTitleCandidate(f: SessionFacts, kind: "customTitle" | "aiTitle" | "summary", text: unknown): void {
  const title = typeof text === "string" ? toTitle(text) : undefined;
  if (title) f[kind] = title;
}

/**
 * The session upsert. A file holding only subagent lines of a session whose own transcript exists
 * (`deferToOwnTranscript`) does not name the session, nor move its end: that transcript does, and
 * must not be overwritten by a subagent's prompt. Without one, the subagent lines are all there is,
 * and they name the session.
 */
export function toSessionInput(externalId: string, f: SessionFacts, machine: string, deferToOwnTranscript = false): SessionInput {
  const session: SessionInput = {
    externalId,
    source: CLAUDE_SOURCE,
    provider: CLAUDE_PROVIDER,
    machine,
  };
  if (f.cwd) {
    session.projectPath = f.cwd;
    session.projectName = basename(f.cwd) || f.cwd;
  }
  if (f.gitBranch) session.gitBranch = f.gitBranch;
  if (f.firstAt !== undefined) session.createdAt = f.firstAt;
  if (!f.hasMainChain && deferToOwnTranscript) return session;
  const title = titleOf(f) ?? f.sidechainPrompt;
  if (title) session.title = title;
  const model = f.model ?? f.sidechainModel;
  if (model) session.model = model;
  if (f.lastAt !== undefined) session.updatedAt = f.lastAt;
  if (f.firstAt !== undefined && f.lastAt !== undefined) session.durationMs = f.lastAt - f.firstAt;
  return session;
}
