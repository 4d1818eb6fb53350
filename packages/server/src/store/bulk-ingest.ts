/**
 * Tells background work (the full-text indexer, the embedding worker) that a bulk import is
 * running, so that it waits rather than take CPU from it: on a 2-core machine the CLI and the
 * server's own thread use both cores during `opensync import`, and whatever else runs makes the
 * import that much slower (issue 8).
 *
 * A bulk import is a queue growing faster than `rate` changes a second between two looks
 * (`opensync import` sends 10,000-30,000 messages a second; a plugin streaming a session, a few).
 * Work is deferred for at most `maxDeferMs` of an import: a longer one gets its background work
 * done at the caller's usual pace, so the index keeps moving. A lone sync of many messages looks
 * like a burst for one look only.
 */
export interface BulkIngestOptions {
  rate: number;
  maxDeferMs: number;
}

export const BULK_INGEST: BulkIngestOptions = { rate: 2000, maxDeferMs: 10_000 };

export class BulkIngestDetector {
  private lastLook: { seq: number; at: number } | undefined;
  private deferringSince: number | undefined;

  constructor(private readonly options: BulkIngestOptions = BULK_INGEST) {}

  /** `latest`: the queue's newest sequence number now. True when the caller should wait. */
  shouldDefer(latest: number, now = Date.now()): boolean {
    const previous = this.lastLook;
    this.lastLook = { seq: latest, at: now };
    // The first look sees whatever was queued before the server started (a backfill): not a burst.
    if (!previous) return false;
    const rate = ((latest - previous.seq) * 1000) / Math.max(1, now - previous.at);
    if (rate < this.options.rate) {
      this.deferringSince = undefined;
      return false;
    }
    this.deferringSince ??= now;
    return now - this.deferringSince < this.options.maxDeferMs;
  }
}
