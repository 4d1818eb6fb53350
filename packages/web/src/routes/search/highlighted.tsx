import type { Highlight } from "@opensync/protocol";

/** Splits a snippet into plain and matched pieces (spans sorted, overlaps merged, out-of-range ignored). */
export function splitHighlights(text: string, highlights: Highlight[]): { text: string; match: boolean }[] {
  const spans = highlights
    .map(([a, b]) => [Math.max(0, a), Math.min(text.length, b)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  const out: { text: string; match: boolean }[] = [];
  let at = 0;
  for (const [a, b] of spans) {
    if (b <= at) continue;
    const start = Math.max(a, at);
    if (start > at) out.push({ text: text.slice(at, start), match: false });
    out.push({ text: text.slice(start, b), match: true });
    at = b;
  }
  if (at < text.length) out.push({ text: text.slice(at), match: false });
  return out;
}

/** A snippet with its matches marked. Text only: a snippet is never parsed as HTML or Markdown. */
export function Highlighted({ text, highlights }: { text: string; highlights: Highlight[] }) {
  return (
    <>
      {splitHighlights(text, highlights).map((piece, i) =>
        piece.match ? (
          <mark key={i} className="rounded-sm bg-amber-200 px-0.5 text-zinc-900 dark:bg-amber-400/30 dark:text-amber-100">
            {piece.text}
          </mark>
        ) : (
          <span key={i}>{piece.text}</span>
        ),
      )}
    </>
  );
}
