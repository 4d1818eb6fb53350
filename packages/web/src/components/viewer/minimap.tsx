import { memo, useMemo } from "react";
import type { Mark, MarkKind } from "./session-rows";

const COLOR: Record<MarkKind, string> = {
  user: "bg-accent-500",
  tool: "bg-zinc-400 dark:bg-zinc-500",
  error: "bg-red-500",
};
const LABEL: Record<MarkKind, string> = { user: "User turn", tool: "Tool calls", error: "Error" };
/** At most this many marks are drawn (one per bucket, errors and user turns win). */
const BUCKETS = 160;
const RANK: Record<MarkKind, number> = { error: 3, user: 2, tool: 1 };

export function bucketMarks(marks: Mark[], rowCount: number, buckets = BUCKETS): Mark[] {
  const best = new Map<number, Mark>();
  for (const m of marks) {
    const b = Math.floor((m.row / Math.max(1, rowCount)) * buckets);
    const cur = best.get(b);
    if (!cur || RANK[m.kind] > RANK[cur.kind]) best.set(b, m);
  }
  return [...best.values()].sort((a, b) => a.row - b.row);
}

/** The mark nearest to a position (0..1) along the strip, or the row there when there is none near. */
export function rowAt(ratio: number, marks: Mark[], rowCount: number): number {
  const row = Math.round(Math.min(1, Math.max(0, ratio)) * Math.max(0, rowCount - 1));
  let best: Mark | null = null;
  for (const m of marks) if (!best || Math.abs(m.row - row) < Math.abs(best.row - row)) best = m;
  // A mark within 2% of the strip is what the click aimed at.
  return best && Math.abs(best.row - row) <= Math.max(1, rowCount * 0.02) ? best.row : row;
}

/**
 * The session at a glance: user turns, tool calls and errors along its length, and where the
 * reader is. A click jumps to the mark under it; from the keyboard it is a slider (arrows, Page
 * Up/Down, Home/End).
 */
export const Minimap = memo(function Minimap({ marks, rowCount, current, onJump }: { marks: Mark[]; rowCount: number; current: number; onJump: (row: number) => void }) {
  const shown = useMemo(() => bucketMarks(marks, rowCount), [marks, rowCount]);
  const pct = (row: number) => `${(row / Math.max(1, rowCount - 1)) * 100}%`;
  const last = Math.max(0, rowCount - 1);
  const onKey = (e: React.KeyboardEvent) => {
    const step: Record<string, number> = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1, PageDown: 10, PageUp: -10 };
    let next: number | null = null;
    if (e.key in step) next = current + step[e.key]!;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = last;
    if (next === null) return;
    e.preventDefault();
    e.stopPropagation();
    onJump(Math.min(last, Math.max(0, next)));
  };
  return (
    <div
      role="slider"
      tabIndex={0}
      aria-label="Session timeline: user turns, tool calls and errors"
      aria-orientation="vertical"
      aria-valuemin={1}
      aria-valuemax={Math.max(1, rowCount)}
      aria-valuenow={Math.min(rowCount, current + 1)}
      aria-valuetext={`Message ${current + 1} of ${rowCount}`}
      className="relative h-full w-6 cursor-pointer rounded"
      onKeyDown={onKey}
      onClick={(e) => {
        const box = e.currentTarget.getBoundingClientRect();
        onJump(rowAt((e.clientY - box.top) / Math.max(1, box.height), marks, rowCount));
      }}
    >
      <div aria-hidden className="absolute inset-y-0 left-1/2 w-px -translate-x-1/2 bg-zinc-300 dark:bg-zinc-700" />
      {shown.map((m) => (
        <div key={`${m.row}-${m.kind}`} aria-hidden title={LABEL[m.kind]} data-mark={m.kind} className={`absolute left-1/2 h-1.5 w-4 -translate-x-1/2 rounded-sm ${COLOR[m.kind]}`} style={{ top: pct(m.row) }} />
      ))}
      <div aria-hidden className="absolute -left-0.5 -right-0.5 h-1 rounded bg-zinc-900/70 dark:bg-white/80" style={{ top: pct(current) }} />
    </div>
  );
});
