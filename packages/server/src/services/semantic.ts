import type { ServerConfig } from "../config.js";
import type { Logger } from "../logger.js";
import type { SemanticRetriever } from "../search/types.js";
import { UnavailableSemanticRetriever } from "../search/unavailable-semantic.js";

/**
 * The semantic retriever the search and context services use. Until an embedding provider is
 * wired here (packages/server/src/embeddings), semantic search is unavailable: `type=semantic`
 * answers 409 with how to enable it, and hybrid falls back to full-text (`degraded`).
 */
export function createSemanticRetriever(_config: ServerConfig, _logger: Logger): SemanticRetriever {
  return new UnavailableSemanticRetriever();
}
