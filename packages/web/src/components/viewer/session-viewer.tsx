import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { useWindowVirtualizer } from "@tanstack/react-virtual";
import { useNavigate } from "react-router";
import type { Message, SessionTimeline } from "@opensync/protocol";
import { formatDuration } from "../../lib/format";
import { useKeySequences } from "../../lib/shortcuts";
import { Segmented } from "../ui/segmented";
import { EmptyState, Spinner } from "../ui/states";
import { MessageView } from "./message-view";
import { Minimap } from "./minimap";
import { viewParts } from "./parts";
import { SessionHeader, modelsOf } from "./session-header";
import { buildRows, marksOf, resultsByCallId, rowIndexOf, type Row, type ViewMode } from "./session-rows";
import { timelineMarks, type ViewerSession } from "./timeline";
import { SidechainGroup } from "./sidechain-group";

export interface SessionViewerProps {
  session: ViewerSession;
  /** The messages loaded so far, in time order (the viewer pages, it never needs all of them). */
  messages: Message[];
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
  hasEarlier?: boolean;
  loadingEarlier?: boolean;
  loadEarlier?: () => void;
  /** The whole session's per-message summary (the timeline); without it the timeline covers what is loaded. */
  timeline?: SessionTimeline;
  /** The message the URL points at (`#m-<id>`). */
  targetId: string | null;
  /** The owner's view (dashboard) or the read-only public page. */
  owner: boolean;
  actions?: ReactNode;
}

/** Rows above the end at which the next page is asked for. */
const PREFETCH_ROWS = 8;

/**
 * The session: header, a mode switch, the virtualized list of messages (only what is on screen
 * is in the DOM) and the timeline beside it. `j`/`k` move between messages.
 */
