import { useMemo } from "react";
import { useStats } from "../../api/stats";
import { bucketize, fillDays, rangeStart, type Bucket, type Metric } from "../../components/charts/shape";
import { UsageChart } from "../../components/charts/usage-chart";
import { Segmented } from "../../components/ui/segmented";
import { ErrorState } from "../../components/ui/states";
import { formatCost, formatTokens } from "../../lib/format";

export const RANGES = [7, 14, 30, 90] as const;
export type RangeDays = (typeof RANGES)[number];

export interface UsageView { days: RangeDays; metric: Metric; bucket: Bucket }

/** Usage over the last 7/14/30/90 days, tokens (by kind) or cost, per day, week or month. */
export function UsagePanel({ view, onChange }: { view: UsageView; onChange: (v: UsageView) => void }) {
  const from = useMemo(() => rangeStart(view.days), [view.days]);
  const stats = useStats({ from, groupBy: "day" });
  const points = useMemo(() => bucketize(fillDays(stats.data?.groups, from, Date.now()), view.bucket), [stats.data, from, view.bucket]);
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
          <Segmented label="Group by" value={view.bucket} options={[{ value: "day", label: "Daily" }, { value: "week", label: "Weekly" }, { value: "month", label: "Monthly" }]} onChange={(bucket) => onChange({ ...view, bucket })} />
        </div>
      </div>
      {stats.isError ? <ErrorState error={stats.error} retry={() => void stats.refetch()} /> : <UsageChart points={points} metric={view.metric} bucket={view.bucket} />}
    </section>
  );
}
