import type { Redactor } from "../../collectors/src/redaction/redactor.js";
import { redactorFor, sessionBatch, type Batch } from "./batch.js";
import type { PluginConfig } from "./config.js";
import { errorText } from "./log.js";
import { SessionMirror, sessionOf, type OcEvent } from "./mirror.js";
import { readSession, SessionNotFoundError, type OpencodeClientLike } from "./opencode-client.js";
import { PendingStore } from "./pending.js";
import { drainSpool } from "./spool.js";
import { uploadBatch, type Target } from "./upload.js";

export interface SyncerOptions {
  client: OpencodeClientLike;
  config: PluginConfig & { serverUrl: string; apiKey: string };
  env: Record<string, string | undefined>;
  log: (message: string) => void;
  /** Quiet time after the last event before a session is sent (default 2 s); `session.idle` sends at once. */
  debounceMs?: number;
  /** Least time between two retries of the sessions that failed (default 30 s). */
  retryEveryMs?: number;
  /** How long an upload waits for another process's upload of the same session (default 30 s). */
  sessionLockWaitMs?: number;
  /** Starts the detached sender of batches spooled at exit (injected in tests). */
  spawnFlusher?: () => boolean;
  fetch?: typeof fetch;
}

/** Events that change what a session holds; `message.part.delta` is left out (its part.updated follows). */
const CHANGES = new Set([
  "session.created",
  "session.updated",
  "session.compacted",
  "session.error",
  "message.updated",
  "message.removed",
  "message.part.updated",
  "message.part.removed",
]);

interface Tracked {
  /** Bumped by every change event. */
  seq: number;
  /** `seq` as of the start of the last upload the server acknowledged. */
  sentSeq: number;
  timer?: ReturnType<typeof setTimeout>;
  running?: Promise<void>;
  again?: boolean;
}

/**
 * The plugin's engine: each change marks its session dirty and (debounced) re-sends the whole
 * session, read through OpenCode's client; failures go to the pending list (retried on later events
 * and at the next start); at exit, sessions not yet acknowledged are spooled from the event mirror
 * and sent by a detached process. Nothing here ever throws into OpenCode.
 */
export class OpencodeSyncer {
  private readonly tracked = new Map<string, Tracked>();
  private readonly mirror = new SessionMirror();
  private readonly pending: PendingStore;
  private readonly redactor: Redactor;
  private readonly target: Target;
  private readonly debounceMs: number;
  private readonly retryEveryMs: number;
  private readonly sessionLockWaitMs: number;
  private lastRetry = 0;
  private lastFailureLogged = 0;

  constructor(private readonly options: SyncerOptions) {
    this.pending = new PendingStore(options.env);
    this.redactor = redactorFor(options.config);
    this.target = { serverUrl: options.config.serverUrl, apiKey: options.config.apiKey, fetch: options.fetch };
    this.debounceMs = options.debounceMs ?? 2_000;
    this.retryEveryMs = options.retryEveryMs ?? 30_000;
    this.sessionLockWaitMs = options.sessionLockWaitMs ?? 30_000;
  }

  /** Sends what earlier runs left behind; call once, after OpenCode is up. */
  async resume(): Promise<void> {
    try {
      await drainSpool(this.pending, this.target, this.options.log);
    } catch (err) {
      this.options.log(`spool: ${errorText(err)}`);
    }
    await this.retryPending(true);
  }

  onEvent(event: OcEvent): void {
    if (!event || typeof event.type !== "string") return;
    const sessionId = sessionOf(event);
    if (sessionId) {
      this.mirror.apply(event);
      if (event.type === "session.deleted") {
        this.untrack(sessionId);
      } else if (event.type === "session.idle" || (event.type === "session.status" && (event.properties?.status as { type?: string } | undefined)?.type === "idle")) {
        void this.flush(sessionId);
      } else if (CHANGES.has(event.type)) {
        this.touch(sessionId);
      }
    }
    void this.retryPending(false);
  }

  /** Uploads the session now (after any upload of it already running). */
  flush(sessionId: string): Promise<void> {
    const t = this.track(sessionId);
    if (t.timer) clearTimeout(t.timer);
    t.timer = undefined;
    if (t.running) {
      t.again = true;
      return t.running;
    }
    t.running = (async () => {
      do {
        t.again = false;
        await this.uploadOnce(sessionId, t);
      } while (t.again);
    })().finally(() => {
      t.running = undefined;
    });
    return t.running;
  }

  /** Waits for every scheduled and running upload (tests, shutdown). */
  async settle(): Promise<void> {
    for (;;) {
      const busy = [...this.tracked.entries()].filter(([, t]) => t.timer || t.running);
      if (!busy.length) return;
      await Promise.all(busy.map(([id, t]) => (t.running ? t.running : this.flush(id))));
    }
  }

