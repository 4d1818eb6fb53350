import { describe, expect, it } from "vitest";
import { rememberJsonLiteral } from "../json-literal.js";
import { messageJson } from "./message-json.js";

describe("messageJson", () => {
  it("is JSON.stringify's bytes when no literal is known", () => {
    const m = { role: "tool", parts: [{ type: "tool-result", content: { callId: "c", output: "é \"x\"", isError: false } }], n: 1 };
    expect(messageJson(m).equals(Buffer.from(JSON.stringify(m), "utf8"))).toBe(true);
    expect(messageJson({ role: "user" }).toString()).toBe('{"role":"user"}');
  });

  it("splices a known literal in as it is, the rest serialised as JSON.stringify would", () => {
    const content = { callId: "c1", output: "café", isError: false };
    rememberJsonLiteral(content, "output", Buffer.from('"caf\\u00e9"'));
    const m = {
      role: "tool", sessionExternalId: "s", skipped: undefined, when: new Date(0),
      parts: [{ type: "text", content: { text: "a" } }, { type: "tool-result", content, id: 7 }, undefined, { type: "file" }],
    };
    const json = messageJson(m).toString("utf8");
    expect(json).toContain('"output":"caf\\u00e9"');
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(m)));
  });

  it("handles a content holding only the output, and a message holding only parts", () => {
    const content = { output: "x" };
    rememberJsonLiteral(content, "output", Buffer.from('"x"'));
    const m = { parts: [{ type: "tool-result", content }] };
    expect(messageJson(m).toString()).toBe('{"parts":[{"type":"tool-result","content":{"output":"x"}}]}');
  });

  it("leaves the literal out when the output changed, or the content is not plain data", () => {
    const content = { output: "old" };
    rememberJsonLiteral(content, "output", Buffer.from('"old"'));
    const copy = { ...content };
    expect(messageJson({ parts: [{ type: "tool-result", content: copy }] }).toString()).toContain('"old"');
    content.output = "new";
    expect(messageJson({ parts: [{ type: "tool-result", content }] }).toString()).toBe('{"parts":[{"type":"tool-result","content":{"output":"new"}}]}');
    const withJson = { output: "y", toJSON: () => ({ output: "z" }) };
    rememberJsonLiteral(withJson, "output", Buffer.from('"y"'));
    expect(messageJson({ parts: [{ type: "tool-result", content: withJson }] }).toString()).toBe('{"parts":[{"type":"tool-result","content":{"output":"z"}}]}');
  });
});
