import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { basename, join } from "node:path";
import { MAX_TOOL_OUTPUT_CHARS, type PersistedOutputReader } from "./content.js";

/**
 * Tool outputs Claude Code persisted beside the transcript. Since 2.0.52 a tool output over its size
 * limit is written to `<project>/<sessionId>/tool-results/<name>.txt` (or `.json`) and the transcript's
 * tool_result holds only a preview and the path, wrapped in `<persisted-output>`, in one of two shapes
 * seen in real transcripts:
 *   <persisted-output>Tool result saved to: <path>\n\nUse Read to view</persisted-output>
 *   <persisted-output>\nOutput too large (1.2MB). Full output saved to: <path>\n\nPreview (first 2KB):\n…</persisted-output>
 */
const PERSISTED = /^\s*<persisted-output>[\s\S]*?saved to: ([^\n]+?)\s*(?:\n|<\/persisted-output>)/;

/** Only a plain file name is followed: a path in the transcript never leads outside tool-results/. */
const SAFE_NAME = /^[A-Za-z0-9_.-]+\.(?:txt|json)$/;

/** UTF-8 takes at most 4 bytes a character: this many bytes always hold more than we keep. */
const MAX_READ_BYTES = MAX_TOOL_OUTPUT_CHARS * 4;

/** The file name a persisted-output preview points at, if the text is one. */
export function persistedOutputName(text: string): string | undefined {
  const m = PERSISTED.exec(text);
  if (!m) return undefined;
  // Written on Windows or POSIX alike: the name is what follows the last separator.
  const name = basename(m[1].trim().replace(/\\/g, "/"));
  return SAFE_NAME.test(name) ? name : undefined;
}

/**
 * A reader for the session whose folder is `sessionDir` (`<project>/<sessionId>`). The path in the
 * transcript is the one on the machine that wrote it; the file is looked up by name in this
 * session's own `tool-results/`, so a copied or moved config dir still resolves. Reads at most
 * MAX_READ_BYTES of a file, whatever its size; a missing file keeps the preview.
 */
export function persistedOutputReader(sessionDir: string): PersistedOutputReader {
  return (preview) => {
    const name = persistedOutputName(preview);
    if (!name) return undefined;
    let fd: number | undefined;
    try {
      fd = openSync(join(sessionDir, "tool-results", name), "r");
      const size = fstatSync(fd).size;
      const buf = Buffer.alloc(Math.min(size, MAX_READ_BYTES));
      const n = readSync(fd, buf, 0, buf.length, 0);
      const text = buf.subarray(0, n).toString("utf8");
      // Bytes, not characters, when the file was cut: an estimate of what was left out.
      return { text, fullLength: n < size ? text.length + (size - n) : text.length };
    } catch {
      return undefined;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  };
}
