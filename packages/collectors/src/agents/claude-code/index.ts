import type { AgentCollector } from "../../types.js";
import { CLAUDE_SOURCE } from "./constants.js";
import { CLAUDE_CONFIG_ENV, claudeRoots, claudeUnitFor, discoverClaudeTranscripts } from "./discover.js";
import { readClaudeTranscript } from "./read.js";

/** Claude Code: JSONL transcripts under `<config dir>/projects/<encoded cwd>/`. */
export const claudeCodeCollector: AgentCollector = {
  id: CLAUDE_SOURCE,
  displayName: "Claude Code",
  envVar: CLAUDE_CONFIG_ENV,
  roots: claudeRoots,
  discover: (ctx) => discoverClaudeTranscripts(claudeRoots(ctx)),
  unitFor: claudeUnitFor,
  read: (unit, checkpoint, ctx) => readClaudeTranscript(unit, checkpoint, ctx),
};

export { billedTokenTotals, billedTotalsOfLines, firstLineTokenTotals, type UsageTotals } from "./usage.js";
export type { ClaudeCheckpoint, ClaudeReadState } from "./read.js";
