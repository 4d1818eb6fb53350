import { useId, useState } from "react";
import { Link } from "react-router";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { ContextFormat, ContextResponse, SearchType } from "@opensync/protocol";
import { client } from "../../api/client";
import { CopyButton } from "../../components/ui/copy-button";
import { Segmented } from "../../components/ui/segmented";
import { EmptyState, ErrorState, LoadingBlock, PageHeader } from "../../components/ui/states";
import { formatInteger, formatPercent } from "../../lib/format";
import { mcpSnippets } from "./mcp-snippets";

const BUDGETS = [1000, 2000, 4000, 8000, 16000];

/** `/context`: what `/api/context` would hand an agent for a question, and how to wire an agent to it. */
export default function ContextPage() {
  const [draft, setDraft] = useState("");
  const [q, setQ] = useState("");
  const [format, setFormat] = useState<ContextFormat>("text");
  const [type, setType] = useState<SearchType>("hybrid");
  const [maxTokens, setMaxTokens] = useState(4000);
  const ids = { q: useId(), budget: useId() };
  const query = useQuery({
    queryKey: ["context", q, format, type, maxTokens],
    queryFn: () => client.context({ q, format, type, maxTokens }),
    enabled: q.trim().length > 0,
    placeholderData: keepPreviousData,
    retry: false,
  });

  return (
    <div>
      <PageHeader title="Context" description="Ask what an agent would ask: this is exactly what /api/context and the MCP tool get_context hand it." />
      <div className="grid grid-cols-1 gap-5 lg:grid-cols-[minmax(0,1fr)_22rem]">
        <section aria-label="Context preview" className="min-w-0 space-y-3">
          <form
            className="flex flex-col gap-2 sm:flex-row"
            onSubmit={(e) => {
              e.preventDefault();
              setQ(draft.trim());
            }}
          >
            <label htmlFor={ids.q} className="sr-only">Question</label>
            <input id={ids.q} data-page-search className="input min-w-0 flex-1" placeholder="How did we fix the websocket reconnect loop?" value={draft} onChange={(e) => setDraft(e.target.value)} />
            <button type="submit" className="btn-primary" disabled={!draft.trim()}>Get context</button>
          </form>
          <div className="flex flex-wrap items-center gap-3">
            <Segmented<ContextFormat> label="Format" value={format} onChange={setFormat} options={[{ value: "text", label: "Text" }, { value: "messages", label: "Messages" }]} />
            <Segmented<SearchType> label="Retrieval" value={type} onChange={setType} options={[{ value: "fulltext", label: "Full-text" }, { value: "semantic", label: "Semantic" }, { value: "hybrid", label: "Hybrid" }]} />
            <label htmlFor={ids.budget} className="text-sm muted">Budget</label>
            <select id={ids.budget} className="input w-auto" value={maxTokens} onChange={(e) => setMaxTokens(Number(e.target.value))}>
              {BUDGETS.map((b) => (
                <option key={b} value={b}>{formatInteger(b)} tokens</option>
              ))}
            </select>
          </div>
          {!q ? (
            <EmptyState title="Type a question">The answer is cut to the token budget, counted with a real tokenizer, with the sessions it came from.</EmptyState>
          ) : query.isPending ? (
            <LoadingBlock rows={3} label="Building context" />
          ) : query.error ? (
            <ErrorState title="The context could not be built" error={query.error} retry={() => void query.refetch()} />
          ) : (
            <ContextResult data={query.data!} />
          )}
        </section>
        <aside aria-label="Connect an agent" className="min-w-0 space-y-3">
          <h2 className="text-base font-semibold">Give it to an agent (MCP)</h2>
          {mcpSnippets(window.location.origin).map((s) => (
            <div key={s.id} className="card p-3">
              <div className="mb-1.5 flex items-center justify-between gap-2">
                <h3 className="text-sm font-medium">{s.title}</h3>
                <CopyButton text={s.code} label="Copy" className="btn shrink-0 px-2 py-0.5 text-xs" />
              </div>
              <pre tabIndex={0} aria-label={`${s.title} set-up`} className="overflow-x-auto rounded-lg bg-zinc-50 p-2 font-mono text-xs dark:bg-zinc-950">{s.code}</pre>
              <p className="mt-1.5 text-xs muted">{s.note}</p>
            </div>
          ))}
        </aside>
      </div>
    </div>
  );
}

export function contextAsText(data: ContextResponse): string {
  return data.format === "text" ? data.text : JSON.stringify(data.messages, null, 2);
}

function ContextResult({ data }: { data: ContextResponse }) {
  const text = contextAsText(data);
  const ratio = data.maxTokens ? data.tokenCount / data.maxTokens : 0;
  return (
    <div className="space-y-3">
      <div className="card p-3">
        <div className="flex flex-wrap items-center justify-between gap-2 text-sm">
          <p data-testid="token-count">
            <span className="font-semibold tabular">{formatInteger(data.tokenCount)}</span> of {formatInteger(data.maxTokens)} tokens ({formatPercent(ratio)}) · {data.sessionCount} {data.sessionCount === 1 ? "session" : "sessions"} · <span className="muted">{data.tokenizer}</span>
          </p>
          <CopyButton text={text} label="Copy context" />
        </div>
        <div className="mt-2 h-2 overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800" role="meter" aria-label="Token budget used" aria-valuemin={0} aria-valuemax={data.maxTokens} aria-valuenow={data.tokenCount}>
          <div className="h-full rounded bg-accent-500" style={{ width: `${Math.min(100, ratio * 100)}%` }} />
        </div>
        {data.degraded && <p className="mt-2 text-xs text-amber-800 dark:text-amber-300">{data.degraded}</p>}
        {data.sources.length > 0 && (
          <ul aria-label="Sources" className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs">
            {data.sources.map((src) => (
              <li key={src.sessionId}>
                <Link className="text-accent-700 hover:underline dark:text-accent-400" to={`/sessions/${encodeURIComponent(src.sessionId)}${src.messageIds[0] ? `#m-${encodeURIComponent(src.messageIds[0])}` : ""}`}>
                  {src.title || "Untitled session"}
                </Link>
                <span className="muted"> · {src.messageIds.length} {src.messageIds.length === 1 ? "message" : "messages"}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      {data.sessionCount === 0 ? (
        <EmptyState title="Nothing relevant found">An agent asking this would get an empty context.</EmptyState>
      ) : (
        <pre className="max-h-[36rem] overflow-auto whitespace-pre-wrap break-words rounded-xl border border-zinc-200 bg-white p-3 font-mono text-xs leading-5 dark:border-zinc-800 dark:bg-zinc-900" aria-label="Context as the agent receives it" tabIndex={0}>
          {text}
        </pre>
      )}
    </div>
  );
}
