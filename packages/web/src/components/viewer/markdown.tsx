import { memo, type ReactNode } from "react";
import ReactMarkdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";
import { CodeBlock } from "./code-block";
import { safeUrl } from "./safe-url";
import "./viewer.css";

/*
 * Session text is hostile (agents read web pages and tool output). react-markdown builds React
 * elements from the Markdown syntax tree: raw HTML in the text is not parsed into elements
 * (`skipHtml` drops it; no rehype-raw), and `urlTransform` drops every link or image source whose
 * scheme is not http(s)/mailto. Images are shown as links: loading arbitrary remote images would
 * leak that the session was opened (and the CSP forbids them anyway).
 */
const components: Components = {
  a: ({ href, children }) =>
    href ? (
      <a href={href} target="_blank" rel="noopener noreferrer nofollow" className="text-accent-700 underline underline-offset-2 dark:text-accent-400">
        {children}
      </a>
    ) : (
      <span>{children}</span>
    ),
  img: ({ src, alt }) => {
    const href = typeof src === "string" ? src : undefined;
    return href ? (
      <a href={href} target="_blank" rel="noopener noreferrer nofollow" className="text-accent-700 underline dark:text-accent-400">
        [image: {alt || href}]
      </a>
    ) : (
      <span>[image: {alt}]</span>
    );
  },
  pre: ({ children }) => <>{children}</>,
  code: ({ className, children }) => {
    const text = String(children ?? "");
    const language = /language-([\w+-]+)/.exec(className ?? "")?.[1];
    // Fenced blocks end in a newline (or carry a language); inline code does not.
    if (language || text.includes("\n")) return <CodeBlock code={text.replace(/\n$/, "")} language={language} />;
    return <code className="rounded bg-zinc-100 px-1 py-0.5 font-mono text-[0.9em] dark:bg-zinc-800">{children}</code>;
  },
  table: ({ children }) => (
    <div className="my-2 overflow-x-auto">
      <table className="text-sm">{children}</table>
    </div>
  ),
};

const transform = (url: string) => safeUrl(url);

/** Markdown of a message, memoized on its text (re-renders of the list never re-parse it). */
export const Markdown = memo(function Markdown({ text }: { text: string }): ReactNode {
  return (
    <div className="prose-session min-w-0 break-words text-sm leading-relaxed">
      <ReactMarkdown remarkPlugins={[remarkGfm]} skipHtml urlTransform={transform} components={components}>
        {text}
      </ReactMarkdown>
    </div>
  );
});
