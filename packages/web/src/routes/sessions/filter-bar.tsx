import { useEffect, useId, useState } from "react";
import type { SessionSort } from "@opensync/protocol";
import { useStats } from "../../api/stats";
import { agentName } from "../../components/setup/agents";
import { dayKeyEnd, dayKeyStart, formatDate, localDayKey, shortProject } from "../../lib/format";
import { FILTER_KEYS, type FilterKey, type ListState } from "./filters";

const FILTER_LABELS: Record<FilterKey, string> = { source: "Agent", provider: "Provider", model: "Model", project: "Project", machine: "Machine" };
const SORT_LABELS: Record<SessionSort, string> = { updatedAt: "Last updated", createdAt: "Created", totalTokens: "Tokens", cost: "Cost", durationMs: "Duration" };

/** The values a filter can take, with their session counts, from `/api/stats?groupBy=`. */
function FilterSelect({ name, value, onChange }: { name: FilterKey; value: string | undefined; onChange: (v: string | undefined) => void }) {
  const options = useStats({ groupBy: name });
  const id = useId();
  const rows = (options.data?.groups ?? []).filter((g) => g.key);
  const display = (k: string) => (name === "source" ? agentName(k) : name === "project" ? shortProject(k) : k);
  return (
    <div className="min-w-0">
      <label htmlFor={id} className="sr-only">
        {FILTER_LABELS[name]}
      </label>
      <select id={id} className="input pr-8" value={value ?? ""} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">All {FILTER_LABELS[name].toLowerCase()}s</option>
        {value && !rows.some((r) => r.key === value) && <option value={value}>{display(value)}</option>}
        {rows.map((r) => (
          <option key={r.key} value={r.key!}>
            {display(r.key!)} ({r.sessionCount})
          </option>
        ))}
      </select>
    </div>
  );
}

export const SEARCH_DEBOUNCE_MS = 250;

/**
 * A text box that reports after typing pauses (250 ms), so each keystroke does not rewrite the URL
 * or ask the server; the server searches every session's title, project, model and id.
 */
function SearchBox({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const [text, setText] = useState(value);
  const id = useId();
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const t = setTimeout(() => onChange(text), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [text, value, onChange]);
  return (
    <div className="min-w-0 flex-1 basis-56">
      <label htmlFor={id} className="sr-only">
        Filter sessions by text
      </label>
      <input id={id} data-page-search className="input" type="search" placeholder="Search all sessions: title, project, model…  ( / )" value={text} onChange={(e) => setText(e.target.value)} />
    </div>
  );
}

const toDateInput = (ms: number | undefined) => (ms === undefined ? "" : localDayKey(ms));

export function FilterBar({ state, onChange }: { state: ListState; onChange: (s: ListState) => void }) {
  const fromId = useId();
  const toId = useId();
  const sortId = useId();
  const set = (patch: Partial<ListState>) => onChange({ ...state, ...patch });
  return (
    <div className="card space-y-3 p-3">
      <div className="flex flex-wrap gap-2">
        <SearchBox value={state.q} onChange={(q) => set({ q })} />
        <div className="flex items-center gap-2">
          <label htmlFor={sortId} className="text-sm muted">
            Sort
          </label>
          <select id={sortId} className="input w-auto" value={state.sort} onChange={(e) => set({ sort: e.target.value as SessionSort })}>
            {(Object.keys(SORT_LABELS) as SessionSort[]).map((s) => (
              <option key={s} value={s}>
                {SORT_LABELS[s]}
              </option>
            ))}
          </select>
          <button type="button" className="btn px-2" onClick={() => set({ order: state.order === "desc" ? "asc" : "desc" })} aria-label={state.order === "desc" ? "Descending (switch to ascending)" : "Ascending (switch to descending)"}>
            {state.order === "desc" ? "↓" : "↑"}
          </button>
        </div>
      </div>
      <div className="grid grid-cols-2 gap-2 md:grid-cols-3 xl:grid-cols-7">
        {FILTER_KEYS.map((k) => (
          <FilterSelect key={k} name={k} value={state[k]} onChange={(v) => set({ [k]: v })} />
        ))}
        <div className="col-span-2 flex min-w-0 items-center gap-1.5 md:col-span-1">
          <label htmlFor={fromId} className="shrink-0 text-xs muted">
            From
          </label>
          <input
            id={fromId}
            className="input"
            type="date"
            value={toDateInput(state.from)}
            onChange={(e) => set({ from: e.target.value ? dayKeyStart(e.target.value) : undefined, day: undefined })}
          />
        </div>
        <div className="col-span-2 flex min-w-0 items-center gap-1.5 md:col-span-1">
          <label htmlFor={toId} className="shrink-0 text-xs muted">
            To
          </label>
          <input
            id={toId}
            className="input"
            type="date"
            value={toDateInput(state.to)}
            onChange={(e) => set({ to: e.target.value ? dayKeyEnd(e.target.value) : undefined, day: undefined })}
          />
        </div>
      </div>
      <ActiveChips state={state} onChange={onChange} />
    </div>
  );
}

function ActiveChips({ state, onChange }: { state: ListState; onChange: (s: ListState) => void }) {
  const chips: { label: string; clear: Partial<ListState> }[] = [];
  for (const k of FILTER_KEYS) {
    const v = state[k];
    if (v) chips.push({ label: `${FILTER_LABELS[k]}: ${k === "source" ? agentName(v) : k === "project" ? shortProject(v) : v}`, clear: { [k]: undefined } });
  }
  if (state.from !== undefined || state.to !== undefined) {
    const label = state.day
      ? formatDate(dayKeyStart(state.day))
      : `${state.from !== undefined ? formatDate(state.from) : "…"} – ${state.to !== undefined ? formatDate(state.to) : "now"}`;
    chips.push({ label: `Date: ${label}`, clear: { from: undefined, to: undefined, day: undefined } });
  }
  if (chips.length === 0) return null;
  return (
    <div className="flex flex-wrap items-center gap-2">
      {chips.map((c) => (
        <button key={c.label} type="button" className="inline-flex items-center gap-1 rounded-full bg-accent-50 px-2.5 py-0.5 text-xs font-medium text-accent-700 hover:bg-accent-100 dark:bg-accent-500/15 dark:text-accent-400" onClick={() => onChange({ ...state, ...c.clear })} aria-label={`Remove filter ${c.label}`}>
          {c.label} <span aria-hidden>×</span>
        </button>
      ))}
      {chips.length > 1 && (
        <button type="button" className="text-xs underline muted" onClick={() => onChange({ sort: state.sort, order: state.order, q: state.q })}>
          Clear all
        </button>
      )}
    </div>
  );
}
