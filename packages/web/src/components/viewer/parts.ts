import type { Message, Part } from "@opensync/protocol";

/**
 * Parts as the viewer shows them. PROTOCOL.md leaves `content` free JSON and names the shapes the
 * viewer understands (`text` string or {text}; `tool-call` {toolName|name, args|arguments|input,
 * callId?}; `tool-result` {callId?, output|result, isError?} or a string; `file` {path, mime?};
 * `patch`; `step`). Everything else is shown as JSON, never dropped.
 */
export type ViewPart =
  | { kind: "text"; text: string }
  | { kind: "reasoning"; text: string; redacted: boolean }
  | { kind: "tool-call"; name: string; input: unknown; callId: string | null }
  | { kind: "tool-result"; output: string; isError: boolean; callId: string | null; truncated: boolean }
  | { kind: "file"; path: string; mime: string | null }
  | { kind: "patch"; text: string }
  | { kind: "step"; label: string }
  | { kind: "other"; type: string; content: unknown };

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

/** Any value as readable text: strings as they are, everything else as indented JSON. */
export function asText(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === undefined || v === null) return "";
  try {
    return JSON.stringify(v, null, 2);
  } catch {
    return String(v);
  }
}

export function viewPart(part: Pick<Part, "type" | "content">): ViewPart {
  const c = obj(part.content);
  switch (part.type) {
    case "text":
      return { kind: "text", text: str(part.content) ?? str(c.text) ?? "" };
    case "reasoning":
      return { kind: "reasoning", text: str(part.content) ?? str(c.text) ?? "", redacted: c.redacted === true };
    case "tool-call":
      return {
        kind: "tool-call",
        name: str(c.toolName) ?? str(c.name) ?? "tool",
        input: c.args ?? c.arguments ?? c.input ?? null,
        callId: str(c.callId),
      };
    case "tool-result":
      if (typeof part.content === "string") return { kind: "tool-result", output: part.content, isError: false, callId: null, truncated: false };
      return {
        kind: "tool-result",
        output: asText(c.output ?? c.result ?? ""),
        isError: c.isError === true,
        callId: str(c.callId),
        truncated: c.truncated === true,
      };
    case "file":
      return { kind: "file", path: str(c.path) ?? str(part.content) ?? "file", mime: str(c.mime) };
    case "patch":
      return { kind: "patch", text: str(part.content) ?? str(c.patch) ?? str(c.diff) ?? asText(part.content) };
    case "step":
      return { kind: "step", label: str(c.kind) ?? str(c.type) ?? "step" };
    default:
      return { kind: "other", type: part.type, content: part.content };
  }
}

/*
 * Parts per message object: pages are appended as the reader scrolls and every row is rebuilt,
 * but a message object from the query cache is the same object each time, so its parts are
 * worked out once.
 */
const cache = new WeakMap<object, ViewPart[]>();

/** The message's parts in order; a message with text but no text part gets one from `textContent`. */
export function viewParts(message: Pick<Message, "parts" | "textContent">): ViewPart[] {
  let parts = cache.get(message);
  if (!parts) {
    parts = computeViewParts(message);
    cache.set(message, parts);
  }
  return parts;
}

function computeViewParts(message: Pick<Message, "parts" | "textContent">): ViewPart[] {
  const parts = [...message.parts].sort((a, b) => a.order - b.order).map(viewPart);
  const hasText = parts.some((p) => p.kind === "text" && p.text.trim());
  // A tool message's text is its output again (collectors send both, the server derives one from
  // the other): shown once, as the tool result.
  const outputs = parts.flatMap((p) => (p.kind === "tool-result" && p.output ? [p.output] : []));
  const repeatsOutput = outputs.length > 0 && message.textContent === outputs.join("\n\n");
  if (!hasText && !repeatsOutput && message.textContent?.trim()) parts.unshift({ kind: "text", text: message.textContent });
  return parts;
}

/** An edit a tool made, when its input says so (Claude Code's Edit/MultiEdit/Write, OpenCode's edit). */
export interface EditDiff { path: string | null; before: string; after: string }

export function editDiffs(input: unknown): EditDiff[] {
  const c = obj(input);
  const path = str(c.file_path) ?? str(c.filePath) ?? str(c.path);
  const before = str(c.old_string) ?? str(c.oldString);
  const after = str(c.new_string) ?? str(c.newString);
  if (before !== null && after !== null) return [{ path, before, after }];
  if (Array.isArray(c.edits)) {
    return c.edits.flatMap((e) => {
      const d = editDiffs({ file_path: path, ...obj(e) });
      return d;
    });
  }
  return [];
}

/** A unified diff in the input (`apply_patch`'s `input`/`patch`, a `diff` field), if any. */
export function patchText(input: unknown): string | null {
  const c = obj(input);
  const candidates = [str(input), str(c.patch), str(c.diff), str(c.input)];
  return candidates.find((t) => t !== null && /^(\*\*\* Begin Patch|diff --git|--- |@@ )/m.test(t)) ?? null;
}

/** One line that says what a tool call did: its command, path, pattern or query. */
export function toolSummary(name: string, input: unknown): string {
  const c = obj(input);
  const first = ["command", "cmd", "file_path", "filePath", "path", "pattern", "query", "url", "description", "prompt"]
    .map((k) => c[k])
    .find((v) => typeof v === "string" || Array.isArray(v));
  const text = Array.isArray(first) ? first.join(" ") : typeof first === "string" ? first : "";
  return text.split("\n")[0]!.slice(0, 160) || name;
}
