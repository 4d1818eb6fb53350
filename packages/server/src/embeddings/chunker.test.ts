import { describe, expect, it } from "vitest";
import { chunkHash, chunkMessage, chunkText } from "./chunker.js";

const options = { maxChars: 200, overlapChars: 40 };
const para = (word: string, n: number) => Array.from({ length: n }, (_, i) => `${word}${i}`).join(" ");

describe("chunker", () => {
  it("keeps a short message whole", () => {
    expect(chunkText("How do I add an index?\n\nOn the sessions table.", options)).toEqual(["How do I add an index?\n\nOn the sessions table."]);
  });

  it("bounds every chunk and overlaps neighbours", () => {
    const text = [para("alpha", 20), para("beta", 20), para("gamma", 20), para("delta", 20)].join("\n\n");
    const chunks = chunkText(text, options);
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(200);
    // The second chunk starts with the end of the first.
    const carried = chunks[1].split("\n\n")[0];
    expect(chunks[0].endsWith(carried)).toBe(true);
    // Nothing is lost.
    for (const word of ["alpha0", "beta19", "gamma7", "delta19"]) expect(chunks.some((c) => c.includes(word))).toBe(true);
  });

  it("keeps a code block whole when it fits, even if the paragraph before fills a chunk", () => {
    const code = "```ts\nconst a = 1;\n\nconst b = 2;\n```";
    const chunks = chunkText(`${para("intro", 25)}\n\n${code}\n\nafter`, options);
    expect(chunks.some((c) => c.includes(code))).toBe(true);
  });

  it("cuts an oversized code block at line ends", () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line_${i} = compute(${i});`);
    const chunks = chunkText("```py\n" + lines.join("\n") + "\n```", options);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(200);
    for (const c of chunks.slice(0, -1)) expect(c.endsWith(";") || c.startsWith("```")).toBe(true);
  });

  it("chunks text and reasoning apart, with stable hashes", () => {
    const chunks = chunkMessage({ text: "Use a migration.", reasoning: ["The user wants a schema change."] }, options);
    expect(chunks.map((c) => [c.ord, c.field, c.text])).toEqual([
      [0, "text", "Use a migration."],
      [1, "reasoning", "The user wants a schema change."],
    ]);
    expect(chunks[0].hash).toBe(chunkHash("text", "Use a migration."));
    expect(chunks[0].hash).not.toBe(chunkHash("reasoning", "Use a migration."));
  });

  it("makes no chunk of an empty message", () => {
    expect(chunkMessage({ text: "  \n ", reasoning: [] }, options)).toEqual([]);
  });
});
