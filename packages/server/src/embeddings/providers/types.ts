/** An embedding provider: turns texts into vectors with one model. */
export interface EmbeddingProvider {
  readonly name: "local" | "openai";
  readonly model: string;
  /** Loads the model (local) or probes the API (openai); resolves to the vector width. */
  load(): Promise<number>;
  /** One L2-normalised vector per text, in order. */
  embed(texts: string[]): Promise<Float32Array[]>;
}

/**
 * A provider failure. `retryable`: the provider is down or misconfigured (network, timeout, 401,
 * 429, 5xx), so the worker backs off and keeps the jobs. Otherwise the input itself was refused
 * (400, 413, 422) and only the messages at fault fail.
 */
export class ProviderError extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
  }
}

export function normalize(vector: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(vector);
  let sum = 0;
  for (let i = 0; i < out.length; i++) sum += out[i] * out[i];
  const norm = Math.sqrt(sum) || 1;
  for (let i = 0; i < out.length; i++) out[i] /= norm;
  return out;
}

/** Rejects after `ms` with `message` (the work itself may still finish; its result is then ignored). */
export function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ProviderError(message, true)), ms);
    timer.unref();
    work.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e) => (clearTimeout(timer), reject(e)),
    );
  });
}
