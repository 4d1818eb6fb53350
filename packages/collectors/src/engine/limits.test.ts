import { describe, expect, it } from "vitest";
import { fitMessage, utf8Length, utf8LengthByLoop } from "./limits.js";

const TEXTS = ["", "abc", "é", "→╔═╗│✓", "日本語", "🙂x🙂", "\ud800 lone", "lone \udc00", "\u0000\u001f\"\\", "x".repeat(70_000) + "─🙂"];

describe("UTF-8 lengths", () => {
  it("the native count and the portable loop both count bytes as Buffer does", () => {
    for (const text of TEXTS) {
      expect(utf8Length(text)).toBe(Buffer.byteLength(text));
      expect(utf8LengthByLoop(text)).toBe(Buffer.byteLength(text));
    }
  });
});

describe("fitMessage without serialising", () => {
  /** Messages whose JSON grows in every way the bound must cover: escapes, multi-byte, numbers, nesting. */
  const messages = [
    { textContent: "\u0001".repeat(3_000), parts: [] },
    { textContent: "日本語→".repeat(800), parts: [{ type: "text", content: { text: "🙂".repeat(500) } }] },
    { textContent: "t", parts: [{ type: "tool-result", content: { callId: "c", output: "\"\\\n".repeat(1_000), isError: false } }], metadata: { n: -1.2345678901234567e-300, ok: true, none: null } },
    { textContent: "x", parts: Array.from({ length: 300 }, (_, i) => ({ type: "text", content: { text: String(i), nested: [[i, { deep: "\ud800" }]] } })) },
  ];

  it("keeps a message exactly when its serialised UTF-8 size fits, at the edge of the limit", () => {
    for (const message of messages) {
      const size = Buffer.byteLength(JSON.stringify(message));
      expect(fitMessage(message, size)).toBe(message);
      const cut = fitMessage(message, size - 1);
      expect(cut).not.toBe(message);
      expect(Buffer.byteLength(JSON.stringify(cut))).toBeLessThanOrEqual(size - 1);
      expect((cut.metadata as { truncated?: boolean }).truncated).toBe(true);
    }
  });

  it("still decides by serialising what the bound cannot cover (toJSON, class instances)", () => {
    const withDate = { textContent: "x", parts: [], metadata: { at: new Date(0) } };
    expect(fitMessage(withDate, Buffer.byteLength(JSON.stringify(withDate)))).toBe(withDate);
  });
});
