import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ToolCall } from "./tool-call";
import { TRUNCATE_LINES } from "./long-text";

describe("ToolCall", () => {
  it("is collapsed to its name and summary, and shows an edit's input as a diff", () => {
    const { container } = render(
      <ToolCall
        call={{ kind: "tool-call", name: "Edit", callId: "c1", input: { file_path: "src/app.ts", old_string: "const a = 1;\nkeep();", new_string: "const a = 2;\nkeep();" } }}
        result={{ kind: "tool-result", callId: "c1", output: "ok", isError: false, truncated: false }}
      />,
    );
    const details = container.querySelector("details")!;
    expect(details.open).toBe(false);
    expect(container.querySelector("summary")?.textContent).toContain("src/app.ts");
    const diff = screen.getByTestId("diff");
    const lines = [...diff.children].map((l) => l.textContent);
    expect(lines).toEqual(["-const a = 1;", "+const a = 2;", " keep();"]);
    expect(diff.children[0]!.className).toContain("red");
    expect(diff.children[1]!.className).toContain("emerald");
  });

  it("marks a failed call and cuts a long output until 'Show all' is pressed", () => {
    const output = Array.from({ length: 200 }, (_, i) => `line ${i}`).join("\n");
    render(<ToolCall call={{ kind: "tool-call", name: "Bash", callId: "c", input: { command: "npm test" } }} result={{ kind: "tool-result", callId: "c", output, isError: true, truncated: false }} />);
    expect(screen.getByText("error")).toBeTruthy();
    const pre = screen.getByLabelText("Tool error");
    expect(pre.textContent!.split("\n")).toHaveLength(TRUNCATE_LINES);
    fireEvent.click(screen.getByRole("button", { name: /Show all \(170 more lines/ }));
    expect(screen.getByLabelText("Tool error").textContent).toBe(output);
  });

  it("shows a patch in the input as a diff", () => {
    render(<ToolCall call={{ kind: "tool-call", name: "apply_patch", callId: null, input: { input: "*** Begin Patch\n--- a/x\n+++ b/x\n-old\n+new\n*** End Patch" } }} />);
    const lines = [...screen.getByTestId("diff").children].map((l) => l.textContent);
    expect(lines).toContain("-old");
    expect(lines).toContain("+new");
    expect(lines).toContain(" +++ b/x");
  });
});
