import { expect, it } from "vitest";
import { BulkIngestDetector } from "./bulk-ingest.js";

it("defers while a queue grows faster than the bulk rate, for at most maxDeferMs", () => {
  const bulk = new BulkIngestDetector({ rate: 2000, maxDeferMs: 10_000 });
  expect(bulk.shouldDefer(50_000, 0)).toBe(false); // a backfill queued before the first look
  expect(bulk.shouldDefer(50_010, 200)).toBe(false); // 50 a second: a plugin streaming
  expect(bulk.shouldDefer(52_010, 450)).toBe(true); // 8,000 a second: an import
  expect(bulk.shouldDefer(54_010, 700)).toBe(true);
  expect(bulk.shouldDefer(54_010, 950)).toBe(false); // still: caught up at once
  // An import that lasts: deferred 10 s from its first bulk look, then not any more.
  let seq = 54_010;
  const from = 1_000;
  for (let t = from; t < from + 10_000; t += 250) expect(bulk.shouldDefer((seq += 5_000), t)).toBe(true);
  expect(bulk.shouldDefer((seq += 5_000), from + 10_000)).toBe(false);
  expect(bulk.shouldDefer((seq += 5_000), from + 10_250)).toBe(false);
  // Once it stops, the next import is deferred again.
  expect(bulk.shouldDefer(seq, from + 10_500)).toBe(false);
  expect(bulk.shouldDefer((seq += 5_000), from + 10_750)).toBe(true);
});

it("is not fooled by a queue whose numbering went back (drained and restarted)", () => {
  const bulk = new BulkIngestDetector();
  bulk.shouldDefer(10_000, 0);
  expect(bulk.shouldDefer(3, 250)).toBe(false);
});
