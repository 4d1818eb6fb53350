/** Inner product of two vectors of the same width (cosine for L2-normalised vectors). */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function nearest(vector: Float32Array, centroids: Float32Array[]): number {
  let best = 0;
  let bestScore = -Infinity;
  for (let c = 0; c < centroids.length; c++) {
    const s = dot(vector, centroids[c]);
    if (s > bestScore) {
      bestScore = s;
      best = c;
    }
  }
  return best;
}

/** Indexes of the `n` centroids closest to `vector`, closest first. */
export function nearestN(vector: Float32Array, centroids: Float32Array[], n: number): number[] {
  return centroids
    .map((c, i) => [dot(vector, c), i] as const)
    .sort((a, b) => b[0] - a[0])
    .slice(0, n)
    .map(([, i]) => i);
}

/**
 * Spherical k-means (cosine) over normalised vectors: the coarse quantizer of the IVF index.
 * Deterministic for a given `seed`; an empty cluster is re-seeded with a random point.
 */
export async function kmeans(vectors: Float32Array[], k: number, iterations = 8, seed = 1): Promise<Float32Array[]> {
  let state = seed >>> 0;
  const rnd = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
  const width = vectors[0].length;
  const centroids = Array.from({ length: k }, () => Float32Array.from(vectors[Math.floor(rnd() * vectors.length)]));
  const assignment = new Int32Array(vectors.length);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < vectors.length; i++) {
      assignment[i] = nearest(vectors[i], centroids);
      // Trained inside the server process: let requests through every few milliseconds of work.
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    }
    const sums = Array.from({ length: k }, () => new Float32Array(width));
    const counts = new Int32Array(k);
    for (let i = 0; i < vectors.length; i++) {
      const s = sums[assignment[i]];
      const v = vectors[i];
      for (let j = 0; j < width; j++) s[j] += v[j];
      counts[assignment[i]]++;
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        centroids[c] = Float32Array.from(vectors[Math.floor(rnd() * vectors.length)]);
        continue;
      }
      let norm = 0;
      for (let j = 0; j < width; j++) norm += sums[c][j] * sums[c][j];
      norm = Math.sqrt(norm) || 1;
      for (let j = 0; j < width; j++) sums[c][j] /= norm;
      centroids[c] = sums[c];
    }
  }
  return centroids;
}
