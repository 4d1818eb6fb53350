import { closeSync, openSync, readSync } from "node:fs";
import { createHash } from "node:crypto";

/**
 * A file truncated and regrown past the old offset keeps its inode and is no smaller than the
 * checkpoint, so size and identity cannot tell that the bytes before the offset are new: resuming
 * there would start mid-content. The engine stores a hash of the bytes just before a byte-offset
 * checkpoint and, before resuming, checks that they are still the same; otherwise the unit is read
 * from the start (upserts make that safe).
 */
const TAIL_BYTES = 256;

/** The byte offset of a JSONL-style checkpoint (`{offset}`), if it has one. */
export function offsetOf(checkpoint: unknown): number | undefined {
  const offset = (checkpoint as { offset?: unknown } | null | undefined)?.offset;
  return typeof offset === "number" && offset > 0 ? offset : undefined;
}

/**
 * Hash of the bytes before `offset` in `path`; null when the file is gone or shorter. Synchronous
 * I/O on purpose: 256 bytes the reader has just read come from the page cache in microseconds,
 * while three thread-pool round trips (open, read, close) per chunk stalled the read loop (issue 8).
 */
export async function tailHash(path: string, offset: number): Promise<string | null> {
  const start = Math.max(0, offset - TAIL_BYTES);
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const buffer = Buffer.alloc(offset - start);
    const bytesRead = readSync(fd, buffer, 0, buffer.length, start);
    if (bytesRead !== buffer.length) return null;
    return createHash("sha1").update(buffer).digest("hex");
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The tail to store with a checkpoint (null when the checkpoint has no byte offset). */
export async function tailFor(path: string, checkpoint: unknown): Promise<string | null> {
  const offset = offsetOf(checkpoint);
  return offset === undefined ? null : tailHash(path, offset);
}

/** True when resuming at the checkpoint is safe: no offset, no stored tail, or the same bytes. */
export async function canResume(path: string, checkpoint: unknown, tail: string | null): Promise<boolean> {
  const offset = offsetOf(checkpoint);
  if (offset === undefined || tail === null) return true;
  return (await tailHash(path, offset)) === tail;
}
