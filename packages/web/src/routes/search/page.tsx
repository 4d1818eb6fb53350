import { useEffect, useId, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import type { SearchResult, SearchType } from "@opensync/protocol";
import { useSearchStatus } from "../../api/account";
import { client } from "../../api/client";
import { useStats } from "../../api/stats";
import { agentName } from "../../components/setup/agents";
import { Segmented } from "../../components/ui/segmented";
import { EmptyState, ErrorState, LoadingBlock, PageHeader, Spinner } from "../../components/ui/states";
import { dayKeyStart, formatDateTime, formatInteger, localDayKey, shortProject } from "../../lib/format";
import { Highlighted } from "./highlighted";
import { activeFilterCount, hitHref, readSearchState, ROLES, toQuery, writeSearchState, type SearchState } from "./search-state";

const MODES: { value: SearchType; label: string }[] = [
  { value: "fulltext", label: "Full-text" },
  { value: "semantic", label: "Semantic" },
  { value: "hybrid", label: "Hybrid" },
];

/** `/search`: one box, a mode switch, filters, highlighted snippets; a hit opens the viewer at its message. */
export default function SearchPage() {
  const [params, setParams] = useSearchParams();
  const state = readSearchState(params);
  const update = (next: Partial<SearchState>) => setParams(writeSearchState({ ...state, ...next }), { replace: true });
  const status = useSearchStatus();
  const semanticOff = status.data ? !status.data.available : false;

  const query = toQuery(state);
  const results = useInfiniteQuery({
    queryKey: ["search", query],
    queryFn: ({ pageParam }) => client.search({ ...query, cursor: pageParam ?? undefined }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    // Semantic search without an embedding provider is refused (409): say why instead of asking.
    enabled: query.q.length > 0 && !(state.type === "semantic" && (semanticOff || status.isPending)),
    placeholderData: keepPreviousData,
    retry: false,
  });
  const first = results.data?.pages[0];
  const rows = results.data?.pages.flatMap((p) => p.results) ?? [];

  return (
    <div>
      <PageHeader title="Search" description="Every message of every session: exact words, or meaning." />
      <form role="search" className="space-y-3" onSubmit={(e) => e.preventDefault()}>
        <QueryBox value={state.q} onChange={(q) => update({ q })} />
        <div className="flex flex-wrap items-center gap-3">
          <Segmented label="Search mode" value={state.type} options={MODES} onChange={(type) => update({ type })} />
          {semanticOff && state.type !== "fulltext" && (
            <p className="text-xs text-amber-800 dark:text-amber-300" data-testid="degraded-note">
              No embedding provider is set, so {state.type === "semantic" ? "semantic search is unavailable" : "hybrid search uses full-text only"}.
            </p>
          )}
        </div>
        <Filters state={state} onChange={update} />
      </form>

      <div className="mt-5" aria-live="polite">
        {!state.q.trim() ? (
          <EmptyState title="Search your sessions">
            Type words, a file path, an error message or a question. <strong>Full-text</strong> finds the exact words, <strong>semantic</strong> finds the same meaning in other
            words, <strong>hybrid</strong> blends both.
          </EmptyState>
        ) : state.type === "semantic" && semanticOff ? (
          <EmptyState title="Semantic search is not set up on this server" action={<button type="button" className="btn" onClick={() => update({ type: "hybrid" })}>Search with hybrid instead</button>}>
            It needs an embedding provider. {status.data?.reason}
          </EmptyState>
        ) : results.isPending ? (
          <LoadingBlock rows={4} label="Searching" />
        ) : results.error ? (
          <ErrorState title="The search failed" error={results.error} retry={() => void results.refetch()} />
        ) : rows.length === 0 ? (
          <EmptyState title="No matches">
            {first?.degraded ? `${first.degraded}. ` : ""}Try other words{activeFilterCount(state) ? ", or clear the filters" : ""}.
          </EmptyState>
        ) : (
          <>
            <p className="mb-3 text-sm muted" data-testid="result-count">
              {/* A broad full-text query is counted up to a cap: its total is a lower bound, "2,000+". */}
              {formatInteger(first?.total)}{first?.totalIsEstimate ? "+" : ""} {first?.total === 1 ? "session" : "sessions"} · {formatInteger(first?.tookMs)} ms
              {/* The note above already explains a missing provider; other degradations are said here. */}
              {first?.degraded && !semanticOff && <span className="ml-2 text-amber-800 dark:text-amber-300">({first.degraded})</span>}
              {results.isFetching && !results.isFetchingNextPage && <span className="ml-2"><Spinner label="Updating" /></span>}
            </p>
            <ol className="space-y-3">
              {rows.map((r) => (
                <ResultCard key={r.sessionId} result={r} />
              ))}
            </ol>
            {results.hasNextPage && (
              <div className="mt-4 text-center">
                <button type="button" className="btn" disabled={results.isFetchingNextPage} onClick={() => void results.fetchNextPage()}>
                  {results.isFetchingNextPage ? "Loading…" : "More results"}
                </button>
              </div>
            )}
          </>
        )}
      </div>
    </div>
  );
}

function QueryBox({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const [text, setText] = useState(value);
  const id = useId();
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const t = setTimeout(() => onChange(text), 250);
    return () => clearTimeout(t);
  }, [text, value, onChange]);
  return (
    <div>
      <label htmlFor={id} className="sr-only">Search sessions</label>
      <input
        id={id}
        data-page-search
        autoFocus
        type="search"
        className="input py-2 text-base"
        placeholder="Search messages, tool calls, outputs…  ( / )"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") onChange(text);
        }}
      />
    </div>
  );
}

