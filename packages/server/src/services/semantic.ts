import type { ServerConfig } from "../config.js";
import type { Logger } from "../logger.js";
import type { SemanticRetriever } from "../search/types.js";
import { UnavailableSemanticRetriever } from "../search/unavailable-semantic.js";
import { existsSync } from "node:fs";
import { databasePath } from "../config.js";
import { createSemanticSearch } from "../embeddings/index.js";

/**
 * The semantic retriever the search and context services use: packages/server/src/embeddings
 * (provider from OPENSYNC_EMBEDDINGS*). While it is unavailable, `type=semantic` answers 409 with
 * how to enable it, and hybrid falls back to full-text (`degraded`).
 */
export function createSemanticRetriever(config: ServerConfig, logger: Logger): SemanticRetriever {
  // The embeddings work on the store's database file (opened and migrated before the app is built).
  return existsSync(databasePath(config)) ? createSemanticSearch(config, logger) : new UnavailableSemanticRetriever();
}
