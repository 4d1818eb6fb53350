import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { SessionListQuery } from "@opensync/protocol";
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
