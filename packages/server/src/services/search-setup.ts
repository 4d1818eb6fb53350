import { databasePath, type ServerConfig } from "../config.js";
import type { Logger } from "../logger.js";
import { startFulltextIndexer } from "../store/sqlite/fulltext-host.js";
import { SqliteFulltextIndex } from "../store/sqlite/fulltext.js";
import type { Store } from "../store/types.js";
import { ContextService } from "./context.js";
import { SearchService } from "./search.js";
import { createSemanticRetriever } from "./semantic.js";

/**
 * Search and context over the store's database: the dialect's full-text index (SQLite: FTS5 in
 * `<db>-fts.db`, fed by a background indexer) and the semantic retriever (`semantic.ts`).
 */
export function createSearchServices(config: ServerConfig, store: Store, logger: Logger): { search: SearchService; context: ContextService } {
  if (store.backend !== "sqlite") throw new Error(`full-text search is not implemented for ${store.backend} yet`);
  const path = databasePath(config);
  const index = new SqliteFulltextIndex(path);
  const indexer = startFulltextIndexer(path, logger);
  const search = new SearchService(index, createSemanticRetriever(config, logger), async () => {
    await indexer.stop();
    await index.close();
  });
  return { search, context: new ContextService(search, index) };
}
