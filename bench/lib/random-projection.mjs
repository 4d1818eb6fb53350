/**
 * A seeded random-projection embedding provider for benchmarks: the server's `EmbeddingProvider`
 * interface (packages/server/src/embeddings/providers/types.ts) without a model. A text's vector is
 * the sum of one seeded Gaussian vector per lower-case word token, L2-normalised: texts sharing
 * words are close (a bag of words projected to `dims` dimensions), so semantic results over the
 * generated corpus follow the query's words, and the same seed gives the same vectors everywhere.
 * No real model can be downloaded here, and the tiny fixture model is 32 dimensions; this keeps the
 * width of the default all-MiniLM-L6-v2 (384), which is what the vector index's cost depends on.
 */
import { normalize } from "@opensync/server/embeddings/providers/types";
import { Rng } from "../corpus/rng.mjs";

/**
 * Token vectors kept at most: the generated corpus's vocabulary is small, but a real history's is
 * not (hex ids, numbers), and a vector is 1.5 KB. Past it the cache starts over: a vector is a
 * function of seed and token, so a dropped one comes back identical.
 */
const MAX_CACHED_TOKENS = 50_000;

const TOKEN = /[\p{L}\p{N}]+/gu;

/** FNV-1a of the token, mixed with the seed: one independent generator per (seed, token). */
function tokenSeed(token, seed) {
  let h = 0x811c9dc5 ^ Math.imul(seed, 0x9e3779b1);
  for (let i = 0; i < token.length; i++) h = Math.imul(h ^ token.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export class RandomProjectionProvider {
  /** The server's interface names two kinds of provider; "openai" stands for "not the local model". */
  name = "openai";
  #cache = new Map();

  /** @param {{ seed?: number, dims?: number }} options */
  constructor({ seed = 1, dims = 384 } = {}) {
    this.seed = seed;
    this.dims = dims;
    // Part of the worker's fingerprint (provider:model:width): another seed or width re-embeds.
    this.model = `random-projection-${dims}-seed${seed}`;
  }

  async load() {
    return this.dims;
  }

  /** @param {string[]} texts */
  async embed(texts) {
    return texts.map((text) => this.vector(text));
  }

  /** @param {string} text */
  vector(text) {
    const sum = new Float64Array(this.dims);
    for (const [token] of text.toLowerCase().matchAll(TOKEN)) {
      const v = this.#tokenVector(token);
      for (let i = 0; i < sum.length; i++) sum[i] += v[i];
    }
    return normalize(sum);
  }

  #tokenVector(token) {
    let v = this.#cache.get(token);
    if (v) return v;
    if (this.#cache.size >= MAX_CACHED_TOKENS) this.#cache.clear();
    const rng = new Rng(tokenSeed(token, this.seed));
    v = new Float32Array(this.dims);
    // Box-Muller, two standard normals per pair of uniforms (1 - next() is in (0, 1]: no log(0)).
    for (let i = 0; i < v.length; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - rng.next()));
      const t = 2 * Math.PI * rng.next();
      v[i] = r * Math.cos(t);
      if (i + 1 < v.length) v[i + 1] = r * Math.sin(t);
    }
    this.#cache.set(token, v);
    return v;
  }
}
