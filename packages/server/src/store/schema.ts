import type { Generated } from "kysely";

/**
 * Table shapes as Kysely sees them. Timestamps are epoch milliseconds (INTEGER / BIGINT), booleans
 * are 0/1 integers and JSON is stored as text, so both backends read the same values.
 */
export interface UsersTable {
  id: string;
  email: string;
  name: string | null;
  password_hash: string | null;
  role: "owner" | "member";
  created_at: number;
}

export interface AuthSessionsTable {
  id_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

export interface ApiKeysTable {
  id: string;
  user_id: string;
  name: string;
  key_hash: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface OneTimeTokensTable {
  token_hash: string;
  kind: "claim" | "login";
  user_id: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** Token/cost columns shared by sessions (effective totals) and messages. */
export interface UsageColumns {
  prompt_tokens: number;
  completion_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost: number;
  duration_ms: number;
}

export interface SessionsTable extends UsageColumns {
  id: string;
  user_id: string;
  external_id: string;
  source: string;
  /**
   * 1 when `source` was named by the client (on the session, or by a message of it), 0 when it is
   * the default: only a defaulted label may still be replaced by a message's source.
   */
  source_named: number;
  title: string | null;
  project_path: string | null;
  project_name: string | null;
  model: string | null;
  provider: string | null;
  git_branch: string | null;
  machine: string | null;
  total_tokens: number;
  /** Totals the client sent explicitly (null: use the sums of the messages). */
  x_prompt_tokens: number | null;
  x_completion_tokens: number | null;
  x_cache_read_tokens: number | null;
  x_cache_write_tokens: number | null;
  x_reasoning_tokens: number | null;
  x_cost: number | null;
  x_duration_ms: number | null;
  message_count: number;
  /** `messageCount` a client declared (Claude Code plugin); used while no message is stored. */
  declared_message_count: number | null;
  is_public: number;
  public_slug: string | null;
  created_at: number;
  updated_at: number;
  synced_at: number;
  metadata: string;
}

export interface MessagesTable extends UsageColumns {
  id: Generated<number>;
  session_id: string;
  user_id: string;
  external_id: string;
  role: string;
  text_content: string | null;
  model: string | null;
  provider: string | null;
  source: string | null;
  total_tokens: number;
  created_at: number;
  metadata: string;
}

export interface PartsTable {
  id: Generated<number>;
  message_id: number;
  ord: number;
  type: string;
  content: string;
}

export interface ApiLogsTable {
  id: Generated<number>;
  user_id: string | null;
  /** The API key used (migration 0005); null for cookie, trusted-header and anonymous calls. */
  key_id: string | null;
  method: string;
  endpoint: string;
  status: number;
  duration_ms: number;
  created_at: number;
}

/** Exact per-user usage sums maintained by triggers on `sessions` (migration 0005_usage_rollups). */
export interface UsageRollupTable {
  user_id: string;
  /** `q`: 15-minute UTC slot, `h`: UTC hour (all sessions); `d`: UTC day (all sessions and per dimension). */
  grain: "q" | "h" | "d";
  /** '' (all sessions), model, provider, project, source or machine. */
  dim: string;
  /** '' for dim '' and for a null value, else '=' + the value. */
  key: string;
  /** created_at divided by the grain's length in ms. */
  bucket: number;
  sessions: number;
  messages: number;
  prompt_tokens: number;
  completion_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
  cost: number;
  duration_ms: number;
}

export interface Database {
  users: UsersTable;
  auth_sessions: AuthSessionsTable;
  api_keys: ApiKeysTable;
  one_time_tokens: OneTimeTokensTable;
  sessions: SessionsTable;
  messages: MessagesTable;
  parts: PartsTable;
  api_logs: ApiLogsTable;
  usage_rollup: UsageRollupTable;
}
