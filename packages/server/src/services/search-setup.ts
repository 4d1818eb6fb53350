import { databasePath, type ServerConfig } from "../config.js";
import type { Logger } from "../logger.js";
import { startFulltextIndexer } from "../store/sqlite/fulltext-host.js";
import { SqliteFulltextIndex } from "../store/sqlite/fulltext.js";
import type { Store } from "../store/types.js";
import { ContextService } from "./context.js";
import { SearchService } from "./search.js";
import { createSemanticRetriever } from "./semantic.js";

const PRUNE_INTERVAL_MS = 2000;

/**
 * Search and context over the store's database: the dialect's full-text index (SQLite: FTS5 in
 * `<db>-fts.db`, fed by a background indexer) and the semantic retriever (`semantic.ts`).
 */
export function createSearchServices(config: ServerConfig, store: Store, logger: Logger): { search: SearchService; context: ContextService } {
  if (store.backend !== "sqlite") throw new Error(`full-text search is not implemented for ${store.backend} yet`);
  const path = databasePath(config);
  const index = new SqliteFulltextIndex(path);
  const indexer = startFulltextIndexer(path, logger);
  // The drained queue is deleted here, on the thread that runs sync transactions, so that delete
  // never makes one of them wait for the lock (the indexer thread only reads the main file).
  const pruner = setInterval(() => {
    index.prune().catch((err: Error) => logger.warn({ err: err.message }, "full-text queue prune failed"));
  }, PRUNE_INTERVAL_MS);
  pruner.unref();
  const search = new SearchService(index, createSemanticRetriever(config, logger), async () => {
    clearInterval(pruner);
    await indexer.stop();
    await index.close();
  });
  return { search, context: new ContextService(search, index) };
}
