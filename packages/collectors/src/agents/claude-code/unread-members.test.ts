import { describe, expect, it } from "vitest";
import { withoutTopLevelMember } from "./unread-members.js";

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
