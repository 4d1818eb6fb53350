import type { RetrievalHit, SemanticRetriever, SemanticStatus } from "./types.js";

/** How to turn semantic search on, said wherever it is unavailable. */
export const ENABLE_SEMANTIC_HINT =
  "semantic search needs an embedding provider: configure a local model or an OpenAI-compatible endpoint " +
  "(see docs/api.md, \"Search\"), then run `opensync admin reindex --embeddings`";

/** The semantic retriever of a server without an embedding provider: never available. */
export class UnavailableSemanticRetriever implements SemanticRetriever {
  constructor(private readonly reason = `no embedding provider: ${ENABLE_SEMANTIC_HINT}`) {}
  available(): boolean {
    return false;
  }
  unavailableReason(): string {
    return this.reason;
  }
  async search(): Promise<RetrievalHit[]> {
    return [];
  }
  async status(): Promise<SemanticStatus> {
    return { provider: "off", model: null, dimensions: null, indexed: 0, pending: 0, failed: 0, lastError: null, available: false, reason: this.reason };
  }
}
