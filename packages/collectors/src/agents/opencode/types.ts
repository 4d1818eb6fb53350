/**
 * OpenCode's own shapes, as far as the collector reads them. Verified against `opencode.db` written
 * by opencode-ai 1.18.33 (fixtures/real) and the JSON files of the pre-1.2 `storage/` tree.
 * Everything is optional: older and newer versions add and drop fields.
 */

/** A session: columns of the `session` table, or the JSON of `storage/session/<project>/<id>.json`. */
export interface OcSession {
  id: string;
  projectID?: string;
  parentID?: string;
  slug?: string;
  directory?: string;
  title?: string;
  version?: string;
  agent?: string;
  /** The session's selected model (db column `model`, JSON `{id, providerID}`; absent before ~1.14). */
  model?: { id?: string; providerID?: string };
  /** Git branch of the workspace the session runs in, when OpenCode records one. */
  gitBranch?: string;
  time?: { created?: number; updated?: number; archived?: number };
}

export interface OcTokens {
  total?: number;
  /** Input tokens net of cache reads and writes. */
  input?: number;
  /** Output tokens excluding reasoning. */
  output?: number;
  reasoning?: number;
  cache?: { read?: number; write?: number };
}

/** `message.data` (db) or `storage/message/<session>/<id>.json` (legacy). */
export interface OcMessage {
  id: string;
  sessionID: string;
  role?: string;
  parentID?: string;
  agent?: string;
  mode?: string;
  modelID?: string;
  providerID?: string;
  /** User messages name the model they were sent to here. */
  model?: { providerID?: string; modelID?: string };
  cost?: number;
  tokens?: OcTokens;
  finish?: string;
  error?: { name?: string; data?: Record<string, unknown> };
  path?: { cwd?: string; root?: string };
  time?: { created?: number; completed?: number };
  [key: string]: unknown;
}

export interface OcToolState {
  status?: "pending" | "running" | "completed" | "error" | string;
  input?: unknown;
  output?: unknown;
  error?: unknown;
  title?: string;
  metadata?: Record<string, unknown>;
  time?: { start?: number; end?: number };
}

/** `part.data` (db) or `storage/part/<message>/<id>.json` (legacy). */
export interface OcPart {
  id: string;
  type: string;
  text?: string;
  synthetic?: boolean;
  ignored?: boolean;
  tool?: string;
  callID?: string;
  state?: OcToolState;
  mime?: string;
  filename?: string;
  url?: string;
  hash?: string;
  files?: string[];
  snapshot?: string;
  reason?: string;
  tokens?: OcTokens;
  cost?: number;
  /** `start`/`end` on text and reasoning parts; `created` on retry parts. */
  time?: { start?: number; end?: number; created?: number };
  [key: string]: unknown;
}

/** One message with all its parts (any order: the mapping puts them in start order). */
export interface OcMessageWithParts {
  message: OcMessage;
  parts: OcPart[];
}
