/**
 * One large user's binary codes, resident in memory, scanned whole by Hamming distance.
 *
 * Why: at 1M chunks the IVF lists in sqlite-vec could not reach recall@10 >= 0.95 under 50 ms
 * (docs/benchmarks.md): the lists split a topic's members, and vec0's per-list KNN cost grows with k.
 * The binary codes themselves rank well (a whole scan with 500 candidates rescored finds the exact
 * top 10); what was slow was reading them through vec0. Held as packed bytes in a WebAssembly
 * memory, the 48-byte codes of 1M chunks (48 MB) are XORed and counted 16 bytes at a time by
 * WebAssembly SIMD (`i8x16.popcnt`, in Node since v16.4 / V8 9.1): a whole scan is a few ms of CPU.
 * The best `want` codes are then picked with a histogram of the distances (they are small integers:
 * 0..bits), not a sort. Nothing to train, so nothing blocks the event loop when a user grows.
 *
 * The module is assembled below from its instructions (no toolchain needed); the opcodes are from
 * the WebAssembly SIMD proposal's binary encoding table (WebAssembly/simd, proposals/simd/
 * BinarySIMD.md, final version merged into the 2.0 spec). Without SIMD support, a JS scan (SWAR
 * popcount) over the same bytes does the same work ~5-10x slower.
 */

/** The part of the WebAssembly JS API used here (the server's TypeScript lib has no DOM types). */
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer; grow(pages: number): number };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
};
type WasmMemory = InstanceType<typeof WebAssembly.Memory>;

// ---------------------------------------------------------------------------------------------
// The scan function, for codes of `blocks` x 16 bytes:
//   scan(q, codes, n, out, hist): for each code i, d = popcount(code_i XOR q); u16 out[i] = d; u32 hist[d]++
// The loop over a code's blocks is unrolled (one module per block count) and the query's blocks
// are held in v128 locals.

const I32 = 0x7f;
const V128 = 0x7b;
const leb = (v: number) => {
  const bytes: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    bytes.push(b);
  } while (v);
  return bytes;
};
/** Signed LEB128 of a non-negative value (i32.const's immediate). */
const sleb = (v: number) => {
  const bytes: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>>= 7;
    if (v === 0 && (b & 0x40) === 0) return [...bytes, b];
    bytes.push(b | 0x80);
  }
};
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (d: number) => [0x0c, d],
  brIf: (d: number) => [0x0d, d],
  get: (l: number) => [0x20, ...leb(l)],
  set: (l: number) => [0x21, ...leb(l)],
  tee: (l: number) => [0x22, ...leb(l)],
  i32Const: (v: number) => [0x41, ...sleb(v)],
  i32Add: [0x6a],
  i32Shl: [0x74],
  i32GeU: [0x4f],
  i32Load: [0x28, 0x02, 0x00], // align 2^2, offset 0
  i32Store: [0x36, 0x02, 0x00],
  i32Store16: [0x3b, 0x01, 0x00], // align 2^1, offset 0
  v128Load: (offset: number) => [0xfd, 0x00, 0x00, ...leb(offset)], // align hint 2^0
  v128Xor: [0xfd, 0x51],
  i8x16Popcnt: [0xfd, 0x62],
  i8x16Add: [0xfd, 0x6e],
  i16x8ExtaddPairwiseI8x16U: [0xfd, 0x7d],
  i32x4ExtaddPairwiseI16x8U: [0xfd, 0x7f],
  i32x4ExtractLane: (lane: number) => [0xfd, 0x1b, lane],
};

function scanModuleBytes(blocks: number): Uint8Array {
  // Params 0..4: q, codes, n, out, hist. Locals: 5 = i, 6 = d, 7 = addr (i32), 8 = acc, 9.. = query blocks (v128).
  const [q, codes, n, out, hist, i, d, addr, acc, qb] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const popcounts: number[] = [];
  for (let b = 0; b < blocks; b++) {
    popcounts.push(...op.get(codes), ...op.v128Load(16 * b), ...op.get(qb + b), ...op.v128Xor, ...op.i8x16Popcnt);
    if (b > 0) popcounts.push(...op.i8x16Add);
  }
  const loadQuery: number[] = [];
  for (let b = 0; b < blocks; b++) loadQuery.push(...op.get(q), ...op.v128Load(16 * b), ...op.set(qb + b));
  const body = [
    ...[2, 3, I32, ...leb(1 + blocks), V128], // local declarations: 3 x i32, (1 + blocks) x v128
    ...loadQuery,
    ...op.block,
    ...op.loop,
    ...op.get(i), ...op.get(n), ...op.i32GeU, ...op.brIf(1),
    // Per byte lane at most 8 per block: up to 31 blocks (3,968 dimensions) cannot overflow a lane.
    ...popcounts, ...op.set(acc),
    ...op.get(acc), ...op.i16x8ExtaddPairwiseI8x16U, ...op.i32x4ExtaddPairwiseI16x8U, ...op.tee(acc),
    ...op.i32x4ExtractLane(0),
    ...op.get(acc), ...op.i32x4ExtractLane(1), ...op.i32Add,
    ...op.get(acc), ...op.i32x4ExtractLane(2), ...op.i32Add,
    ...op.get(acc), ...op.i32x4ExtractLane(3), ...op.i32Add,
    ...op.set(d),
    // out[i] = d
    ...op.get(out), ...op.get(i), ...op.i32Const(1), ...op.i32Shl, ...op.i32Add, ...op.get(d), ...op.i32Store16,
    // hist[d]++
    ...op.get(hist), ...op.get(d), ...op.i32Const(2), ...op.i32Shl, ...op.i32Add, ...op.tee(addr),
    ...op.get(addr), ...op.i32Load, ...op.i32Const(1), ...op.i32Add, ...op.i32Store,
    ...op.get(codes), ...op.i32Const(16 * blocks), ...op.i32Add, ...op.set(codes),
    ...op.get(i), ...op.i32Const(1), ...op.i32Add, ...op.set(i),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  const section = (id: number, content: number[]) => [id, ...leb(content.length), ...content];
  const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]), // type 0: (i32 x5) -> ()
    ...section(2, [1, ...name("env"), ...name("memory"), 0x02, 0x00, 0x01]), // import memory {min 1}
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(7, [1, ...name("scan"), 0x00, 0]), // export "scan" = function 0
    ...section(10, [1, ...leb(body.length), ...body]),
  ]);
}

