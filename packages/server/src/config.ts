import { homedir } from "node:os";
import { join } from "node:path";

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  /** Largest accepted request body, after gzip decoding too (bytes). */
  maxBodyBytes: number;
  allowSignup: boolean;
  /** Header carrying the authenticated email from a reverse proxy, e.g. `Remote-Email`. */
  trustedHeader: string | null;
  /** Addresses the trusted header is believed from (exact IPs, IPv4 CIDRs, `loopback`). */
  trustedProxies: string[];
  /** Base URL printed in links (claim, login); defaults to http://host:port. */
  publicUrl: string | null;
  apiLogRetentionDays: number;
  logLevel: string;
  /** SQLite `synchronous` pragma. */
  sqliteSynchronous: "NORMAL" | "FULL";
  /** Semantic search: which embedding provider, which model (README "Semantic search"). */
  embeddings: EmbeddingsConfig;
}

export const EMBEDDING_PROVIDERS = ["local", "openai", "off"] as const;
export type EmbeddingProviderName = (typeof EMBEDDING_PROVIDERS)[number];

export interface EmbeddingsConfig {
  provider: EmbeddingProviderName;
  /** Hub model id (local) or API model name (openai). */
  model: string;
  /** local: a model directory (config.json, tokenizer.json, onnx/model*.onnx); nothing is downloaded. */
  modelPath: string | null;
  /** openai: base URL of an OpenAI-compatible API, up to `/v1`. */
  url: string;
  apiKey: string | null;
  /** openai: asked of models that can shorten their vectors (`dimensions` in the request). */
  dimensions: number | null;
  /** local: where models downloaded from the hub are kept. */
  cacheDir: string;
  /** Longest wait for a model to load (download included) or an API call, before the provider counts as unavailable. */
  timeoutMs: number;
}

/** The default local model: small (23 MB quantized), 384 dimensions, English sentence similarity. */
export const DEFAULT_LOCAL_MODEL = "Xenova/all-MiniLM-L6-v2";
export const DEFAULT_OPENAI_MODEL = "text-embedding-3-small";
export const DEFAULT_OPENAI_URL = "https://api.openai.com/v1";

export type EmbeddingFlags = Partial<Pick<EmbeddingsConfig, "provider" | "model" | "modelPath" | "url" | "apiKey" | "dimensions">>;

function embeddingsFrom(flags: EmbeddingFlags, env: Env, dataDir: string): EmbeddingsConfig {
  const raw = (flags.provider ?? env.OPENSYNC_EMBEDDINGS ?? "local").trim().toLowerCase();
  if (!(EMBEDDING_PROVIDERS as readonly string[]).includes(raw)) {
    throw new Error(`OPENSYNC_EMBEDDINGS must be one of ${EMBEDDING_PROVIDERS.join(", ")}, got "${raw}"`);
  }
  const provider = raw as EmbeddingProviderName;
  const dimensions = flags.dimensions ?? intFrom("OPENSYNC_EMBEDDINGS_DIMENSIONS", env.OPENSYNC_EMBEDDINGS_DIMENSIONS, 0);
  return {
    provider,
    model: flags.model ?? (env.OPENSYNC_EMBEDDINGS_MODEL?.trim() || (provider === "openai" ? DEFAULT_OPENAI_MODEL : DEFAULT_LOCAL_MODEL)),
    modelPath: flags.modelPath ?? (env.OPENSYNC_EMBEDDINGS_MODEL_PATH?.trim() || null),
    url: (flags.url ?? (env.OPENSYNC_EMBEDDINGS_URL?.trim() || DEFAULT_OPENAI_URL)).replace(/\/+$/, ""),
    apiKey: flags.apiKey ?? (env.OPENSYNC_EMBEDDINGS_API_KEY?.trim() || null),
    dimensions: dimensions > 0 ? dimensions : null,
    cacheDir: env.OPENSYNC_EMBEDDINGS_CACHE_DIR?.trim() || join(dataDir, "models"),
    timeoutMs: intFrom("OPENSYNC_EMBEDDINGS_TIMEOUT_MS", env.OPENSYNC_EMBEDDINGS_TIMEOUT_MS, 60_000),
  };
}

export const DEFAULT_PORT = 8790;
export const DEFAULT_HOST = "127.0.0.1";
export const defaultDataDir = () => join(homedir(), ".opensync", "server");

type Env = Record<string, string | undefined>;

const truthy = (v: string | undefined) => v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());

function intFrom(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

/** Configuration from flags (first), then environment variables, then defaults. */
export function loadConfig(
  flags: Partial<Pick<ServerConfig, "port" | "host" | "dataDir">> & { embeddings?: EmbeddingFlags } = {},
  env: Env = process.env,
): ServerConfig {
  const port = flags.port ?? intFrom("OPENSYNC_PORT", env.OPENSYNC_PORT, DEFAULT_PORT);
  if (port > 65535) throw new Error(`port must be at most 65535, got ${port}`);
  const dataDir = flags.dataDir ?? env.OPENSYNC_DATA_DIR ?? defaultDataDir();
  return {
    port,
    host: flags.host ?? env.OPENSYNC_HOST ?? DEFAULT_HOST,
    dataDir,
    maxBodyBytes: intFrom("OPENSYNC_MAX_BODY_BYTES", env.OPENSYNC_MAX_BODY_BYTES, 16 * 1024 * 1024),
    allowSignup: truthy(env.OPENSYNC_ALLOW_SIGNUP),
    trustedHeader: env.OPENSYNC_TRUSTED_HEADER?.trim() || null,
    trustedProxies: (env.OPENSYNC_TRUSTED_PROXIES ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    publicUrl: env.OPENSYNC_PUBLIC_URL?.replace(/\/+$/, "") || null,
    apiLogRetentionDays: intFrom("OPENSYNC_API_LOG_RETENTION_DAYS", env.OPENSYNC_API_LOG_RETENTION_DAYS, 14),
    logLevel: env.OPENSYNC_LOG_LEVEL ?? "info",
    sqliteSynchronous: env.OPENSYNC_SQLITE_SYNCHRONOUS?.toUpperCase() === "FULL" ? "FULL" : "NORMAL",
    embeddings: embeddingsFrom(flags.embeddings ?? {}, env, dataDir),
  };
}

export const databasePath = (config: Pick<ServerConfig, "dataDir">) => join(config.dataDir, "opensync.db");
