import { memo, useEffect, useRef, useState } from "react";
import { CopyButton } from "../ui/copy-button";

type Highlighter = typeof import("./highlight");
let loading: Promise<Highlighter> | null = null;
const loadHighlighter = () => (loading ??= import("./highlight"));

/**
 * A fenced code block: plain text at once, highlighted once it nears the viewport (offscreen code
 * in a 10,000-message session is never highlighted), with a copy button.
 */
export const CodeBlock = memo(function CodeBlock({ code, language }: { code: string; language?: string }) {
  const ref = useRef<HTMLElement>(null);
  const [html, setHtml] = useState<string | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || !language) return;
    let cancelled = false;
    const run = () =>
      void loadHighlighter().then((h) => {
        if (!cancelled) setHtml(h.highlightToHtml(code, language));
      });
    if (typeof IntersectionObserver === "undefined") {
      run();
      return () => void (cancelled = true);
    }
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        io.disconnect();
        run();
      }
    }, { rootMargin: "400px" });
    io.observe(el);
    return () => {
      cancelled = true;
      io.disconnect();
    };
  }, [code, language]);
  return (
    <div className="my-2 overflow-hidden rounded-lg border border-zinc-200 dark:border-zinc-800">
      <div className="flex items-center justify-between gap-2 border-b border-zinc-200 bg-zinc-100/70 px-3 py-0.5 dark:border-zinc-800 dark:bg-zinc-900">
        <span className="select-none font-mono text-[11px] uppercase tracking-wide text-zinc-600 dark:text-zinc-400">{language ?? "code"}</span>
        <CopyButton text={code} label="Copy code" className="rounded px-1.5 py-0.5 text-xs font-medium text-zinc-700 hover:bg-zinc-200 dark:text-zinc-300 dark:hover:bg-zinc-800" />
      </div>
      <pre tabIndex={0} aria-label={language ? `${language} code` : "Code"} className="hljs-theme overflow-x-auto bg-zinc-50 p-3 text-[13px] leading-relaxed dark:bg-zinc-950">
        {/* highlight.js output is escaped source plus class-only spans (see highlight.ts). */}
        {html !== null ? <code ref={ref} className="font-mono" dangerouslySetInnerHTML={{ __html: html }} /> : <code ref={ref} className="font-mono">{code}</code>}
      </pre>
    </div>
  );
});