export function SessionViewer({ session, messages, hasMore, loadingMore, loadMore, hasEarlier = false, loadingEarlier = false, loadEarlier, timeline, targetId, owner, actions }: SessionViewerProps) {
  const [mode, setMode] = useState<ViewMode>("all");
  const rows = useMemo(() => buildRows(messages, mode), [messages, mode]);
  const results = useMemo(() => resultsByCallId(messages.map((m) => ({ parts: viewParts(m) }))), [messages]);
  const rowMarks = useMemo(() => marksOf(rows, results), [rows, results]);
  const wholeMarks = useMemo(() => (timeline ? timelineMarks(timeline) : null), [timeline]);
  const models = useMemo(() => modelsOf(session, messages), [session, messages]);

  const listRef = useRef<HTMLDivElement>(null);
  const [scrollMargin, setScrollMargin] = useState(0);
  // The list starts below the header; what sits above it changes with the "earlier" button.
  useLayoutEffect(() => {
    setScrollMargin(listRef.current ? listRef.current.getBoundingClientRect().top + window.scrollY : 0);
  }, [session.id, hasEarlier, loadingEarlier, rows.length === 0]);

  const virtualizer = useWindowVirtualizer({
    count: rows.length,
    estimateSize: (i) => estimate(rows[i]),
    overscan: 6,
    scrollMargin,
    // The phone's sticky top bar (56 px) must not cover the message a jump lands on.
    scrollPaddingStart: 72,
    getItemKey: (i) => rows[i]?.key ?? i,
  });
  const items = virtualizer.getVirtualItems();

  // Page in more messages as the reader nears the end of what is loaded.
  const lastIndex = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= rows.length - PREFETCH_ROWS) loadMore();
  }, [hasMore, loadingMore, lastIndex, rows.length, loadMore]);

  // One command per jump: the virtualizer (virtual-core 3.19, `reconcileScroll`) re-targets it
  // frame by frame while the rows around it are measured, and drops it as soon as anyone else
  // scrolls. A second jump of our own a moment later (we had one, 60 ms after the first) did not
  // know the reader had scrolled since, and pulled them back: CI's viewer bench caught it when a
  // scroll to the top landed inside those 60 ms.
  const scrollToRow = useCallback(
    (index: number, focus = true) => {
      if (index < 0 || index >= rows.length) return;
      virtualizer.scrollToIndex(index, { align: "start" });
      if (focus) focusRowWhenRendered(listRef.current, index);
    },
    [rows.length, virtualizer],
  );

  // Deep link: show the targeted message (switching to all messages if the mode hides it), paging
  // on until it is loaded.
  const jumpedTo = useRef<string | null>(null);
  useEffect(() => {
    if (!targetId || jumpedTo.current === targetId) return;
    const index = rowIndexOf(rows, targetId);
    if (index === -1) {
      // Hidden by the mode: show everything. Not loaded: the pager loads around it.
      if (mode !== "all" && messages.some((m) => m.id === targetId)) setMode("all");
      return;
    }
    jumpedTo.current = targetId;
    scrollToRow(index);
  }, [targetId, rows, mode, messages, scrollToRow]);

  // Earlier messages go above: keep the row that was at the top where it was. Only rows added
  // above move it; a page that lands below first (a prefetch in flight at the click) does not.
  const keepTop = useRef<{ key: string; index: number } | null>(null);
  useLayoutEffect(() => {
    const kept = keepTop.current;
    if (!kept) return;
    const index = rows.findIndex((r) => r.key === kept.key);
    if (index > kept.index) {
      keepTop.current = null;
      // The rows added above are estimated until measured: the virtualizer keeps re-targeting
      // the kept row until its offset is stable.
      scrollToRow(index, false);
    } else if (index === -1) keepTop.current = null;
  }, [rows, scrollToRow]);
  const onLoadEarlier = () => {
    // The row at the top of the window now, read from the scroll position at the click: the
    // current-row state follows scrolling one animation frame late, and a click right after a
    // scroll kept a row from before it (the e2e bench caught it: the kept row was off screen).
    const top = virtualizer.getVirtualItemForOffset(window.scrollY + 72)?.index ?? currentRowRef.current;
    const key = rows[top]?.key ?? rows[0]?.key;
    keepTop.current = key ? { key, index: rows[top] ? top : 0 } : null;
    loadEarlier?.();
  };

  const currentRow = useCurrentRow(items, scrollMargin);
  const currentRowRef = useRef(currentRow);
  currentRowRef.current = currentRow;

  // The timeline covers the whole session when the server gave it; a jump to a message that is
  // not loaded goes through its link (#m-<id>), which pages around it.
  const navigate = useNavigate();
  const minimap = useMemo(() => {
    if (!wholeMarks || !timeline || mode !== "all") return { marks: rowMarks, count: rows.length, current: currentRow, jump: (row: number) => scrollToRow(row) };
    const row = rows[currentRow];
    const currentId = row?.kind === "message" ? row.message.id : row?.kind === "sidechain" ? row.messages[0]?.message.id : null;
    const position = currentId ? timeline.ids.indexOf(currentId) : -1;
    return {
      marks: wholeMarks,
      count: timeline.ids.length,
      current: Math.max(0, position),
      jump: (i: number) => {
        const id = timeline.ids[i];
        if (!id) return;
        const index = rowIndexOf(rows, id);
        if (index !== -1) scrollToRow(index);
        else {
          jumpedTo.current = null;
          navigate({ hash: `m-${id}` }, { replace: true });
        }
      },
    };
  }, [wholeMarks, timeline, mode, rowMarks, rows, currentRow, scrollToRow, navigate]);
  /** Where j/k start from: the message they last moved to while it is on screen, else the one at the top. */
  const startRow = () => {
    const focused = document.activeElement?.closest<HTMLElement>("[data-index]");
    if (focused && listRef.current?.contains(focused)) {
      const box = focused.getBoundingClientRect();
      if (box.bottom > 0 && box.top < window.innerHeight) return Number(focused.dataset.index);
    }
    return currentRow;
  };
  const step = (dir: 1 | -1) => {
    // Pause markers are skipped: j/k go from message to message.
    for (let i = startRow() + dir; i >= 0 && i < rows.length; i += dir) {
      if (rows[i]!.kind !== "gap") return scrollToRow(i);
    }
  };
  useKeySequences({ j: () => step(1), k: () => step(-1) });

  return (
    <div>
      <SessionHeader session={session} models={models} owner={owner} actions={actions} />
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <Segmented<ViewMode>
          label="Messages shown"
          value={mode}
          onChange={setMode}
          options={[
            { value: "all", label: "All messages" },
            { value: "prompts", label: "Prompts and final answers" },
          ]}
        />
        <p className="hidden text-xs muted sm:block">
          <kbd className="kbd">j</kbd> / <kbd className="kbd">k</kbd> next / previous message
        </p>
      </div>
      {hasEarlier && (
        <div className="mb-3 text-center">
          <button type="button" className="btn" disabled={loadingEarlier} onClick={onLoadEarlier}>
            {loadingEarlier ? "Loading…" : "Load earlier messages"}
          </button>
        </div>
      )}
      {rows.length === 0 && !hasMore ? (
        <EmptyState title={messages.length ? "Nothing to show in this mode" : "This session has no messages yet"}>
          {messages.length ? "Switch to all messages." : "Messages appear here as soon as they are synced."}
        </EmptyState>
      ) : (
        <div className="lg:grid lg:grid-cols-[minmax(0,1fr)_2rem] lg:gap-3">
          <div ref={listRef} className="relative w-full" style={{ height: virtualizer.getTotalSize() }} data-testid="message-list">
            {items.map((item) => {
              const row = rows[item.index]!;
              return (
                <div
                  key={item.key}
                  data-index={item.index}
                  ref={virtualizer.measureElement}
                  className="absolute left-0 top-0 w-full pb-3"
                  style={{ transform: `translateY(${item.start - virtualizer.options.scrollMargin}px)` }}
                >
                  <RowView row={row} results={results} targetId={targetId} owner={owner} />
                </div>
              );
            })}
          </div>
          <div className="hidden lg:block">
            <div className="sticky top-6 h-[calc(100dvh-3rem)] py-1">
              <Minimap marks={minimap.marks} rowCount={minimap.count} current={minimap.current} onJump={minimap.jump} />
            </div>
          </div>
        </div>
      )}
      {(hasMore || loadingMore) && (
        <div className="py-4 text-center">
          {loadingMore ? <Spinner label="Loading more messages" /> : <button type="button" className="btn" onClick={loadMore}>Load more messages</button>}
        </div>
      )}
    </div>
  );
}

