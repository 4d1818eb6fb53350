import { useLocation, useParams, Link } from "react-router";
import { isClientError } from "../../api/client";
import { SessionViewer } from "../../components/viewer/session-viewer";
import { EmptyState, ErrorState, LoadingBlock } from "../../components/ui/states";
import { SessionActions } from "./actions";
import { useSessionMessages, useSessionTimeline } from "./api";

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
    </>
  );
}
