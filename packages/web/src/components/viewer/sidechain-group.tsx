import { useState } from "react";
import type { Message } from "@opensync/protocol";
import { formatCost, formatTokens } from "../../lib/format";
import { MessageView } from "./message-view";
import type { ViewPart } from "./parts";
import type { TokenSubtotal } from "./session-rows";

type Result = Extract<ViewPart, { kind: "tool-result" }>;

/** A subagent's messages, grouped and collapsed, with their own token subtotal. */
export function SidechainGroup(props: {
  agentId: string | null;
  messages: { message: Message; parts: ViewPart[] }[];
  subtotal: TokenSubtotal;
  results: Map<string, Result>;
  targetId?: string | null;
  linkable?: boolean;
  onToggle?: () => void;
}) {
  const holdsTarget = props.targetId ? props.messages.some((m) => m.message.id === props.targetId) : false;
  const [open, setOpen] = useState(holdsTarget);
  const isOpen = open || holdsTarget;
  const first = props.messages[0]?.parts.find((p) => p.kind === "text");
  return (
    <section tabIndex={-1} className="rounded-xl border border-dashed border-zinc-300 bg-zinc-100/60 p-2 dark:border-zinc-700 dark:bg-zinc-900/40" aria-label="Subagent messages">
      <button
        type="button"
        aria-expanded={isOpen}
        className="flex w-full min-w-0 items-center gap-2 rounded-lg px-2 py-1 text-left text-xs"
        onClick={() => {
          setOpen(!isOpen);
          props.onToggle?.();
        }}
      >
        <span aria-hidden>{isOpen ? "▾" : "▸"}</span>
        <span className="font-semibold">Subagent{props.agentId ? ` ${props.agentId.slice(0, 12)}` : ""}</span>
        <span className="muted tabular">
          {props.subtotal.messages} {props.subtotal.messages === 1 ? "message" : "messages"} · {formatTokens(props.subtotal.tokens)} tokens · {formatCost(props.subtotal.cost)}
        </span>
        {!isOpen && first?.kind === "text" && <span className="min-w-0 flex-1 truncate muted">{first.text.split("\n")[0]}</span>}
      </button>
      {isOpen && (
        <div className="mt-2 space-y-2 border-l-2 border-zinc-300 pl-2 dark:border-zinc-700 sm:pl-3">
          {props.messages.map(({ message, parts }) => (
            <MessageView key={message.id} message={message} parts={parts} results={props.results} targeted={message.id === props.targetId} linkable={props.linkable} />
          ))}
        </div>
      )}
    </section>
  );
}
