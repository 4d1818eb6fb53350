import { describe, expect, it } from "vitest";
import { ResidentCodes, simdAvailable } from "./resident-codes.js";

function seeded(seed: number) {
  let s = seed >>> 0;
  // The high byte: an LCG's low bits repeat with a short period.
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24;
}

const popcount = (b: number) => {
  let c = 0;
  for (; b; b >>= 1) c += b & 1;
  return c;
};
const hamming = (a: Uint8Array, b: Uint8Array) => a.reduce((d, x, i) => d + popcount(x ^ b[i]), 0);

describe("resident codes", () => {
  it("WebAssembly SIMD is available on this Node (else the JS scan is used)", () => {
    expect(simdAvailable()).toBe(true);
  });

  for (const simd of [true, false]) {
    for (const dims of [384, 100, 1536]) {
      it(`${simd ? "SIMD" : "JS"} scan, ${dims} dimensions: the nearest codes by Hamming distance, through growth, replacement and removal`, () => {
        const bytes = Math.ceil(dims / 8);
        const rnd = seeded(dims + (simd ? 1 : 2));
        const codes = new ResidentCodes(dims, { simd });
        const stored = new Map<number, Uint8Array>();
        const code = () => Uint8Array.from({ length: bytes }, rnd);
        // Past the initial capacity (1,024), so the memory grows while holding codes, with scans
        // in between (they write distances where later codes go).
        for (let id = 1; id <= 3000; id++) {
          const c = code();
          stored.set(id, c);
          codes.put(id, c);
          if (id % 1000 === 0) codes.nearest(code(), 10);
        }
        // Replace some, remove some (removal moves the last code into the hole).
        for (let id = 1; id <= 3000; id += 7) {
          const c = code();
          stored.set(id, c);
          codes.put(id, c);
        }
        for (let id = 2; id <= 3000; id += 5) {
          stored.delete(id);
          codes.remove(id);
        }
        codes.remove(99_999); // unknown: no-op
        expect(codes.count).toBe(stored.size);
        for (let q = 0; q < 5; q++) {
          const query = code();
          const want = 50;
          const got = codes.nearest(query, want);
          expect(got).toHaveLength(want);
          expect(new Set(got).size).toBe(want);
          const byDistance = [...stored].map(([id, c]) => hamming(c, query)).sort((a, b) => a - b);
          const cut = byDistance[want - 1];
          // Every returned id exists, and is within the distance of the 50th nearest; together they
          // are the 50 nearest (ties at the cut may be any of the tied codes).
          for (const id of got) {
            expect(stored.has(id)).toBe(true);
            expect(hamming(stored.get(id)!, query)).toBeLessThanOrEqual(cut);
          }
          expect(got.filter((id) => hamming(stored.get(id)!, query) < cut)).toHaveLength(byDistance.filter((d) => d < cut).length);
        }
        // Asking for more than there are returns them all.
        expect(new Set(codes.nearest(code(), 10_000))).toEqual(new Set(stored.keys()));
      });
    }
  }

  it("keeps ids and codes together through 30,000 random adds, replacements and removals", () => {
    const rnd = seeded(11);
    const codes = new ResidentCodes(128);
    const model = new Map<number, Uint8Array>();
    for (let op = 0; op < 30_000; op++) {
      // Ids from a small range, so the same ids come and go many times.
      const id = 1 + ((rnd() << 8) | rnd()) % 5000;
      if (rnd() < 96) {
        codes.remove(id);
        model.delete(id);
      } else {
        const c = Uint8Array.from({ length: 16 }, rnd);
        codes.put(id, c);
        model.set(id, c);
      }
    }
    expect(codes.count).toBe(model.size);
    for (let id = 1; id <= 5000; id++) expect(codes.has(id)).toBe(model.has(id));
    // Each stored code is found under its own id: its exact copy is at distance 0.
    for (const [id, c] of [...model].slice(0, 200)) expect(codes.nearest(c, 1)).toEqual([id]);
  });

  it("an exact copy of a stored code is its own nearest (distance 0)", () => {
    const rnd = seeded(5);
    const codes = new ResidentCodes(384);
    const all = Array.from({ length: 500 }, () => Uint8Array.from({ length: 48 }, rnd));
    all.forEach((c, i) => codes.put(i + 1, c));
    for (const i of [0, 17, 499]) expect(codes.nearest(all[i], 1)).toEqual([i + 1]);
  });
});