function RowView({ row, results, targetId, owner }: { row: Row; results: ReturnType<typeof resultsByCallId>; targetId: string | null; owner: boolean }) {
  if (row.kind === "gap") {
    return (
      <div role="separator" className="flex items-center gap-3 py-1 text-xs muted" aria-label={`${formatDuration(row.ms)} later`}>
        <span className="h-px flex-1 bg-zinc-300 dark:bg-zinc-700" />
        <span className="tabular">{formatDuration(row.ms)} later</span>
        <span className="h-px flex-1 bg-zinc-300 dark:bg-zinc-700" />
      </div>
    );
  }
  if (row.kind === "sidechain") return <SidechainGroup agentId={row.agentId} messages={row.messages} subtotal={row.subtotal} results={results} targetId={targetId} linkable={owner} />;
  return <MessageView message={row.message} parts={row.parts} results={results} targeted={row.message.id === targetId} linkable />;
}

/**
 * Focuses a row's message once it is in the DOM (the jump renders it a frame or two later),
 * without scrolling: the position is the virtualizer's to settle. Gives up after ~1 s.
 */
function focusRowWhenRendered(list: HTMLElement | null, index: number, framesLeft = 60): void {
  const el = list?.querySelector<HTMLElement>(`[data-index="${index}"] article, [data-index="${index}"] section`);
  if (el) return el.focus({ preventScroll: true });
  if (framesLeft > 0) requestAnimationFrame(() => focusRowWhenRendered(list, index, framesLeft - 1));
}

/** A first guess of a row's height (measured once rendered). */
function estimate(row: Row | undefined): number {
  if (!row) return 120;
  if (row.kind === "gap") return 32;
  if (row.kind === "sidechain") return 56;
  const text = row.parts.reduce((n, p) => n + (p.kind === "text" ? p.text.length : 0), 0);
  const tools = row.parts.filter((p) => p.kind === "tool-call" || p.kind === "tool-result").length;
  return 70 + Math.min(900, Math.ceil(text / 90) * 22) + tools * 38;
}

/** The first row whose bottom is below the top of the viewport: where the reader is. */
function useCurrentRow(items: { index: number; start: number; end: number }[], scrollMargin: number): number {
  const [, force] = useState(0);
  useEffect(() => {
    let frame = 0;
    const onScroll = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => force((n) => n + 1));
    };
    window.addEventListener("scroll", onScroll, { passive: true });
    return () => {
      window.removeEventListener("scroll", onScroll);
      cancelAnimationFrame(frame);
    };
  }, []);
  const top = (typeof window === "undefined" ? 0 : window.scrollY) + 72;
  void scrollMargin;
  return items.find((it) => it.end > top)?.index ?? 0;
}
