import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Session, SessionListQuery } from "@opensync/protocol";
import { client } from "./client";
import { keys } from "./keys";

export type SessionFilters = Omit<Partial<SessionListQuery>, "cursor" | "limit">;

/** Cursor-paged session list: pages are fetched as the virtual list nears its end. */
export function useSessionPages(filters: SessionFilters, pageSize = 100) {
  return useInfiniteQuery({
    queryKey: keys.sessions({ ...filters, limit: pageSize }),
    queryFn: ({ pageParam, signal: _signal }) => client.listSessions({ ...filters, limit: pageSize, cursor: pageParam ?? undefined }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    placeholderData: keepPreviousData,
  });
}

/** A handful of sessions (recent on the overview, the palette's suggestions). */
export function useRecentSessions(limit = 8) {
  return useQuery({
    queryKey: keys.sessions({ limit, sort: "updatedAt", order: "desc" }),
    queryFn: () => client.listSessions({ limit, sort: "updatedAt", order: "desc" }),
  });
}

export function useSession(id: string) {
  return useQuery({ queryKey: keys.session(id), queryFn: () => client.getSession(id) });
}

/** Deletes sessions one by one (there is no bulk endpoint); reports how many went. */
export function useDeleteSessions() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (ids: string[]) => {
      let deleted = 0;
      for (const id of ids) {
        await client.deleteSession(id);
        deleted++;
      }
      return deleted;
    },
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: keys.sessionsAll });
      void qc.invalidateQueries({ queryKey: keys.statsAll });
    },
  });
}


/**
 * The sessions started since `from` (newest first, at most `cap`), for charts that split usage by
 * model or agent per day. `truncated` says the cap cut older ones off.
 */
export function useSessionsSince(from: number, enabled: boolean, cap = 5000) {
  return useQuery({
    queryKey: [...keys.sessionsAll, "since", from, cap],
    enabled,
    queryFn: async () => {
      const out: Session[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listSessions({ from, limit: 500, sort: "createdAt", order: "desc", cursor });
        out.push(...page.sessions);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && out.length < cap);
      return { sessions: out.slice(0, cap), truncated: Boolean(cursor) || out.length > cap };
    },
    placeholderData: keepPreviousData,
  });
}
