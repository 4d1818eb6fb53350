import { lazy, Suspense } from "react";
import { useLocation, useParams } from "react-router";
import { isClientError } from "../../api/client";
import { ThemeToggle } from "../../components/layout/theme-toggle";
import { EmptyState, ErrorState, LoadingBlock } from "../../components/ui/states";
import { usePublicSession, usePublicTimeline } from "./api";

/*
 * The viewer (Markdown, virtual list) is its own chunk, fetched while this small page already asks
 * for the first page of messages: the two load side by side instead of one after the other.
 */
const viewerChunk = import("../../components/viewer/session-viewer");
const SessionViewer = lazy(() => viewerChunk.then((m) => ({ default: m.SessionViewer })));

/** `/s/:slug`: a shared session, read-only, with no owner details and no sign-in. */
export default function PublicSessionPage() {
  const { slug = "" } = useParams();
  const { hash } = useLocation();
  const targetId = hash.startsWith("#m-") ? decodeURIComponent(hash.slice(3)) : null;
  const query = usePublicSession(slug, targetId);
  const timeline = usePublicTimeline(slug);
  return (
    <div className="min-h-dvh">
      <header className="sticky top-0 z-30 flex h-14 items-center gap-2 border-b border-zinc-200 bg-white/90 px-4 backdrop-blur dark:border-zinc-800 dark:bg-zinc-900/90">
        <span className="font-semibold tracking-tight">OpenSync</span>
        <span className="text-sm muted">shared session</span>
        <div className="ml-auto">
          <ThemeToggle />
        </div>
      </header>
      <main id="main" className="mx-auto max-w-5xl px-4 py-5 sm:px-6">
        {query.isPending ? (
          <LoadingBlock rows={5} label="Loading session" />
        ) : query.error || !query.session ? (
          isClientError(query.error) ? (
            <EmptyState title="This link does not lead to a shared session">It was never shared, or its owner stopped sharing it.</EmptyState>
          ) : (
            <ErrorState title="The session could not be loaded" error={query.error} retry={query.refetch} />
          )
        ) : (
          <Suspense fallback={<LoadingBlock rows={5} label="Loading session" />}>
            <SessionViewer
              session={query.session}
              messages={query.messages}
              hasMore={query.hasMore}
              loadingMore={query.loadingMore}
              loadMore={query.loadMore}
              hasEarlier={query.hasEarlier}
              loadingEarlier={query.loadingEarlier}
              loadEarlier={query.loadEarlier}
              timeline={timeline.data}
              targetId={targetId}
              owner={false}
            />
          </Suspense>
        )}
      </main>
    </div>
  );
}
