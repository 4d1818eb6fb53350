import { useEffect, useRef } from "react";
import { Link } from "react-router";
import { useWindowVirtualizer } from "@tanstack/react-virtual";
import type { Session, SessionSort } from "@opensync/protocol";
import { agentName } from "../../components/setup/agents";
import { formatCost, formatDateTime, formatDuration, formatRelative, formatTokens, shortProject } from "../../lib/format";

const ROW_HEIGHT = 68;

interface Sorting { current: SessionSort; order: "asc" | "desc"; onSort: (sort: SessionSort, order: "asc" | "desc") => void }

/** A column header that sorts by its column; a second click flips the order. */
function SortHeader({ label, sort, current, order, onSort }: { label: string; sort: SessionSort } & Sorting) {
  const active = current === sort;
  return (
    <button
      type="button"
      className={`uppercase hover:text-zinc-900 dark:hover:text-zinc-100 ${active ? "text-zinc-900 dark:text-zinc-100" : ""}`}
      aria-label={`Sort by ${label.toLowerCase()}${active ? (order === "desc" ? ", now descending" : ", now ascending") : ""}`}
      onClick={() => onSort(sort, active && order === "desc" ? "asc" : "desc")}
    >
      {label}
      {active ? (order === "desc" ? " ↓" : " ↑") : ""}
    </button>
  );
}

/**
 * Only the rows in view (plus a few) are in the DOM, whatever the number of sessions; the next
 * page is fetched when the last loaded rows come into view. Rows move with j/k, x selects.
 */
export function SessionList(props: {
  sessions: Session[];
  selected: Set<string>;
  onToggle: (id: string) => void;
  active: number;
  onActive: (index: number) => void;
  hasMore: boolean;
  loadMore: () => void;
  loadingMore: boolean;
  sorting: Sorting;
}) {
  const { sessions, hasMore, loadMore, loadingMore } = props;
  const listRef = useRef<HTMLDivElement>(null);
  const virtualizer = useWindowVirtualizer({
    count: sessions.length,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    scrollMargin: listRef.current?.offsetTop ?? 0,
  });
  const items = virtualizer.getVirtualItems();
  const last = items[items.length - 1];

  useEffect(() => {
    if (last && last.index >= sessions.length - 20 && hasMore && !loadingMore) loadMore();
  }, [last?.index, sessions.length, hasMore, loadingMore, loadMore]);

  useEffect(() => {
    if (props.active >= 0) virtualizer.scrollToIndex(props.active, { align: "auto" });
  }, [props.active, virtualizer]);

  return (
    <>
    <div className="hidden items-center gap-3 px-3 pb-1 text-xs font-medium uppercase tracking-wide muted sm:flex">
      <span className="w-4" />
      <span className="flex-1">Session</span>
      <span className="grid shrink-0 grid-cols-4 gap-4 text-right" style={{ width: 360 }}>
        <span>Messages</span>
        <SortHeader label="Tokens" sort="totalTokens" {...props.sorting} />
        <SortHeader label="Cost" sort="cost" {...props.sorting} />
        <SortHeader label="Duration" sort="durationMs" {...props.sorting} />
      </span>
      <span className="hidden w-20 text-right md:block">
        <SortHeader label="Updated" sort="updatedAt" {...props.sorting} />
      </span>
    </div>
    <div ref={listRef} role="list" aria-label="Sessions" className="card relative overflow-hidden" style={{ height: virtualizer.getTotalSize() }}>
      {items.map((item) => {
        const s = sessions[item.index];
        const isActive = item.index === props.active;
        const isSelected = props.selected.has(s.id);
        return (
          <div
            key={s.id}
            role="listitem"
            data-session-id={s.id}
            className={`absolute inset-x-0 flex items-center gap-3 border-b border-zinc-100 px-3 dark:border-zinc-800 ${isActive ? "bg-accent-50/70 dark:bg-accent-500/10" : "hover:bg-zinc-50 dark:hover:bg-zinc-800/40"}`}
            style={{ top: item.start - virtualizer.options.scrollMargin, height: ROW_HEIGHT }}
          >
            <input
              type="checkbox"
              className="size-4 shrink-0 accent-accent-600"
              checked={isSelected}
              onChange={() => props.onToggle(s.id)}
              aria-label={`Select ${s.title || "untitled session"}`}
            />
            <Link
              to={`/sessions/${encodeURIComponent(s.id)}`}
              className="min-w-0 flex-1 outline-none focus-visible:underline"
              onFocus={() => props.onActive(item.index)}
              data-row-link={item.index}
            >
              <p className="truncate text-sm font-medium">{s.title || "Untitled session"}</p>
              <p className="truncate text-xs muted">
                <span className="font-medium text-zinc-700 dark:text-zinc-300">{agentName(s.source)}</span>
                {/* Phones have no number columns: the numbers come first, before the details. */}
                <span className="sm:hidden">{` · ${formatTokens(s.totalTokens)} · ${formatCost(s.cost)} · ${formatRelative(s.updatedAt)}`}</span>
                {" · "}
                {shortProject(s.projectPath ?? s.projectName)}
                {s.model ? ` · ${s.model}` : ""}
                {s.gitBranch ? ` · ${s.gitBranch}` : ""}
              </p>
            </Link>
            <div className="hidden shrink-0 grid-cols-4 gap-4 text-right text-sm tabular sm:grid" style={{ width: 360 }}>
              <span title={`${s.messageCount} messages`}>{s.messageCount} msg</span>
              <span title="Tokens">{formatTokens(s.totalTokens)}</span>
              <span title="Cost">{formatCost(s.cost)}</span>
              <span title="Duration">{formatDuration(s.durationMs)}</span>
            </div>
            <time className="hidden w-20 shrink-0 text-right text-xs muted md:block" dateTime={new Date(s.updatedAt).toISOString()} title={formatDateTime(s.updatedAt)}>
              {formatRelative(s.updatedAt)}
            </time>
          </div>
        );
      })}
    </div>
    </>
  );
}
