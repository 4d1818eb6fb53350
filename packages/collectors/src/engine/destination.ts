import { createHash } from "node:crypto";
import { normalizeServerUrl as normalizeUrl, OpenSyncError, type OpenSyncClient } from "@opensync/protocol/client";
import type { StateStore } from "./state.js";

/**
 * The destination of a sync: the server and the account on it. Checkpoints, rejections and
 * "synced" in `status` are all per destination (issue 7, defect 4), so two servers (e.g. the Claude
 * Code plugin's own `~/.claude-code-sync.json` and `opensync login`) each receive everything.
 *
 * The account is the user id the key belongs to (GET /api/me), so a new key for the same account
 * keeps its checkpoints; it is looked up once per key and remembered by the key's hash. A server
 * without /api/me (not ours) falls back to the key's hash.
 */
export function keyHash(apiKey: string): string {
  return createHash("sha256").update(apiKey).digest("hex");
}

/** Scheme and host are case-insensitive; the path is not. */
function serverIdentity(url: string): string {
  const normalized = normalizeUrl(url);
  try {
    const u = new URL(normalized);
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`;
  } catch {
    return normalized;
  }
}

/** The destination already resolved for this client's key, without asking the server. */
export function knownDestination(state: StateStore, client: OpenSyncClient): string | undefined {
  return client.apiKey ? state.knownDestination(keyHash(client.apiKey), serverIdentity(client.baseUrl)) : undefined;
}

export async function resolveDestination(state: StateStore, client: OpenSyncClient): Promise<string> {
  const apiKey = client.apiKey;
  const server = serverIdentity(client.baseUrl);
  if (!apiKey) return `${server}#anonymous`;
  const hash = keyHash(apiKey);
  const known = state.knownDestination(hash, server);
  if (known) return known;
  let account: string;
  try {
    account = `user:${(await client.me()).user.id}`;
  } catch (err) {
    // Unreachable or refused: the sync cannot run anyway; let the caller report it as such.
    if (!(err instanceof OpenSyncError) || err.status === 0 || err.status === 401 || err.retryable) throw err;
    account = `key:${hash.slice(0, 24)}`;
  }
  const destination = `${server}#${account}`;
  state.rememberDestination(hash, server, destination);
  return destination;
}
