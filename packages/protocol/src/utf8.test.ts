import { describe, expect, it } from "vitest";
import { prng } from "../../../e2e/harness/expect.js";
import { decodeUtf8 } from "./utf8.js";

const same = (bytes: Buffer) => expect(decodeUtf8(bytes)).toBe(bytes.toString("utf8"));

describe("decodeUtf8 gives exactly what Buffer#toString('utf8') gives", () => {
  it("for short and long ASCII, and the empty buffer", () => {
    same(Buffer.alloc(0));
    same(Buffer.from("plain"));
    same(Buffer.from('{"type":"user","message":{"content":"ok"}}'.repeat(400)));
  });

  it("for long text with non-ASCII characters first, last, scattered, and 4-byte ones", () => {
    const body = "npm test ✓ passed → next │ ├── src └── ok ".repeat(300);
    same(Buffer.from(`→${"x".repeat(9000)}`));
    same(Buffer.from(`${"x".repeat(9000)}→`));
    same(Buffer.from(body));
    same(Buffer.from(`${body}🚀 emoji 👩‍💻 and CJK 日本語のコメント ${body}`));
  });

  it("for bytes that are not valid UTF-8 (replacement characters where toString puts them)", () => {
    const long = (bytes: number[]) => Buffer.concat([Buffer.from("a".repeat(5000)), Buffer.from(bytes), Buffer.from("→ b".repeat(2000))]);
    same(long([0xff])); // never valid
    same(long([0xc3])); // a lead byte without its continuation
    same(long([0xe2, 0x86])); // a 3-byte sequence cut short
    same(long([0xf0, 0x9f, 0x9a])); // a 4-byte sequence cut short
    same(long([0xc0, 0xaf])); // overlong "/"
    same(long([0xed, 0xa0, 0x80])); // an encoded surrogate (CESU-8)
    same(long([0xf4, 0x90, 0x80, 0x80])); // past U+10FFFF
    same(long([0x80, 0x80, 0x80])); // continuations alone
    same(Buffer.concat([Buffer.from("→".repeat(3000)), Buffer.from([0xe2, 0x86])])); // cut at the very end
  });

  it("for random mixes of code points and stray bytes, at every size around the threshold", () => {
    const points = [0x41, 0x7a, 0x0a, 0x22, 0x5c, 0xe9, 0x2192, 0x2502, 0x251c, 0x65e5, 0xfeff, 0xfffd, 0x1f680, 0x1f469, 0x10ffff];
    for (let seed = 1; seed <= 300; seed++) {
      const next = prng(seed);
      const size = Math.floor(next() * 12_000);
      const parts: Buffer[] = [];
      let length = 0;
      while (length < size) {
        const r = next();
        const piece =
          r < 0.9 ? Buffer.from("abcdefghijklmnopqrstuvwxyz0123456789 {}:,".slice(0, 1 + Math.floor(next() * 40)))
          : r < 0.99 ? Buffer.from(String.fromCodePoint(points[Math.floor(next() * points.length)]!))
          : Buffer.from([Math.floor(next() * 256)]);
        parts.push(piece);
        length += piece.length;
      }
      const bytes = Buffer.concat(parts);
      expect(decodeUtf8(bytes), `seed ${seed}`).toBe(bytes.toString("utf8"));
    }
  });

  it("for a slice of a larger buffer (the reader's lines are views into its read buffer)", () => {
    const big = Buffer.from(`head\n${"→ tail ".repeat(2000)}\nnext`);
    const line = big.subarray(5, big.indexOf(0x0a, 5));
    same(line);
  });
});
