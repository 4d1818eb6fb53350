import { describe, expect, it } from "vitest";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRedactor } from "../../redaction/index.js";
import { prepareChunk } from "../../engine/prepare.js";
import { messageJson } from "../../engine/message-json.js";
import { jsonLiteralOf } from "../../json-literal.js";
import { toolResultLiterals } from "./tool-result-literals.js";
import { readUnit } from "./fixtures/support.js";

/** Outputs that are hard to carry as bytes: escapes, non-ASCII, a lone surrogate, quotes at the ends. */
const OUTPUTS = [
  'plain "quoted" \\ backslash \\\\" and a "',
  "tabs\tnew\nlines\r\n\u0000\u001b[32mcolour\u001b[0m \u2028\u2029",
  "CJK 日本語のテスト ✓ × → ├── │ └── 🙂🚀 é",
  "lone surrogates \ud800 x \udfff y \ud83d",
  '"',
  "\\",
  "ends with a backslash \\",
];

const userLine = (content: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: "user", message: { role: "user", content }, uuid: "u1", ...extra });

const parsedLiterals = (line: string | Buffer) => {
  const found = toolResultLiterals(Buffer.isBuffer(line) ? line : Buffer.from(line, "utf8"));
  return found && new Map([...found].map(([i, b]) => [i, JSON.parse(b.toString("utf8")) as unknown]));
};

describe("toolResultLiterals", () => {
  it("finds each tool result's string literal by its index in message.content, and it parses to the same text", () => {
    for (const output of OUTPUTS) {
      const content = [
        { type: "text", text: "see" },
        { tool_use_id: "t1", type: "tool_result", content: output, is_error: false },
        { type: "tool_result", tool_use_id: "t2", content: [{ type: "text", text: "list" }] },
        "not a block",
        { type: "tool_result", content: `${output}!` },
      ];
      expect(parsedLiterals(userLine(content, { toolUseResult: { stdout: output } }))).toEqual(new Map([[1, output], [4, `${output}!`]]));
    }
  });

  it("takes the literal as written, escapes included, from hand-written JSON with spaces", () => {
    const line = '{ "type" : "user" , "message" : { "content" : [ { "type" : "tool_result" , "content" : "caf\\u00e9 \\/ \\"q\\"" } ] } }';
    const found = toolResultLiterals(Buffer.from(line))!;
    expect(found.get(0)!.toString("utf8")).toBe('"caf\\u00e9 \\/ \\"q\\""');
    expect(JSON.parse(found.get(0)!.toString("utf8"))).toBe((JSON.parse(line) as { message: { content: Array<{ content: string }> } }).message.content[0].content);
  });

  it("follows JSON.parse on duplicate names: the last one wins", () => {
    const line = '{"message":{"content":[{"type":"tool_result","content":"first"}]},"type":"user","message":{"content":[{"type":"text"},{"type":"tool_result","content":"a","content":"second"}]}}';
    expect(parsedLiterals(line)).toEqual(new Map([[1, "second"]]));
    const retyped = '{"message":{"content":[{"type":"tool_result","content":"x","type":"text"}]}}';
    expect(toolResultLiterals(Buffer.from(retyped))).toBeUndefined();
  });

  it("gives up when a key on the way holds an escape, or the line does not scan", () => {
    expect(toolResultLiterals(Buffer.from('{"message":{"con\\u0074ent":[{"type":"tool_result","content":"x"}],"content":[]}}'))).toBeUndefined();
    expect(toolResultLiterals(Buffer.from('{"message":{"content":[{"type":"tool_result","content":"x"}]'))).toBeUndefined();
    expect(toolResultLiterals(Buffer.from('{"message":{"content":[{"type":"tool_result","content":"x"} {}]}}'))).toBeUndefined();
    expect(toolResultLiterals(Buffer.from('["message"]'))).toBeUndefined();
  });

  it("leaves out a literal whose bytes are not valid UTF-8", () => {
    const line = Buffer.concat([Buffer.from('{"message":{"content":[{"type":"tool_result","content":"bad '), Buffer.from([0xff, 0xc3]), Buffer.from('"},{"type":"tool_result","content":"good"}]}}')]);
    expect(parsedLiterals(line)).toEqual(new Map([[1, "good"]]));
  });
});

describe("a tool output sent as the transcript's literal (issue 8)", () => {
  const SESSION = "5e1f0a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
  const line = (uuid: string, output: string) =>
    JSON.stringify({
      type: "user", sessionId: SESSION, uuid, timestamp: "2026-11-30T10:00:00.000Z", cwd: "/repo",
      message: { role: "user", content: [{ tool_use_id: `call-${uuid}`, type: "tool_result", content: output }] },
      toolUseResult: { stdout: output },
    });
  const long = (s: string) => `${s}\n${"ok 12 passed → ✓ 日本 \"q\" \\ \t".repeat(400)}`;
  const secret = long("export DB_PASSWORD=hunter22 and GH=ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A");

  async function upload(outputs: string[]) {
    const path = join(mkdtempSync(join(tmpdir(), "cc-literal-")), `${SESSION}.jsonl`);
    writeFileSync(path, outputs.map((o, i) => `${line(`u${i}`, o)}\n`).join(""));
    const { chunks } = await readUnit(path);
    const redactor = createRedactor();
    return chunks.flatMap((c) => prepareChunk(c, redactor).messages);
  }

  it("serialises to what JSON.stringify gives, for every kind of text, reusing the transcript's bytes", async () => {
    const messages = await upload(OUTPUTS.map(long));
    expect(messages).toHaveLength(OUTPUTS.length);
    for (const m of messages) {
      const content = m.parts![0].content as Record<string, unknown>;
      expect(jsonLiteralOf(content, "output")).toBeDefined();
      expect(JSON.parse(messageJson(m).toString("utf8"))).toEqual(JSON.parse(JSON.stringify(m)));
    }
  });

  it("never sends a redacted output's literal: the secret is gone from the bytes", async () => {
    const [m] = await upload([secret]);
    const json = messageJson(m).toString("utf8");
    expect(json).not.toContain("hunter22");
    expect(json).not.toContain("ghp_aB3d");
    expect(json).toContain("[REDACTED:env-secret]");
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(m)));
  });

  it("is not used once the output was changed in place, or cut", async () => {
    const [m] = await upload([long("x")]);
    const content = m.parts![0].content as Record<string, unknown>;
    content.output = `${String(content.output)} changed`;
    expect(jsonLiteralOf(content, "output")).toBeUndefined();
    expect(messageJson(m).equals(Buffer.from(JSON.stringify(m), "utf8"))).toBe(true);
  });

  it("short outputs are serialised as before", async () => {
    const [m] = await upload(["short output"]);
    expect(jsonLiteralOf(m.parts![0].content as object, "output")).toBeUndefined();
  });
});
