import { lazy, Suspense } from "react";
import { useLocation, useParams, Link } from "react-router";
import { isClientError } from "../../api/client";
import { EmptyState, ErrorState, LoadingBlock } from "../../components/ui/states";
import { SessionActions } from "./actions";
import { useSessionMessages, useSessionTimeline } from "./api";

/*
 * The viewer (Markdown, virtual list) is its own chunk, fetched while this small page already asks
 * for the first page of messages: the two load side by side instead of one after the other.
 */
const viewerChunk = import("../../components/viewer/session-viewer");
const SessionViewer = lazy(() => viewerChunk.then((m) => ({ default: m.SessionViewer })));

/** `/sessions/:id`, with `#m-<messageId>` pointing at one message. */
export default function SessionPage() {
  const { id = "" } = useParams();
  const { hash } = useLocation();
  const targetId = hash.startsWith("#m-") ? decodeURIComponent(hash.slice(3)) : null;
  const data = useSessionMessages(id, targetId);
  const timeline = useSessionTimeline(id);

  if (data.isPending) return <LoadingBlock rows={5} label="Loading session" />;
  if (data.error || !data.session) {
    if (isClientError(data.error)) {
      return (
        <EmptyState title="Session not found" action={<Link className="btn" to="/sessions">All sessions</Link>}>
          It was deleted, or it belongs to another account.
        </EmptyState>
      );
    }
    return <ErrorState title="The session could not be loaded" error={data.error} retry={data.refetch} />;
  }
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link to="/sessions" className="muted hover:underline">← Sessions</Link>
      </nav>
      <Suspense fallback={<LoadingBlock rows={5} label="Loading session" />}>
        <SessionViewer
          session={data.session}
          messages={data.messages}
          hasMore={data.hasMore}
          loadingMore={data.loadingMore}
          loadMore={data.loadMore}
          hasEarlier={data.hasEarlier}
          loadingEarlier={data.loadingEarlier}
          loadEarlier={data.loadEarlier}
          timeline={timeline.data}
          targetId={targetId}
          owner
          actions={<SessionActions session={data.session} />}
        />
      </Suspense>
    </>
  );
}
