import type { ServerConfig } from "../config.js";
import type { Logger } from "../logger.js";
import type { ApiLogWriter } from "./api-log.js";
import type { EventBus } from "../realtime/bus.js";
import type { AccountsService } from "../services/accounts.js";
import type { ContextService } from "../services/context.js";
import type { SearchService } from "../services/search.js";
import type { SessionsService } from "../services/sessions.js";
import type { StatsService } from "../services/stats.js";
import type { SyncService } from "../services/sync.js";
import type { Store, UserRecord } from "../store/types.js";

/** Everything a route may use, built once in app.ts. */
export interface Services {
  config: ServerConfig;
  logger: Logger;
  store: Store;
  bus: EventBus;
  accounts: AccountsService;
  sync: SyncService;
  sessions: SessionsService;
  stats: StatsService;
  /** Full-text, semantic and hybrid search (`/api/search`, `POST /search`, MCP, CLI). */
  search: SearchService;
  /** Context for agents (`/api/context`). */
  context: ContextService;
  /** The API request log (buffered writes). */
  apiLog: ApiLogWriter;
}

export type AuthMethod = "key" | "cookie" | "header";

export interface AppEnv {
  Variables: {
    user: UserRecord;
    authMethod: AuthMethod;
    /** Set when the caller authenticated with an API key. */
    apiKeyId: string;
  };
}

export const SESSION_COOKIE = "opensync_session";
