import { useEffect, useState } from "react";

/** Copies `text`; says "Copied" for a moment. Falls back to a hidden textarea when the Clipboard API is unavailable (plain HTTP on a LAN address). */
export function CopyButton({ text, label = "Copy", ariaLabel, className = "btn" }: { text: string; label?: string; ariaLabel?: string; className?: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(t);
  }, [copied]);
  return (
    <button
      type="button"
      className={className}
      aria-label={copied ? "Copied" : (ariaLabel ?? label)}
      onClick={async () => {
        await copyText(text);
        setCopied(true);
      }}
    >
      {copied ? "Copied" : label}
    </button>
  );
}

export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    /* not a secure context: fall through */
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

/** A command line with its copy button (setup instructions, curl examples). */
export function CommandLine({ command, label }: { command: string; label?: string }) {
  return (
    <div className="flex min-w-0 items-start gap-2 rounded-lg border border-zinc-200 bg-zinc-50 p-2 dark:border-zinc-800 dark:bg-zinc-950">
      {/* Focusable so a keyboard user can scroll a long command sideways. */}
      <code tabIndex={0} className="min-w-0 flex-1 overflow-x-auto whitespace-pre px-1 py-1 font-mono text-xs text-zinc-800 dark:text-zinc-200">
        {command}
      </code>
      <CopyButton text={command} ariaLabel={label ?? "Copy command"} className="btn shrink-0 px-2 py-1 text-xs" />
    </div>
  );
}
