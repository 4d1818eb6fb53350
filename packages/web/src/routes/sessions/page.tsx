import { useCallback, useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import { errorMessage } from "../../api/client";
import { useConnection } from "../../api/connection";
import { useDeleteSessions, useSessionPages } from "../../api/sessions";
import { ConfirmDialog } from "../../components/ui/dialog";
import { EmptyState, ErrorState, LoadingBlock, PageHeader, Spinner } from "../../components/ui/states";
import { useKeySequences } from "../../lib/shortcuts";
import { FilterBar } from "./filter-bar";
import { activeFilterCount, parseListState, toQuery, writeListState, type ListState } from "./filters";
import { exportSessions } from "./export";
import { SessionList } from "./session-list";

export default function SessionsPage() {
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => parseListState(params), [params]);
  const setState = useCallback((next: ListState) => setParams(writeListState(next), { replace: true }), [setParams]);
  const pages = useSessionPages(toQuery(state));
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [active, setActive] = useState(-1);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);
  const del = useDeleteSessions();
  const connection = useConnection();

  // The server filters and searches (`q` over every session, not only the loaded pages).
  const all = useMemo(() => pages.data?.pages.flatMap((p) => p.sessions) ?? [], [pages.data]);
  const sessions = all;
  const loadMore = useCallback(() => void pages.fetchNextPage(), [pages]);
  const toggle = (id: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const focusRow = (index: number) => {
    const i = Math.max(0, Math.min(sessions.length - 1, index));
    setActive(i);
    requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-row-link="${i}"]`)?.focus());
  };
  useKeySequences({
    // j/k move the focus between the rows' links, so Enter opens one natively.
    j: () => focusRow(active + 1),
    k: () => focusRow(active - 1),
    x: () => sessions[active] && toggle(sessions[active].id),
  });

  const selectedIds = [...selected].filter((id) => all.some((s) => s.id === id));
  const filtered = activeFilterCount(state) > 0 || state.q !== "";

  return (
    <>
      <PageHeader
        title="Sessions"
        description={
          <span className="inline-flex items-center gap-2">
            {pages.data ? `${sessions.length}${pages.hasNextPage ? "+" : ""} ${filtered ? "matching" : ""} sessions` : "Every session of every agent"}
            <span className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ${connection === "online" ? "bg-emerald-50 text-emerald-700 dark:bg-emerald-500/15 dark:text-emerald-400" : "bg-amber-50 text-amber-800 dark:bg-amber-500/15 dark:text-amber-300"}`}>
              <span aria-hidden className={`size-1.5 rounded-full ${connection === "online" ? "bg-emerald-500" : "bg-amber-500"}`} />
              {connection === "online" ? "Live" : "Offline"}
            </span>
          </span>
        }
      />
      <FilterBar state={state} onChange={setState} />
      {selectedIds.length > 0 && (
        <div role="region" aria-label="Bulk actions" className="sticky top-14 z-20 mt-3 flex flex-wrap items-center gap-2 rounded-xl border border-accent-200 bg-accent-50 p-2 text-sm lg:top-2 dark:border-accent-500/30 dark:bg-zinc-900">
          <span className="px-1 font-medium">{selectedIds.length} selected</span>
          <button type="button" className="btn" disabled={exporting} onClick={() => runExport("markdown")}>
            Export Markdown
          </button>
          <button type="button" className="btn" disabled={exporting} onClick={() => runExport("json")}>
            Export JSON
          </button>
          <button type="button" className="btn-danger" onClick={() => setConfirmDelete(true)}>
            Delete
          </button>
          <button type="button" className="btn ml-auto" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
          {exporting && <Spinner label="Exporting" />}
          {exportError && <span role="alert" className="text-red-600 dark:text-red-400">{exportError}</span>}
        </div>
      )}
      <div className="mt-3 mb-2 flex items-center justify-between text-xs muted">
        <label className="inline-flex items-center gap-2">
          <input
            type="checkbox"
            className="size-4 accent-accent-600"
            checked={sessions.length > 0 && sessions.every((s) => selected.has(s.id))}
            onChange={(e) => setSelected(e.target.checked ? new Set(sessions.map((s) => s.id)) : new Set())}
          />
          Select all loaded
        </label>
        <span className="hidden lg:inline">
          <kbd className="kbd">j</kbd> <kbd className="kbd">k</kbd> move · <kbd className="kbd">x</kbd> select · <kbd className="kbd">Enter</kbd> open
        </span>
      </div>
      {pages.isPending ? (
        <LoadingBlock rows={6} label="Loading sessions" />
      ) : pages.isError ? (
        <ErrorState error={pages.error} retry={() => void pages.refetch()} />
      ) : sessions.length === 0 && !pages.hasNextPage ? (
        filtered ? (
          <EmptyState title="No sessions match" action={<button type="button" className="btn" onClick={() => setState({ sort: state.sort, order: state.order, q: "" })}>Clear filters</button>}>
            Try fewer filters or another date range.
          </EmptyState>
        ) : (
          <EmptyState title="No sessions yet">Sessions appear here as your agents sync them; the Overview page shows how to connect one.</EmptyState>
        )
      ) : (
        <>
          <SessionList
            sessions={sessions}
            selected={selected}
            onToggle={toggle}
            active={active}
            onActive={setActive}
            hasMore={pages.hasNextPage}
            loadMore={loadMore}
            loadingMore={pages.isFetchingNextPage}
            sorting={{ current: state.sort, order: state.order, onSort: (sort, order) => setState({ ...state, sort, order }) }}
          />
          <div className="py-4 text-center">
            {pages.isFetchingNextPage ? <Spinner label="Loading more" /> : pages.hasNextPage ? (
              <button type="button" className="btn" onClick={loadMore}>
                Load more
              </button>
            ) : (
              <span className="text-xs muted">That is all of them.</span>
            )}
          </div>
        </>
      )}
      <ConfirmDialog
        open={confirmDelete}
        title={`Delete ${selectedIds.length} session${selectedIds.length === 1 ? "" : "s"}?`}
        body="Their messages, search index entries and share links go too. This cannot be undone (a later sync of the same agent storage would bring them back)."
        confirmLabel="Delete"
        busy={del.isPending}
        error={del.isError ? errorMessage(del.error) : null}
        onClose={() => setConfirmDelete(false)}
        onConfirm={() =>
          del.mutate(selectedIds, {
            onSuccess: () => {
              setSelected(new Set());
              setConfirmDelete(false);
            },
          })
        }
      />
    </>
  );

  async function runExport(format: "markdown" | "json") {
    setExporting(true);
    setExportError(null);
    try {
      await exportSessions(selectedIds, format);
    } catch (err) {
      setExportError(errorMessage(err));
    } finally {
      setExporting(false);
    }
  }
}