const compiled = new Map<number, object | null>();
/** The compiled scan module for codes of `blocks` x 16 bytes, or null where WebAssembly SIMD is unavailable (the JS scan is used). */
function scanModule(blocks: number): object | null {
  if (!compiled.has(blocks)) {
    const bytes = scanModuleBytes(blocks);
    compiled.set(blocks, blocks <= 31 && process.env.OPENSYNC_VECTOR_SIMD !== "0" && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null);
  }
  return compiled.get(blocks)!;
}

export function simdAvailable(): boolean {
  return scanModule(3) !== null;
}

function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

// ---------------------------------------------------------------------------------------------

const PAGE = 65536;

/**
 * chunk id -> slot, open addressing with linear probing over typed arrays (at 1M ids: 16 MB, where
 * a Map takes ~4x that and rehashes its objects in one long pause when it grows). Deletion shifts
 * the following entries back (no tombstones): Knuth, TAOCP vol. 3, 6.4, Algorithm R.
 */
class IdSlots {
  private keys = new Int32Array(2048).fill(-1);
  private values = new Int32Array(2048);
  private used = 0;

  private home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> 0 & (this.keys.length - 1);
  }

  get(key: number): number | undefined {
    const mask = this.keys.length - 1;
    for (let i = this.home(key); ; i = (i + 1) & mask) {
      const k = this.keys[i];
      if (k === key) return this.values[i];
      if (k === -1) return undefined;
    }
  }

  set(key: number, value: number): void {
    if ((this.used + 1) * 2 > this.keys.length) this.resize(this.keys.length * 2);
    const mask = this.keys.length - 1;
    for (let i = this.home(key); ; i = (i + 1) & mask) {
      const k = this.keys[i];
      if (k === key) {
        this.values[i] = value;
        return;
      }
      if (k === -1) {
        this.keys[i] = key;
        this.values[i] = value;
        this.used++;
        return;
      }
    }
  }

  delete(key: number): void {
    const mask = this.keys.length - 1;
    let i = this.home(key);
    while (this.keys[i] !== key) {
      if (this.keys[i] === -1) return;
      i = (i + 1) & mask;
    }
    // Move back any later entry of the probe run whose home is not between the hole and itself.
    for (let j = (i + 1) & mask; this.keys[j] !== -1; j = (j + 1) & mask) {
      const h = this.home(this.keys[j]);
      if (i <= j ? i < h && h <= j : i < h || h <= j) continue;
      this.keys[i] = this.keys[j];
      this.values[i] = this.values[j];
      i = j;
    }
    this.keys[i] = -1;
    this.used--;
  }

  private resize(capacity: number): void {
    const { keys, values } = this;
    this.keys = new Int32Array(capacity).fill(-1);
    this.values = new Int32Array(capacity);
    this.used = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== -1) this.set(keys[i], values[i]);
  }

  get bytes(): number {
    return this.keys.byteLength + this.values.byteLength;
  }
}

/**
 * The codes of one user: packed in a WebAssembly memory as [query | histogram | codes (capacity x
 * stride) | distances (capacity x u16)], with each slot's chunk id beside them. Removing a code moves the
 * last one into its slot, so the scanned range never holds holes.
 */
export class ResidentCodes {
  /** Bytes per code, a multiple of 16 (one SIMD block). */
  readonly stride: number;
  private readonly bytes: number;
  /** Where the histogram (u32 per distance 0..bits) and the codes start. */
  private readonly hist: number;
  private readonly base: number;
  private readonly memory: WasmMemory;
  private readonly scanFn: ((q: number, codes: number, n: number, out: number, hist: number) => void) | null;
  private capacity = 0;
  private size = 0;
  private ids = new Int32Array(0);
  private readonly slots = new IdSlots();
  private heap!: Uint8Array;

