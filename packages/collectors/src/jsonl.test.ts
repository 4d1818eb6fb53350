import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readCompleteLines, type Line } from "./jsonl.js";

const dir = mkdtempSync(join(tmpdir(), "opensync-jsonl-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(content: string | Buffer): string {
  const path = join(dir, `f${n++}.jsonl`);
  writeFileSync(path, content);
  return path;
}

async function all(path: string, ...args: Parameters<typeof readCompleteLines> extends [string, ...infer R] ? R : never): Promise<Line[]> {
  const out: Line[] = [];
  for await (const line of readCompleteLines(path, ...args)) out.push(line);
  return out;
}

/** Whether this process holds `path` open (Linux; undefined elsewhere), to see that a reader closes its file. */
function holdsOpen(path: string): boolean | undefined {
  let fds: string[];
  try {
    fds = readdirSync("/proc/self/fd");
  } catch {
    return undefined;
  }
  return fds.some((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false; // closed meanwhile
    }
  });
}

describe("readCompleteLines", () => {
  it("gives each complete line with the byte offsets of the file, multi-byte characters included", async () => {
    const text = '{"a":"→ arrow"}\n{"b":"日本"}\n\n{"c":"🚀"}\n';
    const lines = await all(file(text));
    expect(lines.map((l) => l.text)).toEqual(['{"a":"→ arrow"}', '{"b":"日本"}', "", '{"c":"🚀"}']);
    const bytes = Buffer.from(text);
    for (const line of lines) expect(bytes.subarray(line.start, line.end).toString("utf8")).toBe(`${line.text}\n`);
    expect(lines.at(-1)!.end).toBe(bytes.length);
  });

  it("starts at a byte offset, and leaves out a last line without its newline unless asked", async () => {
    const path = file("one\ntwo\nthree-without-newline");
    expect((await all(path, 4)).map((l) => [l.text, l.start, l.end])).toEqual([["two", 4, 8]]);
    const withTail = await all(path, 4, undefined, { includeUnterminatedTail: true });
    expect(withTail.at(-1)).toEqual({ text: "three-without-newline", start: 8, end: 29, unterminated: true });
  });

  it("reads lines longer than its buffer and lines across buffer boundaries whole", async () => {
    const long = `{"x":"${"→ú".repeat(50_000)}"}`;
    const text = `short\n${long}\n${"y".repeat(70_000)}\nlast\n`;
    // 64 KiB reads: the long lines span several, and the short ones straddle boundaries.
    const lines = await all(file(text), 0, 65_536);
    expect(lines.map((l) => l.text)).toEqual(["short", long, "y".repeat(70_000), "last"]);
    const bytes = Buffer.from(text);
    for (const line of lines) expect(bytes.subarray(line.start, line.end).toString("utf8")).toBe(`${line.text}\n`);
  });

  it("applies beforeDecode to each line's bytes, which it may change in place, with the file's offsets kept", async () => {
    const text = `${'{"keep":1,"drop":"zzzz"}\n'.repeat(5_000)}`;
    const beforeDecode = (bytes: Buffer) => {
      const at = bytes.indexOf(',"drop"');
      if (at === -1) return bytes;
      bytes.copyWithin(at, bytes.length - 1); // the closing brace moves up over the member
      return bytes.subarray(0, at + 1);
    };
    const lines = await all(file(text), 0, 65_536, { beforeDecode });
    expect(lines).toHaveLength(5_000);
    expect(new Set(lines.map((l) => l.text))).toEqual(new Set(['{"keep":1}']));
    expect(lines[4_999]!.end).toBe(Buffer.byteLength(text));
  });

  it("lets the event loop run between its reads (an upload's answer is handled while a large file is read)", async () => {
    const path = file(`${"x".repeat(1_000)}\n`.repeat(8_000)); // ~8 MB: eight reads of 1 MiB
    let turns = 0;
    let running = true;
    const tick = () => {
      turns++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    let lines = 0;
    for await (const _line of readCompleteLines(path)) lines++; // nothing awaited in the body
    running = false;
    expect(lines).toBe(8_000);
    expect(turns).toBeGreaterThanOrEqual(7);
  });

  it("closes its file when the reader stops early, and fails on a missing file", async () => {
    const path = file("a\nb\nc\n");
    const lines = readCompleteLines(path);
    await lines.next();
    if (holdsOpen(path) !== undefined) expect(holdsOpen(path)).toBe(true);
    for await (const line of lines) if (line.text === "b") break;
    expect(holdsOpen(path) ?? false).toBe(false);
    await expect(all(join(dir, "missing.jsonl"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("reads an empty file, and an offset past the end, as no lines", async () => {
    expect(await all(file(""))).toEqual([]);
    expect(await all(file("a\n"), 10)).toEqual([]);
  });
});
