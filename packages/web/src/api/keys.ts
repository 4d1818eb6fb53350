import type { SessionListQuery, StatsGroup, StatsSplit } from "@opensync/protocol";

/** Query keys, in one place so realtime invalidation and mutations hit exactly what they change. */
export const keys = {
  me: ["me"] as const,
  authStatus: ["auth-status"] as const,
  sessions: (query: Partial<SessionListQuery>) => ["sessions", query] as const,
  sessionsAll: ["sessions"] as const,
  session: (id: string) => ["session", id] as const,
  stats: (range: { from?: number; to?: number; groupBy?: StatsGroup; splitBy?: StatsSplit }) => ["stats", range] as const,
  statsAll: ["stats"] as const,
  apiKeys: ["api-keys"] as const,
  apiLogs: ["api-logs"] as const,
  searchStatus: ["search-status"] as const,
  users: ["users"] as const,
};
