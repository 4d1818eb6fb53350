import { useCallback } from "react";
import { useQuery } from "@tanstack/react-query";
import type { SessionDetailResponse } from "@opensync/protocol";
import { client } from "../../api/client";

/**
 * A shared session by its slug, without signing in. The typed client has no method for
 * `GET /api/public/:slug` yet (the share API is a later server change), so this goes through
 * `raw()` with the same error handling and expects the session detail shape; when the client
 * gains it this becomes a one-line call.
 */
export function usePublicSession(slug: string) {
  const query = useQuery({
    queryKey: ["public-session", slug],
    queryFn: async () => (await (await client.raw("GET", `/api/public/${encodeURIComponent(slug)}`)).json()) as SessionDetailResponse,
    retry: false,
  });
  const loadMore = useCallback(() => undefined, []);
  return { ...query, loadMore };
}
