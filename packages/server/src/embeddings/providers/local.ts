import { existsSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { EmbeddingsConfig } from "../../config.js";
import { normalize, ProviderError, withTimeout, type EmbeddingProvider } from "./types.js";

type Extractor = (texts: string[], options: { pooling: "mean"; normalize: boolean }) => Promise<{ dims: number[]; data: Float32Array }>;

/**
 * transformers.js running an ONNX sentence-embedding model on the CPU (onnxruntime-node, shipped
 * inside the npm package). The model comes from `modelPath` (a directory; nothing is downloaded) or
 * from the Hugging Face hub on first use, kept in `cacheDir`. Mean pooling + L2 normalisation, as
 * sentence-transformers models are meant to be used.
 */
export class LocalEmbeddingProvider implements EmbeddingProvider {
  readonly name = "local" as const;
  readonly model: string;
  private loading: Promise<Extractor> | null = null;
  private extractor: Extractor | null = null;

  constructor(private readonly config: Pick<EmbeddingsConfig, "model" | "modelPath" | "cacheDir" | "timeoutMs">) {
    this.model = config.modelPath ? basename(resolve(config.modelPath)) : config.model;
  }

  async load(): Promise<number> {
    // A load that outlives the timeout keeps going; the next attempt waits for the same one.
    this.loading ??= this.start().catch((err) => {
      this.loading = null;
      throw err;
    });
    const what = this.config.modelPath ? `model directory ${this.config.modelPath}` : `model ${this.config.model} (from the hub, cached in ${this.config.cacheDir})`;
    this.extractor = await withTimeout(this.loading, this.config.timeoutMs, `loading the ${what} took longer than ${this.config.timeoutMs} ms`);
    const [probe] = await this.embed(["dimension probe"]);
    return probe.length;
  }

  private async start(): Promise<Extractor> {
    const { env, pipeline } = await import("@huggingface/transformers");
    let id = this.config.model;
    let dtype: "fp32" | "q8" = "q8";
    if (this.config.modelPath) {
      const dir = resolve(this.config.modelPath);
      if (!existsSync(join(dir, "config.json"))) {
        throw new ProviderError(`OPENSYNC_EMBEDDINGS_MODEL_PATH=${dir} has no config.json: point it at a model directory (config.json, tokenizer.json, onnx/model.onnx)`, false);
      }
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
      env.localModelPath = dirname(dir);
      id = basename(dir);
      dtype = existsSync(join(dir, "onnx", "model.onnx")) ? "fp32" : "q8";
    } else {
      env.allowRemoteModels = true;
      env.cacheDir = this.config.cacheDir;
    }
    try {
      return (await pipeline("feature-extraction", id, { dtype })) as unknown as Extractor;
    } catch (err) {
      const message = (err as Error).message;
      const offline = !this.config.modelPath && /fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network/i.test(message + String((err as { cause?: unknown }).cause ?? ""));
      throw new ProviderError(
        offline
          ? `the model ${this.config.model} is not in ${this.config.cacheDir} and the hub cannot be reached (offline?)`
          : `the model ${id} could not be loaded: ${message.slice(0, 300)}`,
        true,
      );
    }
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (!this.extractor) throw new ProviderError("the local model is not loaded", true);
    const out = await this.extractor(texts, { pooling: "mean", normalize: true });
    const width = out.dims[out.dims.length - 1];
    return texts.map((_, i) => normalize(out.data.subarray(i * width, (i + 1) * width)));
  }
}
