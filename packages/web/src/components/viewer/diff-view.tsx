import { memo, useMemo } from "react";
import { diffLines } from "diff";

export interface DiffLine { sign: "+" | "-" | " "; text: string }

/** Line diff of an edit (before → after), unchanged runs kept whole. */
export function lineDiff(before: string, after: string): DiffLine[] {
  const out: DiffLine[] = [];
  for (const change of diffLines(before, after)) {
    const sign = change.added ? "+" : change.removed ? "-" : " ";
    const lines = change.value.replace(/\n$/, "").split("\n");
    for (const text of lines) out.push({ sign, text });
  }
  return out;
}

/** Lines of a unified diff or patch text, signed by their first character (the sign is shown apart). */
export function patchLines(patch: string): DiffLine[] {
  return patch.split("\n").map((line) => {
    const c = line[0];
    const header = line.startsWith("+++") || line.startsWith("---");
    const sign = !header && c === "+" ? "+" : !header && c === "-" ? "-" : " ";
    return { sign, text: sign === " " ? line : line.slice(1) };
  });
}

const LINE_CLASS = {
  "+": "bg-emerald-50 text-emerald-900 dark:bg-emerald-950/60 dark:text-emerald-200",
  "-": "bg-red-50 text-red-900 dark:bg-red-950/60 dark:text-red-200",
  " ": "text-zinc-700 dark:text-zinc-300",
} as const;

/** A diff as a diff: added lines green with "+", removed red with "-" (signs stay for colour-blind readers). */
export const DiffView = memo(function DiffView({ lines, path }: { lines: DiffLine[]; path?: string | null }) {
  const added = useMemo(() => lines.filter((l) => l.sign === "+").length, [lines]);
  const removed = useMemo(() => lines.filter((l) => l.sign === "-").length, [lines]);
  return (
    <figure className="my-1 overflow-hidden rounded-lg border border-zinc-200 dark:border-zinc-800">
      <figcaption className="flex items-center gap-2 border-b border-zinc-200 bg-zinc-50 px-3 py-1 font-mono text-xs dark:border-zinc-800 dark:bg-zinc-950">
        <span className="min-w-0 truncate">{path ?? "diff"}</span>
        <span className="ml-auto text-emerald-700 dark:text-emerald-400">+{added}</span>
        <span className="text-red-700 dark:text-red-400">−{removed}</span>
      </figcaption>
      <pre tabIndex={0} aria-label={`Changes to ${path ?? "the file"}`} className="overflow-x-auto text-[12.5px] leading-5" data-testid="diff">
        {lines.map((l, i) => (
          <div key={i} className={`px-3 ${LINE_CLASS[l.sign]}`}>
            <span aria-hidden className="mr-2 select-none opacity-70">{l.sign}</span>
            {l.text || " "}
          </div>
        ))}
      </pre>
    </figure>
  );
});
