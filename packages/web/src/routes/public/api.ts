import { useCallback } from "react";
import { useQuery } from "@tanstack/react-query";
import { client } from "../../api/client";
import { usePagedMessages, type PageParam } from "../../components/viewer/use-paged-messages";

/** A shared session by its slug, paged, without signing in (`GET /api/public/:slug`). */
export function usePublicSession(slug: string, targetId: string | null) {
  const fetchPage = useCallback((q: PageParam & { limit: number }) => client.publicSession(slug, q), [slug]);
  return usePagedMessages(["public-session", slug], fetchPage, targetId);
}

export function usePublicTimeline(slug: string) {
  return useQuery({ queryKey: ["public-session", slug, "timeline"], queryFn: () => client.publicTimeline(slug), retry: false });
}
