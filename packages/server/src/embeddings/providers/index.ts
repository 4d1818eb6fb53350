import type { EmbeddingsConfig } from "../../config.js";
import { LocalEmbeddingProvider } from "./local.js";
import { OpenAIEmbeddingProvider } from "./openai.js";
import type { EmbeddingProvider } from "./types.js";

export { ProviderError, type EmbeddingProvider } from "./types.js";
export { LocalEmbeddingProvider } from "./local.js";
export { OpenAIEmbeddingProvider } from "./openai.js";

/** The configured provider, or null when semantic search is off. */
export function createProvider(config: EmbeddingsConfig): EmbeddingProvider | null {
  if (config.provider === "off") return null;
  return config.provider === "openai" ? new OpenAIEmbeddingProvider(config) : new LocalEmbeddingProvider(config);
}
