import { useEffect, useRef } from "react";
import { dayKeyStart, formatCost, formatDate, formatTokens } from "../../lib/format";
import { heatmapWeeks, type Metric } from "./shape";

const LEVEL_CLASS = [
  "fill-zinc-200 dark:fill-zinc-800",
  "fill-accent-100 dark:fill-accent-700/50",
  "fill-accent-400/70 dark:fill-accent-600/80",
  "fill-accent-500 dark:fill-accent-500",
  "fill-accent-700 dark:fill-accent-400",
];
const CELL = 11;
const GAP = 3;
const WEEKDAYS = ["Mon", "", "Wed", "", "Fri", "", ""];

/**
 * A year of days, GitHub-style. A click on a day calls `onSelect` (the overview opens the sessions
 * of that day). Each day is a keyboard-focusable button with its numbers in its label.
 */
export function ActivityHeatmap({ values, metric, onSelect, today = Date.now() }: { values: Map<string, number>; metric: Metric; onSelect?: (dayKey: string) => void; today?: number }) {
  const weeks = heatmapWeeks(values, today);
  const scroller = useRef<HTMLDivElement>(null);
  // On a narrow screen the recent weeks matter most: start scrolled to the end.
  useEffect(() => {
    const el = scroller.current;
    if (el) el.scrollLeft = el.scrollWidth;
  }, []);
  const fmt = metric === "cost" ? formatCost : formatTokens;
  const width = 28 + weeks.length * (CELL + GAP);
  const height = 16 + 7 * (CELL + GAP);
  const months: { x: number; label: string }[] = [];
  weeks.forEach((w, i) => {
    const first = w[0].key;
    const prev = weeks[i - 1]?.[0].key;
    if (!prev || first.slice(5, 7) !== prev.slice(5, 7)) {
      months.push({ x: 28 + i * (CELL + GAP), label: new Date(dayKeyStart(first)).toLocaleDateString("en-US", { month: "short" }) });
    }
  });
  return (
    <div>
      <div ref={scroller} className="overflow-x-auto">
      <svg role="group" aria-label="Activity by day over the last year" width={width} height={height} className="block text-[10px]">
        {months.slice(1).map((m) => (
          <text key={m.x} x={m.x} y={10} className="fill-zinc-500 dark:fill-zinc-400">
            {m.label}
          </text>
        ))}
        {WEEKDAYS.map((d, i) =>
          d ? (
            <text key={d} x={0} y={16 + i * (CELL + GAP) + 9} className="fill-zinc-500 dark:fill-zinc-400">
              {d}
            </text>
          ) : null,
        )}
        {weeks.map((w, wi) =>
          w.map((cell, di) =>
            cell.inRange ? (
              <rect
                key={cell.key}
                x={28 + wi * (CELL + GAP)}
                y={16 + di * (CELL + GAP)}
                width={CELL}
                height={CELL}
                rx={2}
                role={onSelect ? "button" : "img"}
                tabIndex={onSelect && cell.value > 0 ? 0 : undefined}
                aria-label={`${formatDate(dayKeyStart(cell.key))}: ${cell.value > 0 ? fmt(cell.value) : "no activity"}`}
                className={`${LEVEL_CLASS[cell.level]} ${onSelect ? "cursor-pointer outline-none hover:stroke-zinc-500 focus-visible:stroke-accent-500 focus-visible:stroke-2" : ""}`}
                onClick={() => onSelect?.(cell.key)}
                onKeyDown={(e) => {
                  if (e.key === "Enter" || e.key === " ") {
                    e.preventDefault();
                    onSelect?.(cell.key);
                  }
                }}
              >
                <title>{`${formatDate(dayKeyStart(cell.key))}: ${cell.value > 0 ? fmt(cell.value) : "no activity"}`}</title>
              </rect>
            ) : null,
          ),
        )}
      </svg>
      </div>
      <div className="mt-2 flex items-center justify-end gap-1 text-xs muted" aria-hidden>
        Less
        {LEVEL_CLASS.map((c) => (
          <svg key={c} width={CELL} height={CELL}>
            <rect width={CELL} height={CELL} rx={2} className={c} />
          </svg>
        ))}
        More
      </div>
    </div>
  );
}
