import type BetterSqlite3 from "better-sqlite3";
import type { Logger } from "../logger.js";
import { chunkMessage, DEFAULT_CHUNKING, type ChunkDraft, type ChunkOptions } from "./chunker.js";
import { writeWithRetry } from "./connection.js";
import { readMessages } from "./message-source.js";
import { BulkIngestDetector } from "../store/bulk-ingest.js";
import { FOLD_SLICE, foldEmbeddingQueue } from "./queue.js";
import { ProviderError, type EmbeddingProvider } from "./providers/types.js";
import { vectorFrom, type IndexEntry, type VectorIndex } from "./vector-index.js";

/**
 * The background embedding worker. It folds what sync queued (`embedding_queue`, appended by
 * triggers on messages and parts) into `embedding_jobs`, takes due jobs, chunks each message, embeds only the chunks whose content hash has no vector
 * yet, and writes chunks + vectors in short write transactions on its own connection (sync's
 * transactions are never waited on; see connection.ts). Everything it needs to resume is in the
 * tables, so a restart carries on where it stopped. A failing provider is backed off exponentially
 * (jobs stay pending); an input the provider refuses fails only its own message (state 'failed').
 * A new provider/model/width ("fingerprint") re-embeds everything in the background.
 */

export interface WorkerOptions {
  /** Messages taken per round. */
  batchMessages: number;
  /** Texts per provider call. */
  embedBatch: number;
  idleMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  /** A message the provider refused this many times is marked failed. */
  maxAttempts: number;
  chunking: ChunkOptions;
}

export const DEFAULT_WORKER: WorkerOptions = {
  batchMessages: 64,
  embedBatch: 32,
  idleMs: 1000,
  minBackoffMs: 1000,
  maxBackoffMs: 5 * 60_000,
  maxAttempts: 3,
  chunking: DEFAULT_CHUNKING,
};

export interface WorkerState {
  loaded: boolean;
  dimensions: number | null;
  lastError: string | null;
  /** Epoch ms before which the provider is not called again. */
  backoffUntil: number;
}

interface Job {
  messageId: number;
  seq: number;
  attempts: number;
}

