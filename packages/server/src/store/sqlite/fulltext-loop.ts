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
 * Drains `fts_queue` batch after batch while there is work, then polls it every `pollMs` (a
 * `SELECT` of one row: nothing to measure). A failure is reported and retried at the next poll.
 */
export function runIndexLoop(mainPath: string, pollMs: number, report: (event: IndexLoopEvent) => void): IndexLoop {
  let indexer: SqliteFulltextIndexer | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
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
      const started = performance.now();
      const count = indexer.drain();
      if (count > 0) {
        report({ type: "drained", count, ms: performance.now() - started });
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
