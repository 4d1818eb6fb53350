import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { AgentCollector, SourceUnit } from "../../types.js";
import { CODEX_ENV_VAR, codexRoots, findRolloutFiles } from "./discover.js";
import { readRollout } from "./read.js";
import { CODEX_SOURCE } from "./rollout.js";
import { codexHomeOf, indexStat } from "./session-index.js";

function unitFor(path: string): SourceUnit {
  const abs = resolve(path);
  return { key: `${CODEX_SOURCE}:${abs}`, agent: CODEX_SOURCE, path: abs };
}

/** Codex CLI: rollout JSONL files under `~/.codex/sessions` and `~/.codex/archived_sessions`. */
export const codexCollector: AgentCollector = {
  id: CODEX_SOURCE,
  displayName: "Codex CLI",
  envVar: CODEX_ENV_VAR,
  roots: codexRoots,
  async discover(ctx) {
    const files = (await Promise.all(codexRoots(ctx).map(findRolloutFiles))).flat();
    return files.sort().map(unitFor);
  },
  unitFor,
  // A rename only touches session_index.jsonl: a newer index makes every rollout worth a (cheap) look.
  async fingerprint(unit) {
    const file = await stat(unit.path).catch(() => undefined);
    const home = codexHomeOf(unit.path);
    const index = home ? await indexStat(home) : undefined;
    return { size: file?.size ?? 0, mtimeMs: Math.max(file?.mtimeMs ?? 0, index?.mtimeMs ?? 0) };
  },
  read: readRollout,
};