  /**
   * Synchronous, for `process.on("exit")`: spools every session with changes the server has not
   * acknowledged, from the event mirror, and starts the detached sender.
   */
  onExit(): void {
    let spooled = 0;
    for (const [sessionId, t] of this.tracked) {
      if (t.seq <= t.sentSeq) continue;
      try {
        const snap = this.mirror.snapshot(sessionId);
        if (snap) {
          this.pending.spool(sessionId, sessionBatch(snap.session, snap.entries, this.options.config.machine, this.redactor));
          spooled++;
        }
        this.pending.add(sessionId, "OpenCode exited before the upload finished");
      } catch (err) {
        this.options.log(`exit: could not spool ${sessionId}: ${errorText(err)}`);
      }
    }
    if (spooled && !(this.options.spawnFlusher?.() ?? false)) this.options.log("exit: spooled sessions wait for the next start (no runtime to send them now)");
  }

  private track(sessionId: string): Tracked {
    let t = this.tracked.get(sessionId);
    if (!t) {
      t = { seq: 0, sentSeq: 0 };
      this.tracked.set(sessionId, t);
    }
    return t;
  }

  private touch(sessionId: string): void {
    const t = this.track(sessionId);
    t.seq++;
    if (t.timer) clearTimeout(t.timer);
    t.timer = setTimeout(() => void this.flush(sessionId), this.debounceMs);
    (t.timer as { unref?: () => void }).unref?.();
  }

  private untrack(sessionId: string): void {
    const t = this.tracked.get(sessionId);
    if (t?.timer) clearTimeout(t.timer);
    this.tracked.delete(sessionId);
    this.mirror.forget(sessionId);
    try {
      this.pending.remove(sessionId);
    } catch {
      // best effort
    }
  }

  /**
   * One upload of the session, under its upload lock (see `SentLedger`): the snapshot is taken
   * after the lock, so it is newer than anything another process or the spool sender sent before.
   */
  private async uploadOnce(sessionId: string, t: Tracked): Promise<void> {
    const lock = await this.pending.ledger.lock(sessionId, this.sessionLockWaitMs).catch(() => undefined);
    if (!lock) {
      this.fail(sessionId, "another process kept the session's upload lock");
      return;
    }
    try {
      await this.uploadLocked(sessionId, t);
    } finally {
      lock.release();
    }
  }

  private async uploadLocked(sessionId: string, t: Tracked): Promise<void> {
    const seqAtStart = t.seq;
    const snapshotAt = Date.now();
    let batch: Batch;
    try {
      const { session, entries } = await readSession(this.options.client, sessionId);
      batch = sessionBatch(session, entries, this.options.config.machine, this.redactor);
    } catch (err) {
      if (err instanceof SessionNotFoundError) {
        this.untrack(sessionId);
        return;
      }
      // OpenCode's server is shutting down or busy: what the events showed is as good.
      const snap = this.mirror.snapshot(sessionId);
      if (!snap) {
        this.fail(sessionId, `could not read the session: ${errorText(err)}`);
        return;
      }
      batch = sessionBatch(snap.session, snap.entries, this.options.config.machine, this.redactor);
    }
    try {
      const sent = await uploadBatch(this.target, batch);
      if (sent.rejected.length) this.options.log(`server rejected ${sent.rejected.length} item(s) of ${sessionId}: ${sent.rejected.slice(0, 3).join("; ")}`);
      t.sentSeq = Math.max(t.sentSeq, seqAtStart);
      this.pending.ledger.record(sessionId, snapshotAt);
      this.pending.remove(sessionId);
    } catch (err) {
      this.fail(sessionId, errorText(err));
    }
  }

  private fail(sessionId: string, reason: string): void {
    try {
      this.pending.add(sessionId, reason);
    } catch {
      // the disk is gone too; `opensync sync` still reads opencode.db later
    }
    if (Date.now() - this.lastFailureLogged > 60_000) {
      this.lastFailureLogged = Date.now();
      this.options.log(`session ${sessionId} kept for retry: ${reason}`);
    }
  }

  private async retryPending(force: boolean): Promise<void> {
    if (!force && Date.now() - this.lastRetry < this.retryEveryMs) return;
    this.lastRetry = Date.now();
    let ids: string[];
    try {
      ids = this.pending.sessions();
    } catch {
      return;
    }
    for (const id of ids) {
      const t = this.tracked.get(id);
      if (t?.timer || t?.running) continue; // already on its way
      void this.flush(id);
    }
  }
}
