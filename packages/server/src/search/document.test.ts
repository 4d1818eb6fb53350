import { describe, expect, it } from "vitest";
import { messageDocument } from "./document.js";

const toolResult = (output: string) => ({ type: "tool-result", content: JSON.stringify({ callId: "c1", output }) });

describe("messageDocument", () => {
  it("indexes a tool message's output once when its text repeats it", () => {
    const doc = messageDocument({ role: "tool", textContent: "ECONNREFUSED 127.0.0.1:5432", parts: [toolResult("ECONNREFUSED 127.0.0.1:5432")] });
    expect(doc.output).toBe("ECONNREFUSED 127.0.0.1:5432");
  });

  it("keeps both when a tool message's text says something else", () => {
    const doc = messageDocument({ role: "tool", textContent: "exit 1", parts: [toolResult("TS2345: Argument of type")] });
    expect(doc.output).toBe("exit 1\nTS2345: Argument of type");
  });

  it("puts an assistant's tool output in the output column and its words in reply", () => {
    const doc = messageDocument({ role: "assistant", textContent: "Fixed it", parts: [toolResult("ok")] });
    expect(doc).toMatchObject({ reply: "Fixed it", output: "ok", prompt: "" });
  });
});
