import { useMemo } from "react";
import { useStats } from "../../api/stats";
import { bucketize, fillDays, rangeStart, stackSplit, type Bucket, type Metric, type StackBy } from "../../components/charts/shape";
import { agentName } from "../../components/setup/agents";
import { UsageChart } from "../../components/charts/usage-chart";
import { Segmented } from "../../components/ui/segmented";
import { ErrorState } from "../../components/ui/states";
import { formatCost, formatTokens } from "../../lib/format";

export const RANGES = [7, 14, 30, 90] as const;
export type RangeDays = (typeof RANGES)[number];

export interface UsageView { days: RangeDays; metric: Metric; bucket: Bucket; stack: StackBy }

/** Usage over the last 7/14/30/90 days, tokens (by kind) or cost, per day, week or month. */
export function UsagePanel({ view, onChange }: { view: UsageView; onChange: (v: UsageView) => void }) {
  const from = useMemo(() => rangeStart(view.days), [view.days]);
  const stats = useStats({ from, groupBy: "day" });
  const points = useMemo(() => bucketize(fillDays(stats.data?.groups, from, Date.now()), view.bucket), [stats.data, from, view.bucket]);
  // Split by model or agent: the server's local days, each with its totals per model or agent (exact, every session).
  const split = useStats({ from, groupBy: "day", splitBy: view.stack === "kind" ? undefined : view.stack }, view.stack !== "kind");
  const stacked = useMemo(
    () => (view.stack === "kind" || !split.data?.groups ? undefined : stackSplit(split.data.groups, view.metric, from, Date.now(), view.bucket)),
    [view.stack, view.metric, view.bucket, split.data, from],
  );
  const total = view.metric === "cost" ? formatCost(stats.data?.totalCost) : formatTokens(stats.data?.totalTokens);
  return (
    <section className="card p-4" aria-labelledby="usage-title">
      <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
        <div>
          <h2 id="usage-title" className="text-sm font-semibold">
            Usage
          </h2>
          <p className="text-xs muted">
            {total} in the last {view.days} days
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          <Segmented label="Range" value={view.days} options={RANGES.map((d) => ({ value: d, label: `${d}d` }))} onChange={(days) => onChange({ ...view, days })} />
          <Segmented label="Metric" value={view.metric} options={[{ value: "tokens", label: "Tokens" }, { value: "cost", label: "Cost" }]} onChange={(metric) => onChange({ ...view, metric })} />
          <Segmented label="Split by" value={view.stack} options={[{ value: "kind", label: view.metric === "cost" ? "Total" : "Kind" }, { value: "model", label: "Model" }, { value: "source", label: "Agent" }]} onChange={(stack) => onChange({ ...view, stack })} />
          <Segmented label="Group by" value={view.bucket} options={[{ value: "day", label: "Daily" }, { value: "week", label: "Weekly" }, { value: "month", label: "Monthly" }]} onChange={(bucket) => onChange({ ...view, bucket })} />
        </div>
      </div>
      {stats.isError || split.isError ? (
        <ErrorState error={stats.error ?? split.error} retry={() => void (stats.isError ? stats.refetch() : split.refetch())} />
      ) : (
        <UsageChart points={points} metric={view.metric} bucket={view.bucket} stacked={stacked} seriesLabel={view.stack === "source" ? agentName : undefined} />
      )}
    </section>
  );
}
