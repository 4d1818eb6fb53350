import { closeSync, openSync, readSync, statSync } from "node:fs";
import type { AgentCollector, SourceUnit, UnitFingerprint } from "../../types.js";
import { CLAUDE_SOURCE } from "./constants.js";
import { CLAUDE_CONFIG_ENV, claudeRoots, claudeUnitFor, discoverClaudeTranscripts } from "./discover.js";
import { IDLE_TAIL_MS, readClaudeTranscript } from "./read.js";

/**
 * Size and mtime, except that a transcript whose last line has no newline changes fingerprint
 * once it has been idle long enough for that line to be read (read.ts, IDLE_TAIL_MS): a file read
 * while the line was fresh and never written again must still be read once more.
 */
async function transcriptFingerprint(unit: SourceUnit): Promise<UnitFingerprint> {
  // Synchronous calls: every transcript is fingerprinted before a sync starts, and a local stat or
  // one-byte read is far cheaper than its thread-pool round trip (369 files: ~0.1 s of the start).
  let s;
  try {
    s = statSync(unit.path);
  } catch {
    return { size: 0, mtimeMs: 0 };
  }
  if (s.size === 0 || Date.now() - s.mtimeMs < IDLE_TAIL_MS) return { size: s.size, mtimeMs: s.mtimeMs };
  let fd: number;
  try {
    fd = openSync(unit.path, "r");
  } catch {
    return { size: s.size, mtimeMs: s.mtimeMs };
  }
  try {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, s.size - 1);
    return { size: s.size, mtimeMs: last[0] === 0x0a ? s.mtimeMs : -s.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/** Claude Code: JSONL transcripts under `<config dir>/projects/<encoded cwd>/`. */
export const claudeCodeCollector: AgentCollector = {
  id: CLAUDE_SOURCE,
  displayName: "Claude Code",
  envVar: CLAUDE_CONFIG_ENV,
  roots: claudeRoots,
  discover: (ctx) => discoverClaudeTranscripts(claudeRoots(ctx)),
  unitFor: claudeUnitFor,
  fingerprint: transcriptFingerprint,
  read: (unit, checkpoint, ctx) => readClaudeTranscript(unit, checkpoint, ctx),
};

export { billedTokenTotals, billedTotalsOfLines, firstLineTokenTotals, type UsageTotals } from "./usage.js";
export type { ClaudeCheckpoint, ClaudeReadState } from "./read.js";
