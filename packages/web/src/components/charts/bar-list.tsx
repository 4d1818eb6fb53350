import type { ReactNode } from "react";
import { formatPercent } from "../../lib/format";
import { SERIES_COLORS } from "./palette";
import type { Share } from "./shape";

/** A ranked list with proportional bars: model distribution, top projects, breakdowns. */
export function BarList({ items, format, empty = "Nothing yet.", renderKey }: { items: Share[]; format: (v: number) => string; empty?: string; renderKey?: (key: string) => ReactNode }) {
  if (items.length === 0) return <p className="text-sm muted">{empty}</p>;
  const max = Math.max(...items.map((i) => i.value));
  return (
    <ul className="space-y-2.5">
      {items.map((item, i) => (
        <li key={item.key}>
          <div className="flex items-baseline justify-between gap-3 text-sm">
            <span className="min-w-0 truncate" title={item.key}>
              {renderKey ? renderKey(item.key) : item.key}
            </span>
            <span className="shrink-0 tabular muted">
              {format(item.value)} <span className="text-xs">· {formatPercent(item.share)}</span>
            </span>
          </div>
          <div className="mt-1 h-1.5 rounded-full bg-zinc-100 dark:bg-zinc-800" aria-hidden>
            <div className="h-full rounded-full" style={{ width: `${Math.max(2, (item.value / max) * 100)}%`, background: SERIES_COLORS[i % SERIES_COLORS.length] }} />
          </div>
        </li>
      ))}
    </ul>
  );
}
