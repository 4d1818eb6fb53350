import { formatCost, formatTokens } from "../../lib/format";
import type { Metric } from "../../components/charts/shape";

const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** 7 × 24 cells, shaded by share of the busiest hour. */
export function HourGrid({ grid, metric }: { grid: number[][]; metric: Metric }) {
  const max = Math.max(1e-9, ...grid.flat());
  const fmt = metric === "cost" ? formatCost : formatTokens;
  return (
    <div tabIndex={0} role="region" aria-label="Hour of week grid" className="overflow-x-auto">
      <table className="border-separate text-[10px]" style={{ borderSpacing: 2 }} aria-label="Activity by weekday and hour">
        <thead>
          <tr>
            <th scope="col" className="sr-only">
              Day
            </th>
            {Array.from({ length: 24 }, (_, h) => (
              <th key={h} scope="col" className="w-5 font-normal muted">
                {h % 3 === 0 ? h : <span className="sr-only">{h}</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {grid.map((row, d) => (
            <tr key={DAYS[d]}>
              <th scope="row" className="pr-1 text-right font-normal muted">
                {DAYS[d]}
              </th>
              {row.map((v, h) => (
                <td key={h} title={`${DAYS[d]} ${h}:00 · ${fmt(v)}`} className="h-5 w-5 rounded-sm bg-zinc-100 p-0 dark:bg-zinc-800">
                  <div className="h-full w-full rounded-sm bg-accent-500" style={{ opacity: v > 0 ? 0.15 + 0.85 * (v / max) : 0 }} />
                  <span className="sr-only">{fmt(v)}</span>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
