import { useState } from "react";

/** Past these a tool output is cut, with a "Show all" button. */
export const TRUNCATE_LINES = 30;
export const TRUNCATE_CHARS = 3_000;

export function truncate(text: string): { shown: string; hiddenLines: number; cut: boolean } {
  const lines = text.split("\n");
  let shown = lines.length > TRUNCATE_LINES ? lines.slice(0, TRUNCATE_LINES).join("\n") : text;
  if (shown.length > TRUNCATE_CHARS) shown = shown.slice(0, TRUNCATE_CHARS);
  const cut = shown.length < text.length;
  const hiddenLines = cut ? lines.length - shown.split("\n").length : 0;
  return { shown, hiddenLines, cut };
}

/** Preformatted text (tool output), cut to a readable length until asked for all of it. */
export function LongText({ text, tone = "plain", label }: { text: string; tone?: "plain" | "error"; label: string }) {
  const [all, setAll] = useState(false);
  const { shown, hiddenLines, cut } = truncate(text);
  const toneClass = tone === "error" ? "border-red-200 bg-red-50 text-red-900 dark:border-red-900/60 dark:bg-red-950/40 dark:text-red-200" : "border-zinc-200 bg-zinc-50 text-zinc-800 dark:border-zinc-800 dark:bg-zinc-950 dark:text-zinc-200";
  return (
    <div>
      <pre tabIndex={0} aria-label={label} className={`max-h-[32rem] overflow-auto whitespace-pre-wrap break-words rounded-lg border p-2.5 font-mono text-[12.5px] leading-5 ${toneClass}`}>
        {all || !cut ? text : shown}
      </pre>
      {cut && (
        <button type="button" className="mt-1 text-xs font-medium text-accent-700 hover:underline dark:text-accent-400" onClick={() => setAll((a) => !a)}>
          {all ? "Show less" : `Show all (${hiddenLines > 0 ? `${hiddenLines.toLocaleString("en-US")} more lines, ` : ""}${text.length.toLocaleString("en-US")} characters)`}
        </button>
      )}
    </div>
  );
}
