import type { StatsGroupRow } from "@opensync/protocol";
import type { Metric } from "../../components/charts/shape";

/**
 * The 7 × 24 activity grid (Monday first) from `/api/stats?groupBy=hourOfWeek`, whose keys are
 * `<ISO weekday 1-7>-<hour 00-23>` in the timezone the request named.
 */
export function hourGridFromGroups(groups: StatsGroupRow[] | undefined, metric: Metric): number[][] {
  const grid = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  for (const g of groups ?? []) {
    const m = /^([1-7])-(\d{2})$/.exec(g.key ?? "");
    if (!m) continue;
    const hour = Number(m[2]);
    if (hour > 23) continue;
    grid[Number(m[1]) - 1][hour] += metric === "cost" ? g.totalCost : g.totalTokens;
  }
  return grid;
}
