import type { MessageRole, SearchQueryInput, SearchType } from "@opensync/protocol";

/*
 * The protocol's SEARCH_TYPES and MESSAGE_ROLES, as types only: importing a value from the
 * protocol's schema modules would build its zod schemas in the browser, and zod's start-up probe
 * for `new Function` is reported as a violation of the app's CSP (script-src without
 * 'unsafe-eval'). search-state.test.ts checks these lists against the protocol's.
 */
export const SEARCH_MODES: readonly SearchType[] = ["fulltext", "semantic", "hybrid"];
export const ROLES: readonly MessageRole[] = ["user", "assistant", "system", "tool", "unknown"];

/** What the search page shows, kept in the URL (`/search?q=…&type=…&source=…`) so it can be shared and reloaded. */
export interface SearchState {
  q: string;
  type: SearchType;
  source?: string;
  project?: string;
  model?: string;
  role?: MessageRole;
  from?: number;
  to?: number;
}

export const FILTER_FIELDS = ["source", "project", "model", "role", "from", "to"] as const;

const num = (v: string | null) => (v && /^\d+$/.test(v) ? Number(v) : undefined);

export function readSearchState(params: URLSearchParams): SearchState {
  const type = params.get("type");
  const role = params.get("role");
  return {
    q: params.get("q") ?? "",
    type: (SEARCH_MODES as readonly string[]).includes(type ?? "") ? (type as SearchType) : "hybrid",
    source: params.get("source") || undefined,
    project: params.get("project") || undefined,
    model: params.get("model") || undefined,
    role: (ROLES as readonly string[]).includes(role ?? "") ? (role as MessageRole) : undefined,
    from: num(params.get("from")),
    to: num(params.get("to")),
  };
}

export function writeSearchState(s: SearchState): URLSearchParams {
  const p = new URLSearchParams();
  if (s.q) p.set("q", s.q);
  if (s.type !== "hybrid") p.set("type", s.type);
  for (const k of FILTER_FIELDS) {
    const v = s[k];
    if (v !== undefined && v !== "") p.set(k, String(v));
  }
  return p;
}

/** The API query of a state (filters left out when unset). */
export function toQuery(s: SearchState): Omit<SearchQueryInput, "cursor"> {
  const q: Omit<SearchQueryInput, "cursor"> = { q: s.q.trim(), type: s.type, groupBy: "session", limit: 20 };
  for (const k of FILTER_FIELDS) if (s[k] !== undefined) (q as Record<string, unknown>)[k] = s[k];
  return q;
}

export const activeFilterCount = (s: SearchState) => FILTER_FIELDS.filter((k) => s[k] !== undefined).length;

/** The viewer's address of a hit: the session, scrolled to the message. */
export const hitHref = (sessionId: string, messageId?: string) => `/sessions/${encodeURIComponent(sessionId)}${messageId ? `#m-${encodeURIComponent(messageId)}` : ""}`;
