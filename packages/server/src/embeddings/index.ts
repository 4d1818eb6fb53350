import type BetterSqlite3 from "better-sqlite3";
import { databasePath, type ServerConfig } from "../config.js";
import type { Logger } from "../logger.js";
import type { RetrievalHit, RetrievalRequest, SemanticRetriever, SemanticStatus } from "../search/types.js";
import { openVectorConnection } from "./connection.js";
import { queuedNotPending } from "./queue.js";
import { createProvider, type EmbeddingProvider } from "./providers/index.js";
import { ChunkRetriever } from "./retriever.js";
import { DEFAULT_TUNING, VectorIndex, type IndexTuning } from "./vector-index.js";
import { EmbeddingWorker, type WorkerOptions } from "./worker.js";

export { chunkMessage, chunkText } from "./chunker.js";
export { createProvider, LocalEmbeddingProvider, OpenAIEmbeddingProvider, ProviderError, type EmbeddingProvider } from "./providers/index.js";
export { VectorIndex, DEFAULT_TUNING, type IndexTuning } from "./vector-index.js";
export { EmbeddingWorker } from "./worker.js";

const ENABLE_HINT =
  "Enable it with OPENSYNC_EMBEDDINGS=local (a small model run on the CPU: downloaded once from the Hugging Face hub, " +
  "or from a directory named by OPENSYNC_EMBEDDINGS_MODEL_PATH on an offline machine) or OPENSYNC_EMBEDDINGS=openai " +
  "with OPENSYNC_EMBEDDINGS_URL (OpenAI, Ollama, LM Studio) and OPENSYNC_EMBEDDINGS_API_KEY, then restart the server.";

export interface SemanticSearchOptions {
  /** Start the background worker now (default true). */
  start?: boolean;
  provider?: EmbeddingProvider | null;
  worker?: Partial<WorkerOptions>;
  tuning?: IndexTuning;
}

/**
 * Semantic search over the server's database: the `SemanticRetriever` the search and context
 * services use, the background embedding worker, and the numbers of `GET /api/search/status`.
 */
export class SemanticSearch implements SemanticRetriever {
  readonly worker: EmbeddingWorker;
  readonly index: VectorIndex;
  private readonly retriever: ChunkRetriever | null;

  constructor(
    readonly db: BetterSqlite3.Database,
    private readonly config: ServerConfig["embeddings"],
    readonly provider: EmbeddingProvider | null,
    logger?: Logger,
    options: SemanticSearchOptions = {},
  ) {
    this.index = new VectorIndex(db, options.tuning ?? DEFAULT_TUNING);
    this.worker = new EmbeddingWorker(db, this.index, provider, logger, options.worker);
    this.retriever = provider ? new ChunkRetriever(db, this.index, provider) : null;
  }

  available(): boolean {
    return this.retriever !== null && this.worker.state.loaded;
  }

  unavailableReason(): string | undefined {
    if (this.available()) return undefined;
    if (!this.provider) return `Semantic search is off (OPENSYNC_EMBEDDINGS=off). ${ENABLE_HINT}`;
    const what = this.provider.name === "local" ? `the local embedding model ${this.provider.model}` : `the embeddings API ${this.config.url} (model ${this.provider.model})`;
    const error = this.worker.state.lastError;
    if (!error) return `No embedding provider yet: ${what} is loading; try again in a moment.`;
    return `No embedding provider: ${what} is unavailable (${error}). ${ENABLE_HINT}`;
  }

  async search(request: RetrievalRequest): Promise<RetrievalHit[]> {
    if (!this.retriever || !this.available()) return [];
    return this.retriever.search(request);
  }

  async status(userId: string): Promise<SemanticStatus> {
    const count = (sql: string) => this.db.prepare(sql).pluck().get(userId) as number;
    const available = this.available();
    return {
      provider: this.config.provider,
      model: this.provider?.model ?? null,
      dimensions: this.worker.state.dimensions,
      indexed: count("SELECT count(*) FROM embedding_chunks WHERE user_id = ?"),
      pending: count("SELECT count(*) FROM embedding_jobs WHERE user_id = ? AND state = 'pending'") + queuedNotPending(this.db, userId),
      failed: count("SELECT count(*) FROM embedding_jobs WHERE user_id = ? AND state = 'failed'"),
      lastError: this.worker.state.lastError,
      available,
      ...(available ? {} : { reason: this.unavailableReason() }),
    };
  }

  start(): void {
    this.worker.start();
  }

  /** Stops the worker (waiting for its round in flight) and closes the connection; idempotent. */
  async close(): Promise<void> {
    await this.worker.stop();
    if (this.db.open) this.db.close();
  }

  get closed(): boolean {
    return !this.db.open;
  }
}

/** Semantic search on the server's database file, with the configured provider; the worker starts at once. */
export function createSemanticSearch(config: ServerConfig, logger?: Logger, options: SemanticSearchOptions = {}): SemanticSearch {
  const provider = options.provider !== undefined ? options.provider : createProvider(config.embeddings);
  const semantic = new SemanticSearch(openVectorConnection(databasePath(config)), config.embeddings, provider, logger, options);
  if (options.start ?? true) semantic.start();
  return semantic;
}
