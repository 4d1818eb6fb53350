import type { StatsResponse } from "@opensync/protocol";
import { formatCost, formatDuration, formatInteger, formatPercent, formatTokens } from "../../lib/format";

function Card({ label, value, title, detail, testId }: { label: string; value: string; title?: string; detail?: string; testId: string }) {
  return (
    <div className="card p-4">
      <p className="text-xs font-medium uppercase tracking-wide muted">{label}</p>
      <p className="mt-1 text-2xl font-semibold tabular" title={title} data-testid={testId}>
        {value}
      </p>
      {detail && (
        <p className="mt-0.5 truncate text-xs muted" title={detail}>
          {detail}
        </p>
      )}
    </div>
  );
}

/** The six headline numbers. `projects` comes from the project breakdown (not in the totals). */
export function StatCards({ stats, projects }: { stats: StatsResponse; projects: number | undefined }) {
  const cacheShare = stats.totalTokens > 0 ? (stats.cacheReadTokens + stats.cacheWriteTokens) / stats.totalTokens : 0;
  const models = Object.keys(stats.modelUsage).filter((m) => m !== "unknown").length;
  return (
    <div className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-6">
      <Card label="Sessions" value={formatInteger(stats.sessionCount)} detail={`${formatInteger(stats.messageCount)} messages`} testId="card-sessions" />
      <Card
        label="Tokens"
        value={formatTokens(stats.totalTokens)}
        title={`${formatInteger(stats.totalTokens)} tokens`}
        detail={`${formatPercent(cacheShare)} cached (${formatTokens(stats.cacheReadTokens)} read, ${formatTokens(stats.cacheWriteTokens)} written)`}
        testId="card-tokens"
      />
      <Card label="Cost" value={formatCost(stats.totalCost)} detail={stats.sessionCount ? `${formatCost(stats.totalCost / stats.sessionCount)} per session` : undefined} testId="card-cost" />
      <Card label="Time" value={formatDuration(stats.totalDurationMs)} detail="agents at work" testId="card-time" />
      <Card label="Models" value={formatInteger(models)} testId="card-models" detail={topKey(stats.modelUsage)} />
      <Card label="Projects" value={projects === undefined ? "…" : formatInteger(projects)} testId="card-projects" />
    </div>
  );
}

function topKey(usage: StatsResponse["modelUsage"]): string | undefined {
  const top = Object.entries(usage).sort((a, b) => b[1].tokens - a[1].tokens)[0];
  return top ? `most used: ${top[0]}` : undefined;
}