export class EmbeddingWorker {
  readonly state: WorkerState = { loaded: false, dimensions: null, lastError: null, backoffUntil: 0 };
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = true;
  /** Set by `stop()`: unlike `stopped` (not started yet), no round runs any more. */
  private closed = false;
  private readonly options: WorkerOptions;
  private readonly bulk = new BulkIngestDetector();

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly index: VectorIndex,
    private readonly provider: EmbeddingProvider | null,
    private readonly logger?: Logger,
    options: Partial<WorkerOptions> = {},
  ) {
    this.options = { ...DEFAULT_WORKER, ...options };
  }

  private write<T>(work: () => T): Promise<T> {
    return writeWithRetry(this.db, work);
  }

  start(): void {
    if (!this.provider || !this.stopped || this.closed) return;
    this.stopped = false;
    this.schedule(0);
  }

  /**
   * Stops scheduling rounds and waits for the round in flight, at most `graceMs`: a round waiting
   * on a model download or a slow API must not hold a shutdown. A round still running after that
   * sees `stopped` at its next step and writes nothing more.
   */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.running) return;
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
      timer.unref();
    });
    await Promise.race([this.running.catch(() => undefined), grace]);
    clearTimeout(timer);
  }

  /** True once `stop()` was called: a closed server's worker does nothing more, even when called. */
  get isClosed(): boolean {
    return this.closed;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      // A bulk import is running: embedding (the local model uses every core it gets) would slow
      // it down; the queue is looked at again in a round's time (`store/bulk-ingest.ts`).
      if (this.bulk.shouldDefer(this.queuedUpTo())) return this.schedule(this.options.idleMs);
      this.running = this.runOnce()
        .then((n) => this.schedule(n > 0 ? 0 : Math.max(this.options.idleMs, this.state.backoffUntil - Date.now())))
        .catch((err) => {
          this.logger?.error({ err: { message: (err as Error).message } }, "embedding worker round failed");
          this.schedule(this.options.idleMs);
        });
    }, ms);
    this.timer.unref();
  }

  private fail(err: unknown): void {
    this.failures++;
    const delay = Math.min(this.options.maxBackoffMs, this.options.minBackoffMs * 2 ** (this.failures - 1));
    this.state.backoffUntil = Date.now() + delay;
    const message = (err as Error).message;
    // Said once at warn (an offline laptop would otherwise print it forever); repeats at debug.
    // The state keeps the last error for GET /api/search/status.
    const repeated = this.state.lastError === message;
    this.state.lastError = message;
    if (repeated) this.logger?.debug({ error: message, retryInMs: delay }, "embedding provider still failing; backing off");
    else this.logger?.warn({ error: message, retryInMs: delay }, "embedding provider failed; backing off (semantic search stays off until it works)");
  }

  /** Loads the provider once; on a new model, clears the index and queues every message again. */
  async ensureLoaded(): Promise<boolean> {
    if (this.state.loaded) return true;
    if (!this.provider || Date.now() < this.state.backoffUntil) return false;
    let dims: number;
    try {
      dims = await this.provider.load();
    } catch (err) {
      this.fail(err);
      return false;
    }
    const fingerprint = `${this.provider.name}:${this.provider.model}:${dims}`;
    const stored = this.db.prepare("SELECT value FROM embedding_meta WHERE key = 'fingerprint'").pluck().get() as string | undefined;
    if (stored !== fingerprint) await this.reembedAll(stored, fingerprint);
    await this.write(() => this.index.ensure(dims));
    this.state.loaded = true;
    this.state.dimensions = dims;
    this.state.lastError = null;
    this.failures = 0;
    return true;
  }

  private async reembedAll(from: string | undefined, to: string): Promise<void> {
    if (from) this.logger?.info({ from, to }, "embedding model changed: re-embedding every message in the background");
    await this.write(() => this.index.drop());
    // In slices, so that sync's writes get the lock in between.
    for (;;) {
      const n = await this.write(() => this.db.prepare("DELETE FROM embedding_chunks WHERE id IN (SELECT id FROM embedding_chunks LIMIT 5000)").run().changes);
      if (n === 0) break;
    }
    await this.write(() => this.db.exec("DELETE FROM embedding_tombstones"));
    let after = 0;
    for (;;) {
      const last = await this.write(() => {
        const ids = this.db.prepare("SELECT id FROM messages WHERE id > ? ORDER BY id LIMIT 5000").pluck().all(after) as number[];
        this.db
          .prepare(
            `INSERT INTO embedding_jobs (message_id, user_id) SELECT id, user_id FROM messages WHERE id > ? AND id <= ?
             ON CONFLICT (message_id) DO UPDATE SET state = 'pending', seq = seq + 1, attempts = 0, not_before = 0`,
          )
          .run(after, ids.at(-1) ?? after);
        return ids.at(-1);
      });
      if (last === undefined) break;
      after = last;
    }
    await this.write(() => this.db.prepare("INSERT INTO embedding_meta (key, value) VALUES ('fingerprint', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(to));
  }

  /** One round: sweep deletions, embed a batch of due jobs, load large users' codes into memory when idle. Returns jobs done. */
  async runOnce(now = Date.now()): Promise<number> {
    if (this.closed) return 0;
    await this.foldQueue();
    await this.sweepTombstones();
    if (!(await this.ensureLoaded())) return 0;
    if (this.closed || now < this.state.backoffUntil) return 0;
    const jobs = this.db
      // INDEXED BY: without statistics the planner took embedding_jobs_due and sorted every pending
      // job, each round (migration 0009).
      .prepare(
        "SELECT message_id AS messageId, seq, attempts FROM embedding_jobs INDEXED BY embedding_jobs_order WHERE state = 'pending' AND not_before <= ? ORDER BY message_id LIMIT ?",
      )
      .all(now, this.options.batchMessages) as Job[];
    if (jobs.length === 0) {
      if (this.closed) return 0;
      await this.index.maintain();
      return 0;
    }
    await this.process(jobs);
    return jobs.length;
  }

  /** The newest `embedding_queue` sequence number (it moves while sync transactions commit). */
  private queuedUpTo(): number {
    return Number(this.db.prepare("SELECT max(seq) FROM embedding_queue").pluck().get() ?? 0);
  }

  /** What sync queued since the last round becomes jobs (queue.ts), in slices. */
  private async foldQueue(): Promise<void> {
    while (!this.closed && (await this.write(() => foldEmbeddingQueue(this.db))) >= FOLD_SLICE);
  }

  private async sweepTombstones(): Promise<void> {
    const ids = this.db.prepare("SELECT chunk_id FROM embedding_tombstones LIMIT 5000").pluck().all() as number[];
    if (ids.length === 0) return;
    await this.write(() => {
      this.index.remove(ids);
      const del = this.db.prepare("DELETE FROM embedding_tombstones WHERE chunk_id = ?");
      for (const id of ids) del.run(id);
    });
  }

  private async process(jobs: Job[]): Promise<void> {
    const messages = readMessages(this.db, jobs.map((j) => j.messageId));
    const plans = new Map<number, ChunkDraft[]>();
    for (const m of messages.values()) plans.set(m.id, chunkMessage({ text: m.text, reasoning: m.reasoning }, this.options.chunking));

    // Content-hash dedupe: a hash that already has a vector (this message before, or any other) is reused.
    const known = new Map<string, Float32Array>();
    const lookup = this.db.prepare("SELECT v.vector FROM embedding_chunks c JOIN embedding_vectors v ON v.chunk_id = c.id WHERE c.hash = ? LIMIT 1").pluck();
    const missing = new Map<string, string>();
    for (const chunks of plans.values()) {
      for (const c of chunks) {
        if (known.has(c.hash) || missing.has(c.hash)) continue;
        const hit = lookup.get(c.hash) as Buffer | undefined;
        if (hit) known.set(c.hash, vectorFrom(hit));
        else missing.set(c.hash, c.text);
      }
    }

    const refused = new Map<string, string>();
    try {
      await this.embedInto(known, refused, [...missing]);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (this.closed) return;
    this.failures = 0;
    this.state.lastError = refused.size ? [...refused.values()][0] : null;

    await this.write(() => {
      for (const job of jobs) {
        const message = messages.get(job.messageId);
        const chunks = plans.get(job.messageId) ?? [];
        const bad = chunks.find((c) => refused.has(c.hash));
        if (message && bad) {
          const attempts = job.attempts + 1;
          this.db
            .prepare("UPDATE embedding_jobs SET attempts = ?, state = ?, not_before = ?, last_error = ? WHERE message_id = ? AND seq = ?")
            .run(attempts, attempts >= this.options.maxAttempts ? "failed" : "pending", Date.now() + this.options.minBackoffMs * 2 ** attempts, refused.get(bad.hash)!, job.messageId, job.seq);
          continue;
        }
        if (message) this.replaceChunks(message.id, message.sessionId, message.userId, chunks, known);
        // A job changed while we embedded (seq moved on) stays queued for another round.
        this.db.prepare("DELETE FROM embedding_jobs WHERE message_id = ? AND seq = ?").run(job.messageId, job.seq);
      }
    });
  }

  /** Embeds `[hash, text]` pairs into `known`; inputs the provider refuses go to `refused` (found by bisection). */
  private async embedInto(known: Map<string, Float32Array>, refused: Map<string, string>, pending: Array<[string, string]>): Promise<void> {
    for (let i = 0; i < pending.length; i += this.options.embedBatch) {
      const batch = pending.slice(i, i + this.options.embedBatch);
      await this.embedBatch(batch, known, refused);
    }
  }

  private async embedBatch(batch: Array<[string, string]>, known: Map<string, Float32Array>, refused: Map<string, string>): Promise<void> {
    try {
      const vectors = await this.provider!.embed(batch.map(([, text]) => text));
      if (this.state.dimensions && vectors.some((v) => v.length !== this.state.dimensions)) {
        throw new ProviderError(`the provider changed its vector width (expected ${this.state.dimensions}); restart to re-embed`, true);
      }
      batch.forEach(([hash], j) => known.set(hash, vectors[j]));
    } catch (err) {
      if (!(err instanceof ProviderError) || err.retryable) throw err;
      if (batch.length === 1) refused.set(batch[0][0], err.message);
      else {
        const half = Math.ceil(batch.length / 2);
        await this.embedBatch(batch.slice(0, half), known, refused);
        await this.embedBatch(batch.slice(half), known, refused);
      }
    }
  }

  /** Makes the message's stored chunks equal `chunks`: unchanged ones stay, others are replaced. */
  private replaceChunks(messageId: number, sessionId: string, userId: string, chunks: ChunkDraft[], vectors: Map<string, Float32Array>): void {
    const existing = this.db.prepare("SELECT id, ord, hash FROM embedding_chunks WHERE message_id = ?").all(messageId) as Array<{ id: number; ord: number; hash: string }>;
    const byOrd = new Map(existing.map((e) => [e.ord, e]));
    const del = this.db.prepare("DELETE FROM embedding_chunks WHERE id = ?");
    for (const e of existing) if (chunks[e.ord]?.hash !== e.hash) del.run(e.id);
    const insert = this.db.prepare("INSERT INTO embedding_chunks (message_id, session_id, user_id, ord, field, text, hash) VALUES (?, ?, ?, ?, ?, ?, ?)");
    const entries: IndexEntry[] = [];
    for (const c of chunks) {
      if (byOrd.get(c.ord)?.hash === c.hash) continue;
      const id = Number(insert.run(messageId, sessionId, userId, c.ord, c.field, c.text, c.hash).lastInsertRowid);
      entries.push({ chunkId: id, userId, vector: vectors.get(c.hash)! });
    }
    this.index.add(entries);
  }
}
