import { BulkIngestDetector } from "../bulk-ingest.js";
import { SqliteFulltextIndexer } from "./fulltext.js";

export type IndexLoopEvent =
  | { type: "drained"; count: number; ms: number }
  | { type: "error"; message: string };

export interface IndexLoop {
  /** Look at the queue now instead of at the next poll. */
  kick(): void;
  stop(): void;
}

/**
 * Drains `fts_queue` batch after batch while there is work, then fills the recent index
 * (`fulltext-recent.ts`) if it needs it, then polls the queue every `pollMs` (a `SELECT` of one
 * row: nothing to measure). A failure is reported and retried at the next poll.
 *
 * While syncs keep arriving (the queue grew during the last batch: an import is running), the
 * loop paces itself: smaller batches, and a pause of `BUSY_PAUSE_FACTOR` times the batch's own
 * time after each, so indexing takes at most about a tenth of a core from the import and catches
 * up at full speed as soon as the syncs stop. A lone sync is indexed at once. (A fifth of a core
 * was 0.9 s of CPU per 200 MB tool-heavy import on a 2-core box, where the CLI and the server's
 * own thread need both cores: issue 8.)
 */
const BUSY_PAUSE_FACTOR = 9;
/**
 * The pause is capped so that a run of light syncs (a plugin streaming a session) is indexed within
 * a few seconds. Heavy batches (500 messages of tens of KB of tool output take the indexer ~0.5 s)
 * need the long pause for the tenth-of-a-core share to hold; with a cap of 1 s they took a quarter.
 */
const BUSY_PAUSE_MAX_MS = 5000;
const BATCH = 2000;
const BUSY_BATCH = 500;

/**
 * While a bulk import runs (`store/bulk-ingest.ts`), the loop does not index at all, for up to
 * 10 s of it, and only looks at the queue every `BULK_LOOK_MS`; it indexes at full speed once a
 * look finds the queue still, and paced as above during a longer import. Even the tenth of a core
 * made an import on a 2-core machine that much slower (issue 8). A lone sync is indexed within
 * ~0.5 s.
 */
const BULK_LOOK_MS = 250;

/**
 * The recent index is filled only after the queue has not grown for this long: it is idle-time
 * work (a batch of 1,000 documents is ~0.2 s of a core), never done between the syncs of an import.
 */
const FILL_AFTER_IDLE_MS = 2000;

export function runIndexLoop(mainPath: string, pollMs: number, report: (event: IndexLoopEvent) => void): IndexLoop {
  let indexer: SqliteFulltextIndexer | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let busy = false;
  const bulk = new BulkIngestDetector();
  let lastQueued = -1;
  let queueMovedAt = 0;
  const schedule = (ms: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(tick, ms);
    timer.unref?.();
  };
  const tick = () => {
    if (stopped) return;
    try {
      if (!indexer) {
        indexer = new SqliteFulltextIndexer(mainPath);
        indexer.backfill();
      }
      const before = indexer.latestQueued();
      if (before !== lastQueued) (lastQueued = before), (queueMovedAt = performance.now());
      if (bulk.shouldDefer(before)) {
        schedule(BULK_LOOK_MS);
        return;
      }
      const started = performance.now();
      const count = indexer.drain(busy ? BUSY_BATCH : BATCH);
      const ms = performance.now() - started;
      if (count > 0) {
        report({ type: "drained", count, ms });
        busy = indexer.latestQueued() > before;
        schedule(busy ? Math.min(BUSY_PAUSE_MAX_MS, Math.ceil(ms * BUSY_PAUSE_FACTOR)) : 0);
        return;
      }
      busy = false;
      // Idle (`FILL_AFTER_IDLE_MS`): the recent index is filled a batch at a time
      // (fulltext-recent.ts), the queue looked at between batches.
      if (performance.now() - queueMovedAt >= FILL_AFTER_IDLE_MS && indexer.fillRecent() > 0) {
        schedule(0);
        return;
      }
    } catch (err) {
      report({ type: "error", message: err instanceof Error ? err.message : String(err) });
    }
    schedule(pollMs);
  };
  schedule(0);
  return {
    kick: () => schedule(0),
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      indexer?.close();
      indexer = undefined;
    },
  };
}
