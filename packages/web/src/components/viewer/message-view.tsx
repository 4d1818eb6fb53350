import { memo } from "react";
import type { Message } from "@opensync/protocol";
import { formatCost, formatDateTime, formatDuration, formatInteger, formatTokens } from "../../lib/format";
import { Markdown } from "./markdown";
import type { ViewPart } from "./parts";
import { Reasoning } from "./reasoning";
import { LoneToolResult, ToolCall } from "./tool-call";
import { LongText } from "./long-text";
import { asText } from "./parts";

type Result = Extract<ViewPart, { kind: "tool-result" }>;

const ROLE_STYLE: Record<string, { label: string; badge: string }> = {
  user: { label: "User", badge: "bg-accent-100 text-accent-700 dark:bg-accent-500/20 dark:text-accent-400" },
  assistant: { label: "Assistant", badge: "bg-emerald-100 text-emerald-800 dark:bg-emerald-900/50 dark:text-emerald-300" },
  tool: { label: "Tool", badge: "bg-amber-100 text-amber-900 dark:bg-amber-900/40 dark:text-amber-300" },
  system: { label: "System", badge: "bg-zinc-200 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-300" },
  unknown: { label: "Message", badge: "bg-zinc-200 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-300" },
};

export interface MessageViewProps {
  message: Message;
  parts: ViewPart[];
  results: Map<string, Result>;
  /** The message the URL points at. */
  targeted?: boolean;
  /** Show owner-only bits (the link to copy); the public page passes false. */
  linkable?: boolean;
}

/** One message: who, when, tokens, cost and time, then its parts in order. */
export const MessageView = memo(function MessageView({ message, parts, results, targeted, linkable = true }: MessageViewProps) {
  const role = ROLE_STYLE[message.role] ?? ROLE_STYLE.unknown!;
  const tokens = message.totalTokens;
  return (
    <article
      id={`m-${message.id}`}
      aria-label={`${role.label} message, ${formatDateTime(message.createdAt)}`}
      tabIndex={-1}
      className={`card scroll-mt-20 p-3 sm:p-4 ${targeted ? "message-target" : ""}`}
      data-message-id={message.id}
      data-role={message.role}
    >
      <header className="mb-2 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs">
        <span className={`rounded px-1.5 py-0.5 font-semibold ${role.badge}`}>{role.label}</span>
        {linkable ? (
          <a href={`#m-${message.id}`} className="muted tabular hover:underline" title="Link to this message">
            <time dateTime={new Date(message.createdAt).toISOString()}>{formatDateTime(message.createdAt)}</time>
          </a>
        ) : (
          <time className="muted tabular" dateTime={new Date(message.createdAt).toISOString()}>{formatDateTime(message.createdAt)}</time>
        )}
        {message.model && <span className="font-mono muted">{message.model}</span>}
        {tokens > 0 && (
          <span className="muted tabular" title={tokenTitle(message)}>
            {formatTokens(tokens)} tokens
          </span>
        )}
        {message.cost > 0 && <span className="muted tabular">{formatCost(message.cost)}</span>}
        {message.durationMs > 0 && <span className="muted tabular">{formatDuration(message.durationMs)}</span>}
      </header>
      <div className="space-y-2">
        {parts.map((p, i) => (
          <PartView key={i} part={p} results={results} />
        ))}
        {parts.length === 0 && <p className="text-sm italic muted">(no content)</p>}
      </div>
    </article>
  );
});

function tokenTitle(m: Message): string {
  return [
    `input ${formatInteger(m.promptTokens)}`,
    `output ${formatInteger(m.completionTokens)}`,
    `cache read ${formatInteger(m.cacheReadTokens)}`,
    `cache write ${formatInteger(m.cacheWriteTokens)}`,
    `reasoning ${formatInteger(m.reasoningTokens)}`,
  ].join(" · ");
}

function PartView({ part, results }: { part: ViewPart; results: Map<string, Result> }) {
  switch (part.kind) {
    case "text":
      return part.text.trim() ? <Markdown text={part.text} /> : null;
    case "reasoning":
      return <Reasoning text={part.text} redacted={part.redacted} />;
    case "tool-call":
      return <ToolCall call={part} result={part.callId ? results.get(part.callId) : undefined} />;
    case "tool-result":
      return <LoneToolResult result={part} />;
    case "file":
      return <p className="font-mono text-xs muted">📎 {part.path}{part.mime ? ` (${part.mime})` : ""}</p>;
    case "patch":
      return <LongText text={part.text} label="Patch" />;
    case "step":
      return <p className="text-xs uppercase tracking-wide muted">— {part.label} —</p>;
    default:
      return (
        <details className="text-xs">
          <summary className="muted">{part.type} part</summary>
          <LongText text={asText(part.content)} label={`${part.type} part`} />
        </details>
      );
  }
}
