import { useEffect, useState } from "react";
import { useReindex, useSearchStatus } from "../../api/account";
import { ErrorState, LoadingBlock } from "../../components/ui/states";
import { formatDuration, formatInteger } from "../../lib/format";
import { Section } from "./section";

/**
 * Full-text and semantic indexing: what is indexed, what waits, and how to turn embeddings on. The
 * owner can rebuild both indexes; the counts refresh every few seconds while work is waiting.
 */
export function SearchSection({ isOwner }: { isOwner: boolean }) {
  const reindex = useReindex();
  const [busy, setBusy] = useState(false);
  const status = useSearchStatus(busy ? 2_000 : undefined);
  const waiting = status.data ? status.data.fulltext.pending + status.data.pending : 0;
  useEffect(() => {
    if (reindex.isSuccess && status.data && waiting === 0) setBusy(false);
  }, [reindex.isSuccess, status.data, waiting]);
  const start = (body: { fulltext: boolean; embeddings: boolean; force?: boolean }) => {
    setBusy(true);
    reindex.mutate(body);
  };
  return (
    <Section id="search" title="Search and embeddings">
      {status.isPending ? (
        <LoadingBlock rows={1} label="Loading search status" />
      ) : status.isError ? (
        <ErrorState error={status.error} retry={() => void status.refetch()} />
      ) : (
        <div className="grid gap-4 sm:grid-cols-2">
          <div className="rounded-lg border border-zinc-200 p-3 dark:border-zinc-800">
            <p className="text-sm font-medium">Full-text index</p>
            <p className="mt-1 text-sm muted">
              {formatInteger(status.data.fulltext.indexed)} messages indexed · {formatInteger(status.data.fulltext.pending)} waiting
              {status.data.fulltext.lagMs > 0 ? ` · ${formatDuration(status.data.fulltext.lagMs)} behind` : ""}
            </p>
          </div>
          <div className="rounded-lg border border-zinc-200 p-3 dark:border-zinc-800">
            <p className="flex items-center gap-2 text-sm font-medium">
              <span aria-hidden className={`size-2 rounded-full ${status.data.available ? "bg-emerald-500" : "bg-amber-500"}`} />
              Semantic search {status.data.available ? "on" : "off"}
            </p>
            {status.data.available ? (
              <p className="mt-1 text-sm muted">
                {status.data.provider} · {status.data.model} ({status.data.dimensions} dimensions) · {formatInteger(status.data.indexed)} chunks embedded · {formatInteger(status.data.pending)} waiting
                {status.data.failed ? ` · ${formatInteger(status.data.failed)} failed` : ""}
              </p>
            ) : (
              <p className="mt-1 text-sm muted [overflow-wrap:anywhere]">{status.data.reason ?? "No embedding provider is configured."}</p>
            )}
            {status.data.lastError && <p className="mt-1 text-xs text-red-600 dark:text-red-400">Last error: {status.data.lastError}</p>}
            {!status.data.available && !status.data.reason && (
              <p className="mt-2 text-xs muted">
                Set <code className="font-mono">OPENSYNC_EMBEDDINGS</code> (local model or an OpenAI-compatible endpoint) and restart the server; new and changed messages are embedded in the background.
              </p>
            )}
          </div>
          {isOwner && (
            <div className="flex flex-wrap items-center gap-2 sm:col-span-2">
              <button type="button" className="btn" disabled={reindex.isPending} onClick={() => start({ fulltext: true, embeddings: false })}>
                Rebuild full-text index
              </button>
              <button type="button" className="btn" disabled={reindex.isPending || !status.data.available} onClick={() => start({ fulltext: false, embeddings: true, force: true })}>
                Re-embed everything
              </button>
              <span className="text-sm muted" role="status" aria-live="polite">
                {reindex.isError
                  ? `Could not start: ${(reindex.error as Error).message}`
                  : reindex.data
                    ? waiting > 0
                      ? `Queued ${formatInteger(reindex.data.queued.fulltext + reindex.data.queued.embeddings)}; ${formatInteger(waiting)} still waiting…`
                      : "Done: the indexes are up to date."
                    : "Both run in the background; search keeps working meanwhile."}
              </span>
            </div>
          )}
        </div>
      )}
    </Section>
  );
}
