import { SESSION_SORTS, type SessionSort } from "@opensync/protocol";
import type { SessionFilters } from "../../api/sessions";

/**
 * The sessions list's state is its URL (`/sessions?source=claude-code&sort=cost&order=desc&q=auth`):
 * a reload, a shared link or the back button give the same list. Parsing is forgiving (unknown
 * values are dropped), writing leaves defaults out so URLs stay short.
 */
export interface ListState extends SessionFilters {
  sort: SessionSort;
  order: "asc" | "desc";
  /** Search-as-you-type over every session (the server's `q`: title, project, model, id). */
  q: string;
  /** A day picked on the overview's heatmap (`YYYY-MM-DD`), shown as a chip. */
  day?: string;
}

export const FILTER_KEYS = ["source", "provider", "model", "project", "machine"] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

const DEFAULT_SORT: SessionSort = "updatedAt";

const int = (v: string | null) => {
  if (v === null || v.trim() === "") return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
};

export function parseListState(params: URLSearchParams): ListState {
  const sort = params.get("sort");
  const state: ListState = {
    sort: (SESSION_SORTS as readonly string[]).includes(sort ?? "") ? (sort as SessionSort) : DEFAULT_SORT,
    order: params.get("order") === "asc" ? "asc" : "desc",
    q: params.get("q") ?? "",
  };
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (v) state[k] = v;
  }
  const from = int(params.get("from"));
  const to = int(params.get("to"));
  if (from !== undefined) state.from = from;
  if (to !== undefined) state.to = to;
  const day = params.get("day");
  if (day && /^\d{4}-\d{2}-\d{2}$/.test(day)) state.day = day;
  return state;
}

export function writeListState(state: ListState): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of FILTER_KEYS) if (state[k]) p.set(k, state[k]!);
  if (state.from !== undefined) p.set("from", String(state.from));
  if (state.to !== undefined) p.set("to", String(state.to));
  if (state.day) p.set("day", state.day);
  if (state.sort !== DEFAULT_SORT) p.set("sort", state.sort);
  if (state.order !== "desc") p.set("order", state.order);
  if (state.q) p.set("q", state.q);
  return p;
}

/** What goes to `GET /api/sessions`: the filters, the sort and the text (trimmed); the day label stays in the browser. */
export function toQuery(state: ListState): SessionFilters {
  const { q, day: _day, ...query } = state;
  const text = q.trim();
  return text ? { ...query, q: text } : query;
}

export function activeFilterCount(state: ListState): number {
  return FILTER_KEYS.filter((k) => state[k]).length + (state.from !== undefined || state.to !== undefined ? 1 : 0);
}
