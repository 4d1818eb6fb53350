import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { normalizeServerUrl } from "@opensync/protocol/client";
import { credentialsPath, settingsPath } from "./paths.js";

type Env = Record<string, string | undefined>;

export interface Credentials {
  serverUrl: string;
  apiKey: string;
}

/** Writes a file atomically (temp + rename) so a crash never leaves half a JSON file. */
export function writeFileAtomic(path: string, text: string, mode = 0o600): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(readFileSync(path, "utf8"));
    return v && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Credentials from `OPENSYNC_URL` / `OPENSYNC_API_KEY` (win) or `~/.opensync/credentials.json`
 * (`serverUrl`, with the original plugins' `convexUrl` / `pocketbaseUrl` read as aliases).
 */
export function loadCredentials(env: Env = process.env): Partial<Credentials> & { source: string } {
  const file = readJson(credentialsPath(env)) ?? {};
  const fileUrl = [file.serverUrl, file.convexUrl, file.pocketbaseUrl].find((v): v is string => typeof v === "string" && v.length > 0);
  const fileKey = typeof file.apiKey === "string" ? file.apiKey : undefined;
  const url = env.OPENSYNC_URL || fileUrl;
  const apiKey = env.OPENSYNC_API_KEY || fileKey;
  const source = env.OPENSYNC_URL || env.OPENSYNC_API_KEY ? "environment" : credentialsPath(env);
  return { serverUrl: url ? normalizeServerUrl(url) : undefined, apiKey, source };
}

export function saveCredentials(credentials: Credentials, env: Env = process.env): string {
  const path = credentialsPath(env);
  writeFileAtomic(path, JSON.stringify({ serverUrl: normalizeServerUrl(credentials.serverUrl), apiKey: credentials.apiKey }, null, 2) + "\n");
  return path;
}

export function removeCredentials(env: Env = process.env): boolean {
  try {
    rmSync(credentialsPath(env));
    return true;
  } catch {
    return false;
  }
}

/** User settings in `~/.opensync/config.json`; every key is optional. */
export interface Settings {
  /** `machine` label on every session (default: the hostname). */
  machine?: string;
  redaction?: {
    /** Default true. */
    enabled?: boolean;
    /** Pattern kinds to leave alone, e.g. ["jwt"]. */
    disable?: string[];
  };
  /** Agents to skip, by id. */
  disabledAgents?: string[];
  /** Upload batch bounds. */
  batchMessages?: number;
  batchBytes?: number;
}

export const SETTING_KEYS = ["machine", "redaction.enabled", "redaction.disable", "disabledAgents", "batchMessages", "batchBytes"] as const;

export function loadSettings(env: Env = process.env): Settings {
  return (readJson(settingsPath(env)) as Settings | undefined) ?? {};
}

export function saveSettings(settings: Settings, env: Env = process.env): string {
  const path = settingsPath(env);
  writeFileAtomic(path, JSON.stringify(settings, null, 2) + "\n");
  return path;
}

/** Reads a dotted key (`redaction.enabled`). */
export function getSetting(settings: Settings, key: string): unknown {
  return key.split(".").reduce<unknown>((obj, k) => (obj && typeof obj === "object" ? (obj as Record<string, unknown>)[k] : undefined), settings);
}

/** Sets a dotted key from a command-line string: booleans, numbers and comma lists are parsed. */
export function setSetting(settings: Settings, key: string, raw: string): Settings {
  if (!(SETTING_KEYS as readonly string[]).includes(key)) throw new Error(`unknown setting "${key}"; known: ${SETTING_KEYS.join(", ")}`);
  let value: unknown = raw;
  if (key === "redaction.enabled") {
    if (!/^(true|false)$/i.test(raw)) throw new Error(`${key} must be true or false`);
    value = raw.toLowerCase() === "true";
  } else if (key === "batchMessages" || key === "batchBytes") {
    value = Number(raw);
    if (!Number.isInteger(value) || (value as number) <= 0) throw new Error(`${key} must be a positive integer`);
  } else if (key === "redaction.disable" || key === "disabledAgents") {
    value = raw.split(",").map((s) => s.trim()).filter(Boolean);
  }
  const next = structuredClone(settings) as Record<string, unknown>;
  const path = key.split(".");
  let obj = next;
  for (const k of path.slice(0, -1)) obj = (obj[k] ??= {}) as Record<string, unknown>;
  obj[path[path.length - 1]] = value;
  return next as Settings;
}
