import { useState } from "react";

/** The model's reasoning, hidden behind a toggle (it is long and rarely what one looks for). */
export function Reasoning({ text, redacted }: { text: string; redacted: boolean }) {
  const [open, setOpen] = useState(false);
  if (redacted) return <p className="text-xs italic muted">Reasoning (redacted by the provider)</p>;
  return (
    <div>
      <button type="button" aria-expanded={open} className="text-xs font-medium text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100" onClick={() => setOpen((o) => !o)}>
        {open ? "▾ Hide reasoning" : `▸ Show reasoning (${text.length.toLocaleString("en-US")} characters)`}
      </button>
      {open && <p className="mt-1 whitespace-pre-wrap break-words border-l-2 border-zinc-300 pl-3 text-sm italic text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">{text}</p>}
    </div>
  );
}
