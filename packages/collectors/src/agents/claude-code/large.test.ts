import { describe, expect, it } from "vitest";
import { createWriteStream, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claudeUnitFor } from "./discover.js";
import { MAX_TOOL_OUTPUT_CHARS } from "./content.js";
import { readClaudeTranscript } from "./read.js";
import { billedTokenTotals } from "./usage.js";
import { assistantLine, byId, readUnit, toolResultLine, userPromptLine, type LineContext } from "./fixtures/support.js";

const ctx: LineContext = { sessionId: "big-0000-session", cwd: "/home/dev/projects/big" };
const t0 = Date.parse("2025-11-01T00:00:00Z");
const at = (i: number) => new Date(t0 + i * 1000);

/** One turn: prompt, a response streamed as text + tool_use lines, a tool result, a final answer. */
function turn(i: number, outputBytes: number): string[] {
  const p = `t${i}`;
  return [
    userPromptLine(ctx, `${p}-u`, i ? `t${i - 1}-a2` : null, at(i * 10), `Step ${i}: check the logs`),
    assistantLine(ctx, `${p}-a1`, `${p}-u`, at(i * 10 + 1), `msg_${p}_1`, `req_${p}_1`, { type: "text", text: `Looking at step ${i}.` }, { input: 3, output: 20, cacheWrite: 100, cacheRead: 1000 }),
    assistantLine(ctx, `${p}-a1b`, `${p}-a1`, at(i * 10 + 2), `msg_${p}_1`, `req_${p}_1`, { type: "tool_use", id: `toolu_${p}`, name: "Bash", input: { command: "cat app.log" } }, { input: 3, output: 20, cacheWrite: 100, cacheRead: 1000 }),
    toolResultLine(ctx, `${p}-r`, `${p}-a1b`, at(i * 10 + 3), `toolu_${p}`, "log line ".repeat(Math.ceil(outputBytes / 9)).slice(0, outputBytes)),
    assistantLine(ctx, `${p}-a2`, `${p}-r`, at(i * 10 + 4), `msg_${p}_2`, `req_${p}_2`, { type: "text", text: `Step ${i} is fine.` }, { input: 2, output: 8, cacheRead: 1100 }),
  ];
}

describe("claude-code: large transcripts", () => {
  it("caps a huge tool output and flushes chunks by size", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "cc-huge-")), `${ctx.sessionId}.jsonl`);
    writeFileSync(path, [...turn(0, 3_000_000), ...turn(1, 3_000_000), ...turn(2, 100)].map((l) => `${l}\n`).join(""));
    const r = await readUnit(path, undefined, { maxMessages: 500, maxTextChars: 400_000 });
    const result = byId(r.messages, "t0-r");
    const part = result.parts![0].content as { output: string; truncated: boolean; originalLength: number; callId: string };
    expect(part.callId).toBe("toolu_t0");
    expect(part.truncated).toBe(true);
    expect(part.originalLength).toBe(3_000_000);
    expect(part.output.length).toBeLessThan(MAX_TOOL_OUTPUT_CHARS + 100);
    expect(part.output.endsWith("characters truncated by opensync]")).toBe(true);
    expect(result.textContent!.length).toBeLessThan(MAX_TOOL_OUTPUT_CHARS + 100);
    expect(r.chunks.length).toBeGreaterThanOrEqual(2);
    expect(r.messages).toHaveLength(12);
  });

  it("streams a 50 MB transcript in bounded chunks without holding it in memory", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "cc-50mb-")), `${ctx.sessionId}.jsonl`);
    const out = createWriteStream(path);
    let turns = 0;
    while (out.bytesWritten + out.writableLength < 50 * 1024 * 1024) {
      if (!out.write(turn(turns++, 2_000).map((l) => `${l}\n`).join(""))) await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
    const size = statSync(path).size;
    expect(size).toBeGreaterThanOrEqual(50 * 1024 * 1024);

    const heapBefore = process.memoryUsage().heapUsed;
    let peakHeap = heapBefore;
    let chunks = 0;
    let messages = 0;
    let promptTokens = 0;
    let lastOffset = 0;
    for await (const chunk of readClaudeTranscript(claudeUnitFor(path), undefined, { machine: "m" })) {
      chunks++;
      messages += chunk.messages.length;
      expect(chunk.messages.length).toBeLessThanOrEqual(500);
      for (const m of chunk.messages) promptTokens += m.promptTokens ?? 0;
      const offset = (chunk.checkpoint as { offset: number }).offset;
      expect(offset).toBeGreaterThanOrEqual(lastOffset);
      lastOffset = offset;
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }
    expect(messages).toBe(turns * 4);
    expect(chunks).toBeGreaterThanOrEqual(Math.floor((turns * 4) / 500));
    expect(promptTokens).toBe((await billedTokenTotals(path)).promptTokens);
    // Holding the parsed file would take several times its 50 MB; a streamed read stays far below.
    expect(peakHeap - heapBefore).toBeLessThan(size);
  });
});
