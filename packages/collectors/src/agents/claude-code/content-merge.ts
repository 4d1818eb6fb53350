import type { PartInput } from "@opensync/protocol";
import { assistantPart, type Block } from "./content.js";

/**
 * The content of one API response, folded from the lines Claude Code wrote for it. Versions differ:
 * 2.x writes one content block a line; others (and the SDK's partial messages) write growing
 * snapshots, where a line repeats the blocks so far and the last one may have grown (more text, a
 * tool call whose input is complete now). Blocks are matched by identity:
 * - a tool call (or a server tool's result) by its id, wherever it sits: it never appears twice;
 * - any other block that equals one already held replaces it (a repeated block);
 * - a text or thinking block that extends the LAST block held (same kind, starts with its text)
 *   replaces it: only the block being streamed can still grow;
 * everything else is a new block, appended.
 */
interface HeldBlock {
  part: PartInput;
  /** `call:<id>` / `result:<id>`: matched on this alone. */
  id?: string;
  /** `text`, `reasoning`, `redacted`, `other`: the kind a growing block must keep. */
  kind: string;
  /** What a repeat must equal, and what a growing block must start with (text kinds). */
  body: string;
}

function describe(block: Block, part: PartInput): HeldBlock {
  const c = part.content as Record<string, unknown>;
  if (part.type === "tool-call") return { part, id: `call:${String(c.callId)}`, kind: "call", body: "" };
  if (part.type === "tool-result") return { part, id: `result:${String(c.callId)}`, kind: "result", body: "" };
  if (block.type === "redacted_thinking") return { part, kind: "redacted", body: typeof block.data === "string" ? block.data : "" };
  if (part.type === "text" || part.type === "reasoning") return { part, kind: part.type, body: String(c.text ?? "") };
  return { part, kind: "other", body: JSON.stringify(block) };
}

export class ResponseContent {
  private readonly held: HeldBlock[] = [];

  /** Folds in the content of one more line of the response. */
  addLine(content: unknown): void {
    const blocks: Block[] = typeof content === "string"
      ? [{ type: "text", text: content }]
      : Array.isArray(content) ? content.filter((b): b is Block => !!b && typeof b === "object") : [];
    const lastBefore = this.held.length - 1;
    const claimed = new Set<number>();
    for (const block of blocks) {
      const part = assistantPart(block);
      if (!part) continue;
      const next = describe(block, part);
      const at = this.match(next, claimed, lastBefore);
      if (at === undefined) {
        this.held.push(next);
        claimed.add(this.held.length - 1);
      } else {
        this.held[at] = next;
        claimed.add(at);
      }
    }
  }

  parts(): PartInput[] {
    return this.held.map((h) => h.part);
  }

  private match(next: HeldBlock, claimed: Set<number>, lastBefore: number): number | undefined {
    if (next.id !== undefined) {
      const i = this.held.findIndex((h) => h.id === next.id);
      return i >= 0 ? i : undefined;
    }
    for (let i = 0; i < this.held.length; i++) {
      const h = this.held[i];
      if (!claimed.has(i) && h.id === undefined && h.kind === next.kind && h.body === next.body) return i;
    }
    const last = this.held[lastBefore];
    const grows = (next.kind === "text" || next.kind === "reasoning") && last && !claimed.has(lastBefore) &&
      last.kind === next.kind && last.body.length > 0 && next.body.startsWith(last.body);
    return grows ? lastBefore : undefined;
  }
}
