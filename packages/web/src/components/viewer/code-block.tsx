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
    <div className="group relative my-2">
      {language && <span className="absolute left-3 top-1.5 select-none font-mono text-[10px] uppercase tracking-wide text-zinc-500 dark:text-zinc-400">{language}</span>}
      <CopyButton text={code} label="Copy code" className="btn absolute right-1.5 top-1.5 px-1.5 py-0.5 text-xs opacity-80 group-hover:opacity-100" />
      <pre tabIndex={0} aria-label={language ? `${language} code` : "Code"} className={`hljs-theme overflow-x-auto rounded-lg border border-zinc-200 bg-zinc-50 p-3 text-[13px] leading-relaxed dark:border-zinc-800 dark:bg-zinc-950 ${language ? "pt-6" : ""}`}>
        {/* highlight.js output is escaped source plus class-only spans (see highlight.ts). */}
        {html !== null ? <code ref={ref} className="font-mono" dangerouslySetInnerHTML={{ __html: html }} /> : <code ref={ref} className="font-mono">{code}</code>}
      </pre>
    </div>
  );
});
