import type { StatsResponse } from "@opensync/protocol";
import { formatCost, formatPercent, formatTokens, formatUnitCost } from "../../lib/format";

/** What the cache saved at list price, net of what filling it cost, and what could not be priced. */
function cacheSavedHint(stats: StatsResponse): string {
  const parts = [`net ${formatCost(stats.cacheSavings - stats.cacheWriteExtra)} after cache writes`];
  if (stats.unpricedCacheReadTokens > 0) parts.push(`${formatTokens(stats.unpricedCacheReadTokens)} cache reads of unpriced models not counted`);
  return parts.join(" · ");
}

/** The Analytics efficiency panel: per-message and per-token figures, the cache's hit ratio and savings. */
export function Efficiency({ stats }: { stats: StatsResponse }) {
  const cacheable = stats.promptTokens + stats.cacheReadTokens + stats.cacheWriteTokens;
  const items = [
    { label: "Tokens per message", value: stats.messageCount ? formatTokens(stats.totalTokens / stats.messageCount) : "—" },
    { label: "Cost per 1K tokens", value: stats.totalTokens ? formatUnitCost((stats.totalCost / stats.totalTokens) * 1000) : "—" },
    { label: "Cache-hit ratio", value: cacheable ? formatPercent(stats.cacheReadTokens / cacheable) : "—", hint: "cache reads ÷ all input tokens" },
    { label: "Cache saved", value: stats.cacheReadTokens ? formatCost(stats.cacheSavings) : "—", hint: stats.cacheReadTokens ? cacheSavedHint(stats) : "no cache reads in this range" },
    { label: "Cost per session", value: stats.sessionCount ? formatCost(stats.totalCost / stats.sessionCount) : "—" },
  ];
  return (
    <div className="grid grid-cols-2 gap-3 lg:grid-cols-5">
      {items.map((i) => (
        <div key={i.label} className="card p-4">
          <p className="text-xs font-medium uppercase tracking-wide muted">{i.label}</p>
          <p className="mt-1 text-xl font-semibold tabular">{i.value}</p>
          {i.hint && <p className="text-xs muted">{i.hint}</p>}
        </div>
      ))}
    </div>
  );
}
