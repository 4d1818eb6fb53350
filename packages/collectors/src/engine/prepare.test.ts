import { describe, expect, it } from "vitest";
import { createRedactor } from "../redaction/index.js";
import { LIMITS, messageInputSchema } from "@opensync/protocol";
import { clampStrings, fitMessage, MAX_MESSAGE_BYTES, MAX_TEXT_CONTENT, truncate, utf8Length } from "./limits.js";
import { prepareChunk } from "./prepare.js";

const redactor = createRedactor();

describe("prepareChunk", () => {
  it("prices messages the agent left unpriced, and marks unknown models on the message and its session", () => {
    const out = prepareChunk(
      {
        checkpoint: null,
        sessions: [{ externalId: "s1", title: "t" }],
        messages: [
          { sessionExternalId: "s1", externalId: "a", role: "assistant", model: "claude-sonnet-4-5-20250929", promptTokens: 1_000_000 },
          { sessionExternalId: "s1", externalId: "b", role: "assistant", model: "mystery-model-9", promptTokens: 10 },
          { sessionExternalId: "s1", externalId: "c", role: "assistant", model: "gpt-5", cost: 0.5, promptTokens: 10 },
        ],
      },
      redactor,
    );
    expect(out.messages[0].cost).toBeCloseTo(3, 6);
    expect(out.messages[0].metadata).toMatchObject({ costSource: "pricing-table" });
    expect(out.messages[1].cost).toBeUndefined();
    expect(out.messages[1].metadata).toMatchObject({ unpriced: true });
    expect(out.messages[2].cost).toBe(0.5);
    expect([...out.unpricedModels]).toEqual(["mystery-model-9"]);
    expect(out.sessions[0].metadata).toMatchObject({ unpricedModels: ["mystery-model-9"] });
  });

  it("redacts text, parts and titles, and cuts oversized part strings", () => {
    const secret = "ghp_" + "A".repeat(36);
    const out = prepareChunk(
      {
        checkpoint: null,
        sessions: [{ externalId: "s", title: `fix ${secret}` }],
        messages: [
          { sessionExternalId: "s", externalId: "m", role: "tool", textContent: `token ${secret}`, parts: [{ type: "tool-result", content: { output: `${secret} ${"x".repeat(3 * 1024 * 1024)}` } }] },
        ],
      },
      redactor,
    );
    expect(out.sessions[0].title).toBe("fix [REDACTED:github-token]");
    expect(out.messages[0].textContent).toBe("token [REDACTED:github-token]");
    const output = (out.messages[0].parts![0].content as { output: string }).output;
    expect(output.startsWith("[REDACTED:github-token] ")).toBe(true);
    expect(output.length).toBeLessThan(2.2 * 1024 * 1024);
    expect(output).toMatch(/truncated by opensync/);
  });
});

describe("limits", () => {
  it("the text limit is the protocol's", () => {
    expect(MAX_TEXT_CONTENT).toBe(LIMITS.textContent);
  });

  it("clampStrings copies only what it cuts", () => {
    const small = { a: ["x", { b: "y" }] };
    expect(clampStrings(small)).toBe(small);
    const big = { keep: { b: "y" }, cut: ["z".repeat(3 * 1024 * 1024)] };
    const out = clampStrings(big);
    expect(out).not.toBe(big);
    expect(out.keep).toBe(big.keep);
    expect(out.cut[0]).toMatch(/truncated by opensync/);
    expect(big.cut[0]).toHaveLength(3 * 1024 * 1024);
  });

  it("utf8Length counts bytes as Buffer does", () => {
    for (const text of ["", "abc", "é", "→╔═╗", "日本語", "🙂x🙂", "\ud800 lone surrogate"]) expect(utf8Length(text)).toBe(Buffer.byteLength(text));
  });
});

describe("defect 3: a too-long message is cut to a size the server then rejects, and is dropped", () => {
  it("a cut text, note included, never exceeds the limit", () => {
    for (const max of [100, 1000, MAX_TEXT_CONTENT]) {
      const out = truncate("a".repeat(max + 10), max);
      expect(out).toMatch(/truncated by opensync: \d+ more bytes/);
      expect(Buffer.byteLength(out)).toBeLessThanOrEqual(max);
    }
  });

  it("a message at the protocol limit plus one passes the server's validator after prepare", () => {
    const out = prepareChunk(
      { sessions: [], messages: [{ sessionExternalId: "s", externalId: "m", role: "user", textContent: "x".repeat(LIMITS.textContent + 1) }], checkpoint: null },
      createRedactor({ disabled: true }),
    );
    const text = out.messages[0].textContent!;
    expect(text.length).toBeLessThanOrEqual(LIMITS.textContent);
    expect(messageInputSchema.safeParse(out.messages[0]).success).toBe(true);
  });
});

describe("defect 7: one message over the body limit in UTF-8 wedges sync forever", () => {
  it("limits are in UTF-8 bytes: a CJK text is cut by bytes, never inside a character", () => {
    const cjk = "日".repeat(1000); // 3,000 bytes
    const out = truncate(cjk, 1000);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(1000);
    expect(out.startsWith("日".repeat(300))).toBe(true);
    const emoji = truncate("🙂".repeat(1000), 999);
    expect(emoji).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/); // no lone high surrogate
  });

  it("a 4M-character CJK prompt with its text part fits one request after prepare", () => {
    const prompt = "漢".repeat(4 * 1024 * 1024);
    const out = prepareChunk(
      {
        sessions: [],
        messages: [{ sessionExternalId: "s", externalId: "m", role: "user", textContent: prompt, parts: [{ type: "text", content: { text: prompt } }] }],
        checkpoint: null,
      },
      createRedactor({ disabled: true }),
    );
    const bytes = Buffer.byteLength(JSON.stringify(out.messages[0]));
    expect(bytes).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(out.messages[0].metadata).toMatchObject({ truncated: true });
    expect(messageInputSchema.safeParse(out.messages[0]).success).toBe(true);
    // What is kept is the start of the prompt, not nothing.
    expect(out.messages[0].textContent!.length).toBeGreaterThan(500_000);
  });

  it("thousands of parts that together overflow are cut to fit, and the message says so", () => {
    const parts = Array.from({ length: 5000 }, (_, i) => ({ type: "tool-result", content: { callId: `c${i}`, output: "→".repeat(2000) } }));
    const out = fitMessage({ textContent: "t", parts, metadata: {} }, 1024 * 1024);
    expect(Buffer.byteLength(JSON.stringify(out))).toBeLessThanOrEqual(1024 * 1024);
    expect(out.metadata).toMatchObject({ truncated: true });
  });
});
