import type { EmbeddingsConfig } from "../../config.js";
import { normalize, ProviderError, type EmbeddingProvider } from "./types.js";

/**
 * Any OpenAI-compatible `POST /v1/embeddings`: OpenAI, Ollama (`http://127.0.0.1:11434/v1`),
 * LM Studio (`http://127.0.0.1:1234/v1`). Request `{model, input: string[], dimensions?}`,
 * answer `{data: [{index, embedding}]}` (OpenAI API reference, "Create embeddings").
 */
export class OpenAIEmbeddingProvider implements EmbeddingProvider {
  readonly name = "openai" as const;
  readonly model: string;

  constructor(private readonly config: Pick<EmbeddingsConfig, "model" | "url" | "apiKey" | "dimensions" | "timeoutMs">) {
    this.model = config.model;
  }

  async load(): Promise<number> {
    const [probe] = await this.embed(["dimension probe"]);
    return probe.length;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const body: Record<string, unknown> = { model: this.model, input: texts, encoding_format: "float" };
    if (this.config.dimensions) body.dimensions = this.config.dimensions;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.config.apiKey) headers.authorization = `Bearer ${this.config.apiKey}`;
    const endpoint = `${this.config.url}/embeddings`;
    let res: Response;
    try {
      res = await fetch(endpoint, { method: "POST", headers, body: JSON.stringify(body), signal: AbortSignal.timeout(this.config.timeoutMs) });
    } catch (err) {
      const why = (err as Error).name === "TimeoutError" ? `no answer within ${this.config.timeoutMs} ms` : ((err as { cause?: Error }).cause?.message ?? (err as Error).message);
      throw new ProviderError(`embeddings API ${endpoint} unreachable: ${why}`, true);
    }
    if (!res.ok) {
      const detail = (await res.text().catch(() => "")).slice(0, 300);
      const inputRefused = res.status === 400 || res.status === 413 || res.status === 422;
      throw new ProviderError(`embeddings API ${endpoint} answered ${res.status}${detail ? `: ${detail}` : ""}`, !inputRefused);
    }
    const json = (await res.json().catch(() => null)) as { data?: Array<{ index?: number; embedding?: unknown }> } | null;
    const data = json?.data;
    if (!Array.isArray(data) || data.length !== texts.length) {
      throw new ProviderError(`embeddings API ${endpoint} answered ${data?.length ?? "no"} vectors for ${texts.length} inputs`, true);
    }
    const ordered = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    return ordered.map((d) => {
      if (!Array.isArray(d.embedding) || d.embedding.length === 0 || !d.embedding.every((x) => typeof x === "number")) {
        throw new ProviderError(`embeddings API ${endpoint} answered a malformed embedding (base64 or empty?)`, true);
      }
      return normalize(d.embedding as number[]);
    });
  }
}
