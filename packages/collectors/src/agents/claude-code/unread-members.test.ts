import { describe, expect, it } from "vitest";
import { withoutTopLevelMember, withoutUnreadMembers } from "./unread-members.js";

const NAME = Buffer.from('"toolUseResult"');
const cut = (text: string) => withoutTopLevelMember(Buffer.from(text), NAME).toString("utf8");
/** What the cut line must parse to: the original object without its top-level toolUseResult. */
const expected = (text: string) => {
  const { toolUseResult: _, ...rest } = JSON.parse(text) as Record<string, unknown>;
  return rest;
};

describe("withoutTopLevelMember", () => {
  const lines = {
    middle: JSON.stringify({ type: "user", message: { content: [{ type: "tool_result", content: "a \"quoted\" → ✓ 🙂 日本語 \\ end" }] }, toolUseResult: { stdout: "x\\\"y}{][", n: [1, 2.5e-3, true, null] }, uuid: "u1" }),
    first: JSON.stringify({ toolUseResult: "s", type: "user" }),
    last: JSON.stringify({ type: "user", toolUseResult: [{ a: "}" }, -1] }),
    only: JSON.stringify({ toolUseResult: 12 }),
    numberValue: '{"type":"user","toolUseResult":42,"uuid":"u"}',
    spaced: '{ "type" : "user" , "toolUseResult" : { "a" : [ 1 , 2 ] } , "uuid" : 7 }\r',
    stringBeforeIt: JSON.stringify({ text: 'mentions "toolUseResult": in a string', toolUseResult: "drop", tail: 1 }),
  };

  for (const [name, text] of Object.entries(lines)) {
    it(`cuts the member and nothing else (${name})`, () => {
      const out = cut(text);
      expect(out.length).toBeLessThan(text.length);
      expect(out).not.toContain('"toolUseResult":');
      expect(JSON.parse(out)).toEqual(expected(text));
    });
  }

  it("leaves a nested member of the same name alone", () => {
    const text = JSON.stringify({ type: "user", message: { toolUseResult: "kept" }, uuid: "u" });
    expect(cut(text)).toBe(text);
  });

  it("leaves the name inside a string alone", () => {
    const text = JSON.stringify({ type: "user", note: '"toolUseResult": {"x": 1}' });
    expect(cut(text)).toBe(text);
  });

  it("keeps every defect outside the member, so JSON.parse still refuses those lines", () => {
    const whole = JSON.stringify({ type: "user", toolUseResult: { stdout: "out" }, uuid: "u" });
    for (const text of [
      whole.slice(0, whole.indexOf("out") + 2), // torn inside the member
      whole.slice(0, -1), // torn after it: no closing brace
      whole + "x", // trailing garbage
      whole.replace('"uuid":"u"', '"uuid":'), // a member without a value after it
      whole.replace(',"toolUseResult"', ' "toolUseResult"'), // no comma before it
      '{"toolUseResult":2,}', // a trailing comma after it
      '{"toolUseResult":2,,"a":1}',
    ]) {
      expect(() => JSON.parse(text)).toThrow();
      expect(() => JSON.parse(cut(text))).toThrow();
    }
  });

  it("leaves a line that is not an object alone", () => {
    const text = `[${JSON.stringify({ toolUseResult: 1 })}]`;
    expect(cut(text)).toBe(text);
  });

  it("returns a line without the member as the same buffer", () => {
    const bytes = Buffer.from(JSON.stringify({ type: "assistant", message: { content: [] } }));
    expect(withoutTopLevelMember(bytes, NAME)).toBe(bytes);
  });
});

describe("withoutUnreadMembers (issue 8: bookkeeping lines are read for their session and time only)", () => {
  const project = (value: unknown) => JSON.parse(withoutUnreadMembers(Buffer.from(JSON.stringify(value))).toString("utf8")) as Record<string, unknown>;
  const big = (n = 2000) => Array.from({ length: n / 20 }, (_, i) => ({ name: `tool_${i}`, description: 'says "hi" → ✓' }));

  it("drops the large members of an api-request-shape line and keeps its type, session and time", () => {
    const line = { type: "api-request-shape", sessionId: "s1", shapeHash: "h", timestamp: "2026-11-01T10:00:00.000Z", version: "2.1.330", shape: { tools: big() } };
    expect(project(line)).toEqual({ type: "api-request-shape", sessionId: "s1", shapeHash: "h", timestamp: "2026-11-01T10:00:00.000Z" });
  });

  it("keeps a file-history snapshot's own time, dropping its tracked backups", () => {
    const line = { type: "file-history-snapshot", messageId: "m1", snapshot: { messageId: "m1", trackedFileBackups: Object.fromEntries(big().map((t) => [t.name, t])), timestamp: "2026-11-01T10:00:01.000Z" }, isSnapshotUpdate: false };
    expect(project(line)).toEqual({ type: "file-history-snapshot", messageId: "m1", snapshot: { messageId: "m1", timestamp: "2026-11-01T10:00:01.000Z" }, isSnapshotUpdate: false });
  });

  it("projects an attachment line whose type comes after the payload", () => {
    const line = { parentUuid: null, isSidechain: false, attachment: { type: "prompt_snapshot", tools: big() }, type: "attachment", uuid: "u", timestamp: "2026-11-01T10:00:02.000Z", sessionId: "s1" };
    expect(project(line)).toEqual({ parentUuid: null, isSidechain: false, type: "attachment", uuid: "u", timestamp: "2026-11-01T10:00:02.000Z", sessionId: "s1" });
  });

  it("keeps a queued prompt whole, and the conversation and title lines", () => {
    const queued = { attachment: { type: "queued_command", prompt: "also fix the lint " + "x".repeat(3000), commandMode: "prompt" }, type: "attachment", sessionId: "s1" };
    const assistant = { parentUuid: "p", message: { role: "assistant", content: [{ type: "tool_use", input: { tools: big() } }] }, type: "assistant", uuid: "a" };
    const summary = { type: "summary", summary: "y".repeat(3000), leafUuid: "l" };
    for (const line of [queued, assistant, summary]) {
      const text = JSON.stringify(line);
      expect(withoutUnreadMembers(Buffer.from(text)).toString("utf8")).toBe(text);
    }
  });

  it("cuts toolUseResult from a user line and leaves a small bookkeeping line as it is", () => {
    const user = { type: "user", message: { content: [{ type: "tool_result", content: "ok" }] }, toolUseResult: { stdout: "z".repeat(5000) }, uuid: "u" };
    expect(project(user)).toEqual({ type: "user", message: user.message, uuid: "u" });
    const small = JSON.stringify({ type: "last-prompt", lastPrompt: "hi", sessionId: "s1" });
    expect(withoutUnreadMembers(Buffer.from(small)).toString("utf8")).toBe(small);
  });

  it("returns a line that does not scan as one object unchanged, so it is still refused", () => {
    const whole = JSON.stringify({ type: "api-request", sessionId: "s1", params: big() });
    for (const broken of [whole.slice(0, -1), whole + " trailing", whole.replace('"params":', '"params"'), "[1,2]", ""]) {
      expect(withoutUnreadMembers(Buffer.from(broken)).toString("utf8")).toBe(broken);
    }
  });
});