  /** `simd: false` forces the JS scan (tests compare the two). */
  constructor(readonly dims: number, { simd = true }: { simd?: boolean } = {}) {
    this.bytes = Math.ceil(dims / 8);
    this.stride = Math.ceil(this.bytes / 16) * 16;
    this.hist = Math.ceil(this.stride / 64) * 64;
    this.base = this.hist + Math.ceil(((this.stride * 8 + 1) * 4) / 64) * 64;
    this.memory = new WebAssembly.Memory({ initial: 1 });
    const module = simd ? scanModule(this.stride / 16) : null;
    this.scanFn = module ? (new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports.scan as ResidentCodes["scanFn"]) : null;
    this.grow(1024);
  }

  get count(): number {
    return this.size;
  }

  /** Bytes held: codes, distances, ids and the id -> slot table. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength + this.ids.byteLength + this.slots.bytes;
  }

  private grow(capacity: number): void {
    const need = this.base + capacity * (this.stride + 2);
    const have = this.memory.buffer.byteLength;
    if (need > have) this.memory.grow(Math.ceil((need - have) / PAGE));
    // The codes region starts at `base` and only extends (into the old distances, scratch space).
    this.heap = new Uint8Array(this.memory.buffer);
    const ids = new Int32Array(capacity);
    ids.set(this.ids.subarray(0, this.size));
    this.ids = ids;
    this.capacity = capacity;
  }

  /** Adds or replaces the code of `chunkId` (`code`: the packed sign bits, `ceil(dims / 8)` bytes). */
  put(chunkId: number, code: Uint8Array): void {
    let slot = this.slots.get(chunkId);
    if (slot === undefined) {
      if (this.size === this.capacity) this.grow(this.capacity * 2);
      slot = this.size++;
      this.slots.set(chunkId, slot);
      this.ids[slot] = chunkId;
    }
    const at = this.base + slot * this.stride;
    this.heap.set(code.subarray(0, this.bytes), at);
    // The padding up to the stride is compared too (zero in the query): a grown slot may lie on old
    // distance scratch space, so it is cleared.
    if (this.stride > this.bytes) this.heap.fill(0, at + this.bytes, at + this.stride);
  }

  remove(chunkId: number): void {
    const slot = this.slots.get(chunkId);
    if (slot === undefined) return;
    this.slots.delete(chunkId);
    const last = --this.size;
    if (slot !== last) {
      this.heap.copyWithin(this.base + slot * this.stride, this.base + last * this.stride, this.base + (last + 1) * this.stride);
      this.ids[slot] = this.ids[last];
      this.slots.set(this.ids[slot], slot);
    }
  }

  /** A copy of the code held for `chunkId` (tests compare it with the stored one). */
  code(chunkId: number): Uint8Array | undefined {
    const slot = this.slots.get(chunkId);
    if (slot === undefined) return undefined;
    const at = this.base + slot * this.stride;
    return this.heap.slice(at, at + this.bytes);
  }

  has(chunkId: number): boolean {
    return this.slots.get(chunkId) !== undefined;
  }

  /** Hamming distance from `query` (packed code) to every code, into the distances region, and their histogram. */
  private distances(query: Uint8Array): { dist: Uint16Array; histogram: Uint32Array } {
    const heap = this.heap;
    heap.fill(0, 0, this.base);
    heap.set(query.subarray(0, this.bytes), 0);
    const out = this.base + this.capacity * this.stride;
    const dist = new Uint16Array(this.memory.buffer, out, this.size);
    const histogram = new Uint32Array(this.memory.buffer, this.hist, this.stride * 8 + 1);
    if (this.scanFn) this.scanFn(0, this.base, this.size, out, this.hist);
    else {
      const words = new Int32Array(this.memory.buffer);
      const per = this.stride >> 2;
      const q = words.slice(0, per);
      for (let i = 0, o = this.base >> 2; i < this.size; i++, o += per) {
        let d = 0;
        for (let j = 0; j < per; j++) d += popcount32(words[o + j] ^ q[j]);
        dist[i] = d;
        histogram[d]++;
      }
    }
    return { dist, histogram };
  }

  /** The chunk ids of the `want` codes nearest `query` by Hamming distance (ties at the cut: lowest slots). */
  nearest(query: Uint8Array, want: number): number[] {
    if (this.size === 0) return [];
    const n = this.size;
    if (want >= n) return Array.from(this.ids.subarray(0, n));
    // Distances are 0..bits: their histogram (made by the scan) gives the cut, one pass collects.
    const { dist, histogram } = this.distances(query);
    let cut = 0;
    for (let seen = 0; cut < histogram.length; cut++) {
      seen += histogram[cut];
      if (seen >= want) break;
    }
    const below: number[] = [];
    const at: number[] = [];
    for (let i = 0; i < n; i++) {
      const d = dist[i];
      if (d < cut) below.push(this.ids[i]);
      else if (d === cut && below.length + at.length < want) at.push(this.ids[i]);
    }
    for (const id of at) {
      if (below.length >= want) break;
      below.push(id);
    }
    return below;
  }
}
