import type { AgentCollector } from "../../types.js";
import { readOpencodeDb } from "./db-reader.js";
import { AGENT_ID, discoverUnits, ENV_VAR, isDatabaseUnit, opencodeRoots, unitFor } from "./discover.js";
import { opencodeFingerprint } from "./fingerprint.js";
import { readLegacySession } from "./legacy-reader.js";

/**
 * OpenCode: `opencode.db` (SQLite, OpenCode >= 1.2; one unit per database) and the JSON
 * `storage/` tree of earlier versions (one unit per session file).
 */
export const opencodeCollector: AgentCollector = {
  id: AGENT_ID,
  displayName: "OpenCode",
  envVar: ENV_VAR,
  roots: opencodeRoots,
  discover: discoverUnits,
  unitFor,
  // A legacy session lives in many files: the session file alone would hide every new turn.
  fingerprint: opencodeFingerprint,
  read(unit, checkpoint, ctx) {
    return isDatabaseUnit(unit) ? readOpencodeDb(unit.path, checkpoint, ctx) : readLegacySession(unit.path, checkpoint, ctx);
  },
};
