import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useInfiniteQuery } from "@tanstack/react-query";
import type { Message, MessagePage, PublicMessagePage } from "@opensync/protocol";

/** Messages per request: a screenful many times over, small enough to answer fast in any session. */
export const PAGE_SIZE = 150;
/** The first request is smaller: it is on the path to the first paint. */
export const FIRST_PAGE_SIZE = 50;

type Page = MessagePage | PublicMessagePage;
export interface PageParam { cursor?: string; around?: string }

/** Message ids are the server's numeric ids: only those can anchor a page (`around`). */
const anchorable = (id: string | null): id is string => !!id && /^\d{1,16}$/.test(id);

const NO_MESSAGES: Message[] = [];

/**
 * A session's messages, a page at a time, in both directions: from the start, or around the
 * message a link points at (then earlier pages on demand). A target outside what is loaded
 * starts over around it. The viewer never holds more than the reader has paged through.
 */
export function usePagedMessages<P extends Page>(queryKey: readonly unknown[], fetchPage: (param: PageParam & { limit: number }) => Promise<P>, targetId: string | null) {
  const [anchor, setAnchor] = useState<string | null>(anchorable(targetId) ? targetId : null);
  const query = useInfiniteQuery<P, Error, { pages: P[]; pageParams: PageParam[] }, readonly unknown[], PageParam>({
    queryKey: [...queryKey, "pages", anchor],
    queryFn: ({ pageParam }) => fetchPage({ ...pageParam, limit: pageParam.cursor ? PAGE_SIZE : FIRST_PAGE_SIZE }),
    initialPageParam: (anchor ? { around: anchor } : {}) as PageParam,
    getNextPageParam: (last): PageParam | undefined => (last.nextCursor ? { cursor: last.nextCursor } : undefined),
    getPreviousPageParam: (first): PageParam | undefined => (first.prevCursor ? { cursor: first.prevCursor } : undefined),
    retry: false,
  });
  const pages = query.data?.pages;
  const messages = useMemo(() => (pages ? pages.flatMap((p) => p.messages) : NO_MESSAGES), [pages]);

  // A link to a message that is not loaded (another hash on the same page): load around it.
  useEffect(() => {
    if (!anchorable(targetId) || targetId === anchor || query.isFetching || !pages) return;
    if (!messages.some((m) => m.id === targetId)) setAnchor(targetId);
  }, [targetId, anchor, messages, pages, query.isFetching]);

  // One fetch at a time, and none cancels another. react-query's default (`cancelRefetch`) lets a
  // call cancel the fetch in flight: the prefetch of the next page, fired while an earlier page
  // was loading, silently dropped the earlier page the reader had asked for (the viewer bench
  // caught it in CI). A wanted earlier page waits for the fetch in flight and goes before any
  // further prefetch: the reader asked for it, the prefetch is only a guess.
  const { hasNextPage, hasPreviousPage, isFetching, isFetchingPreviousPage, fetchNextPage, fetchPreviousPage } = query;
  const [earlierWanted, setEarlierWanted] = useState(false);
  const loadMore = useCallback(() => {
    if (hasNextPage && !isFetching && !earlierWanted) void fetchNextPage({ cancelRefetch: false });
  }, [hasNextPage, isFetching, earlierWanted, fetchNextPage]);
  const loadEarlier = useCallback(() => {
    if (hasPreviousPage) setEarlierWanted(true);
  }, [hasPreviousPage]);
  const earlierStarted = useRef(false);
  useEffect(() => {
    if (!earlierWanted || isFetching || earlierStarted.current) return;
    if (!hasPreviousPage) return setEarlierWanted(false);
    // Still "wanted" until it has landed: the button reads "Loading…" throughout, not for a flicker.
    earlierStarted.current = true;
    void fetchPreviousPage({ cancelRefetch: false }).finally(() => {
      earlierStarted.current = false;
      setEarlierWanted(false);
    });
  }, [earlierWanted, isFetching, hasPreviousPage, fetchPreviousPage]);

  return {
    session: pages?.[0]?.session as P["session"] | undefined,
    total: pages?.[0]?.total ?? 0,
    messages,
    hasMore: hasNextPage,
    loadingMore: query.isFetchingNextPage,
    loadMore,
    hasEarlier: hasPreviousPage,
    loadingEarlier: isFetchingPreviousPage || earlierWanted,
    loadEarlier,
    isPending: query.isPending,
    error: query.error,
    refetch: () => void query.refetch(),
  };
}
