import { parseJsonLine, readCompleteLines } from "../../jsonl.js";
import { contentText } from "./content.js";
import { findRolloutFiles } from "./discover.js";
import { isRecord, toRolloutRecord, type RolloutRecord } from "./rollout-line.js";

/**
 * Where the copy of the parent's history ends in a forked rollout (a byte offset), and whether it
 * may still grow (the copy reached the end of what is written so far).
 */
export interface ForkReplay { end: number; open: boolean }

/**
 * A forked thread's rollout opens with its own `session_meta` naming `forked_from_id`, then the
 * parent's rollout items copied as they are, starting with the parent's own `session_meta`, each
 * stamped with the time of the copy; only then come the fork's own turns. Nothing marks where the
 * copy ends (openai/codex codex-rs/core/src/rollout/recorder.rs `RolloutRecorderParams::Create
 * { forked_from_id }`, and `record_initial_history` → `InitialHistory::Forked` →
 * `persist_rollout_items`, main 2026). So:
 *  - when the parent's rollout is on this machine (it is for /fork and for spawned sub-agents), the
 *    copy is the run of lines that repeat the parent's lines in order;
 *  - otherwise, the copy is the burst of lines written together with the fork's `session_meta`
 *    (no gap longer than {@link COPY_BURST_GAP_MS} between consecutive lines).
 */
export const COPY_BURST_GAP_MS = 1000;

export async function findForkReplay(path: string, parentId: string, codexHome: string | undefined): Promise<ForkReplay> {
  const parent = codexHome ? await findParentRollout(codexHome, parentId) : undefined;
  return parent ? replayAgainstParent(path, parent) : replayByBurst(path);
}

async function findParentRollout(codexHome: string, parentId: string): Promise<string | undefined> {
  const files = await findRolloutFiles(codexHome);
  return files.find((f) => f.endsWith(`${parentId}.jsonl`));
}

/** What identifies a copied line, leaving out what a copy changes (timestamps) or may re-serialize. */
function replayKey(record: RolloutRecord | undefined): string {
  if (!record) return "";
  const p = record.payload;
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const text = contentText(p.content) || str(p.message) || str(p.text) || str(p.arguments) || str(p.input) || (typeof p.output === "string" ? p.output : "");
  const info = isRecord(p.info) && isRecord(p.info.total_token_usage) ? p.info.total_token_usage.total_tokens : undefined;
  return JSON.stringify([record.kind, p.type, p.role, p.id, p.call_id, p.turn_id, p.model, text.slice(0, 500), info]);
}

async function replayAgainstParent(path: string, parentPath: string): Promise<ForkReplay> {
  const child = readCompleteLines(path, 0);
  const parent = readCompleteLines(parentPath, 0);
  try {
    const first = await child.next();
    if (first.done) return { end: 0, open: true };
    let end = first.value.end;
    for (;;) {
      const c = await child.next();
      if (c.done) return { end, open: true };
      const p = await parent.next();
      if (p.done) return { end, open: false };
      if (replayKey(recordOf(c.value.text)) !== replayKey(recordOf(p.value.text))) return { end, open: false };
      end = c.value.end;
    }
  } finally {
    await child.return(undefined);
    await parent.return(undefined);
  }
}

async function replayByBurst(path: string): Promise<ForkReplay> {
  let end = 0;
  let previous: number | undefined;
  let first = true;
  for await (const line of readCompleteLines(path, 0)) {
    const at = recordOf(line.text)?.timestamp;
    if (!first && (at === undefined || previous === undefined || at - previous > COPY_BURST_GAP_MS)) return { end, open: false };
    first = false;
    previous = at ?? previous;
    end = line.end;
  }
  return { end, open: true };
}

function recordOf(text: string): RolloutRecord | undefined {
  const parsed = parseJsonLine(text);
  return parsed ? toRolloutRecord(parsed) : undefined;
}

/** The parent a rollout's first line names, when that line is the `session_meta` of a fork. */
export async function forkedFrom(path: string): Promise<string | undefined> {
  for await (const line of readCompleteLines(path, 0)) {
    const record = recordOf(line.text);
    if (record?.kind !== "session_meta") return undefined;
    const parent = record.payload.forked_from_id;
    return typeof parent === "string" && parent ? parent : undefined;
  }
  return undefined;
}