function Filters({ state, onChange }: { state: SearchState; onChange: (s: Partial<SearchState>) => void }) {
  const ids = { role: useId(), from: useId(), to: useId() };
  const toDate = (ms?: number) => (ms === undefined ? "" : localDayKey(ms));
  return (
    <fieldset className="flex flex-wrap items-end gap-2">
      <legend className="sr-only">Filters</legend>
      <GroupSelect name="source" label="Agent" value={state.source} onChange={(source) => onChange({ source })} display={agentName} />
      <GroupSelect name="project" label="Project" value={state.project} onChange={(project) => onChange({ project })} display={shortProject} />
      <GroupSelect name="model" label="Model" value={state.model} onChange={(model) => onChange({ model })} display={(k) => k} />
      <div>
        <label htmlFor={ids.role} className="sr-only">Role</label>
        <select id={ids.role} className="input" value={state.role ?? ""} onChange={(e) => onChange({ role: (e.target.value || undefined) as SearchState["role"] })}>
          <option value="">Any role</option>
          {ROLES.filter((r) => r !== "unknown").map((r) => (
            <option key={r} value={r}>{r}</option>
          ))}
        </select>
      </div>
      {/* On phones each date takes a row of its own (side by side, two date inputs overflowed 358 px). */}
      <div className="flex w-full min-w-0 items-center gap-1 sm:w-auto">
        <label htmlFor={ids.from} className="w-9 shrink-0 text-xs muted sm:w-auto">From</label>
        <input id={ids.from} type="date" className="input min-w-0 flex-1 sm:w-auto sm:flex-none" value={toDate(state.from)} onChange={(e) => onChange({ from: e.target.value ? dayKeyStart(e.target.value) : undefined })} />
      </div>
      <div className="flex w-full min-w-0 items-center gap-1 sm:w-auto">
        <label htmlFor={ids.to} className="w-9 shrink-0 text-xs muted sm:w-auto">to</label>
        <input id={ids.to} type="date" className="input min-w-0 flex-1 sm:w-auto sm:flex-none" value={toDate(state.to === undefined ? undefined : state.to - 1)} onChange={(e) => onChange({ to: e.target.value ? dayKeyStart(e.target.value) + 86_400_000 : undefined })} />
      </div>
      {activeFilterCount(state) > 0 && (
        <button type="button" className="btn" onClick={() => onChange({ source: undefined, project: undefined, model: undefined, role: undefined, from: undefined, to: undefined })}>
          Clear filters
        </button>
      )}
    </fieldset>
  );
}

/** A filter over the values this account has (from `/api/stats?groupBy=`). */
function GroupSelect({ name, label, value, onChange, display }: { name: "source" | "project" | "model"; label: string; value?: string; onChange: (v: string | undefined) => void; display: (k: string) => string }) {
  const id = useId();
  const stats = useStats({ groupBy: name });
  const keys = (stats.data?.groups ?? []).map((g) => g.key).filter((k): k is string => !!k);
  return (
    <div className="min-w-0">
      <label htmlFor={id} className="sr-only">{label}</label>
      <select id={id} className="input max-w-48" value={value ?? ""} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">Any {label.toLowerCase()}</option>
        {value && !keys.includes(value) && <option value={value}>{display(value)}</option>}
        {keys.map((k) => (
          <option key={k} value={k}>{display(k)}</option>
        ))}
      </select>
    </div>
  );
}

function ResultCard({ result }: { result: SearchResult }) {
  const hits = result.hits.length ? result.hits.slice(0, 3) : [];
  return (
    <li className="card p-4" data-testid="search-result">
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <Link to={hitHref(result.sessionId, result.messageId)} className="min-w-0 break-words font-semibold hover:underline">
          {result.title || "Untitled session"}
        </Link>
        <span className="text-xs muted">
          {agentName(result.source)} · {result.projectName ?? shortProject(result.projectPath)} · {result.model ?? "—"} · {formatDateTime(result.createdAt)}
        </span>
      </div>
      {hits.length === 0 ? (
        <p className="mt-2 break-words text-sm"><Highlighted text={result.snippet} highlights={result.highlights} /></p>
      ) : (
        <ul className="mt-2 space-y-1.5">
          {hits.map((h) => (
            <li key={h.messageId}>
              <Link to={hitHref(result.sessionId, h.messageId)} className="block rounded-lg px-2 py-1.5 text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800" data-testid="search-hit">
                <span className="mr-2 text-xs font-medium uppercase tracking-wide muted">{h.field === "text" ? h.role : h.field}</span>
                <span className="break-words"><Highlighted text={h.snippet} highlights={h.highlights} /></span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}
