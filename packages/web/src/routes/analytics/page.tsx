import { useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import type { StatsGroup } from "@opensync/protocol";
import type { UsageBlock } from "@opensync/protocol";
import { useStats, useUsageBlocks } from "../../api/stats";
import { BarList } from "../../components/charts/bar-list";
import { bucketize, cumulative, fillDays, rangeStart, topShares, type Bucket, type Metric } from "../../components/charts/shape";
import { UsageChart } from "../../components/charts/usage-chart";
import { agentName } from "../../components/setup/agents";
import { Segmented } from "../../components/ui/segmented";
import { ErrorState, LoadingBlock, PageHeader } from "../../components/ui/states";
import { formatCost, formatDateTime, formatInteger, formatTokens, shortProject } from "../../lib/format";
import { HourGrid } from "./hour-grid";
import { hourGridFromGroups } from "./hour-of-week";
import { Efficiency } from "./efficiency";
import { ProjectsTable } from "./projects-table";

const RANGES = [7, 30, 90, 365] as const;
const BREAKDOWNS: { id: Exclude<StatsGroup, "day">; label: string }[] = [
  { id: "model", label: "Model" },
  { id: "provider", label: "Provider" },
  { id: "project", label: "Project" },
  { id: "source", label: "Agent" },
  { id: "machine", label: "Machine" },
];

/** Settings of the page in its URL: `?range=90&metric=cost&by=week&cumulative=1&breakdown=project`. */
function useView() {
  const [params, setParams] = useSearchParams();
  const range = Number(params.get("range"));
  const view = {
    days: (RANGES as readonly number[]).includes(range) ? range : 30,
    metric: (params.get("metric") === "cost" ? "cost" : "tokens") as Metric,
    bucket: (["week", "month"].includes(params.get("by") ?? "") ? params.get("by") : "day") as Bucket,
    cumulative: params.get("cumulative") === "1",
    breakdown: (BREAKDOWNS.find((b) => b.id === params.get("breakdown"))?.id ?? "model") as Exclude<StatsGroup, "day">,
  };
  const set = (patch: Partial<typeof view>) => {
    const v = { ...view, ...patch };
    setParams(
      new URLSearchParams({ range: String(v.days), metric: v.metric, by: v.bucket, ...(v.cumulative ? { cumulative: "1" } : {}), breakdown: v.breakdown }),
      { replace: true },
    );
  };
  return [view, set] as const;
}

export default function AnalyticsPage() {
  const [view, set] = useView();
  const from = useMemo(() => rangeStart(view.days), [view.days]);
  const daily = useStats({ from, groupBy: "day" });
  const breakdown = useStats({ from, groupBy: view.breakdown });
  const projects = useStats({ from, groupBy: "project" });
  const hours = useStats({ from, groupBy: "hourOfWeek" });
  // The server computes blocks over at most 92 days.
  const blocksFrom = Math.max(from, Date.now() - 92 * 86_400_000 + 60_000);
  const blocks = useUsageBlocks({ from: blocksFrom });
  const fmt = view.metric === "cost" ? formatCost : formatTokens;

  const points = useMemo(() => {
    const p = bucketize(fillDays(daily.data?.groups, from, Date.now()), view.bucket);
    return view.cumulative ? cumulative(p) : p;
  }, [daily.data, from, view.bucket, view.cumulative]);
  const grid = useMemo(() => hourGridFromGroups(hours.data?.groups, view.metric), [hours.data, view.metric]);
  const usedBlocks = useMemo(() => (blocks.data?.blocks ?? []).filter((b) => !b.isGap).reverse(), [blocks.data]);

  return (
    <>
      <PageHeader
        title="Analytics"
        description="Where the tokens and the money go."
        actions={
          <>
            <Segmented label="Range" value={view.days} options={RANGES.map((d) => ({ value: d, label: d === 365 ? "1y" : `${d}d` }))} onChange={(days) => set({ days })} />
            <Segmented label="Metric" value={view.metric} options={[{ value: "tokens", label: "Tokens" }, { value: "cost", label: "Cost" }]} onChange={(metric) => set({ metric })} />
          </>
        }
      />
      {daily.isError ? (
        <ErrorState error={daily.error} retry={() => void daily.refetch()} />
      ) : !daily.data ? (
        <LoadingBlock rows={4} label="Loading analytics" />
      ) : (
        <div className="space-y-4">
          <Efficiency stats={daily.data} />
          <section className="card p-4" aria-labelledby="consumption-title">
            <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
              <h2 id="consumption-title" className="text-sm font-semibold">
                Consumption {view.cumulative ? "(cumulative)" : ""}
              </h2>
              <div className="flex flex-wrap gap-2">
                <Segmented label="Group by" value={view.bucket} options={[{ value: "day", label: "Daily" }, { value: "week", label: "Weekly" }, { value: "month", label: "Monthly" }]} onChange={(bucket) => set({ bucket })} />
                <Segmented label="Cumulative" value={view.cumulative ? "on" : "off"} options={[{ value: "off", label: "Per period" }, { value: "on", label: "Cumulative" }]} onChange={(v) => set({ cumulative: v === "on" })} />
              </div>
            </div>
            <UsageChart points={points} metric={view.metric} bucket={view.bucket} height={280} />
          </section>
          <div className="grid gap-4 lg:grid-cols-2">
            <section className="card p-4" aria-labelledby="breakdown-title">
              <div className="mb-3 flex flex-wrap items-center justify-between gap-2">
                <h2 id="breakdown-title" className="text-sm font-semibold">
                  Breakdown
                </h2>
                <Segmented label="Breakdown by" value={view.breakdown} options={BREAKDOWNS.map((b) => ({ value: b.id, label: b.label }))} onChange={(breakdown) => set({ breakdown })} />
              </div>
              {breakdown.isError ? (
                <ErrorState error={breakdown.error} />
              ) : (
                <BarList
                  items={topShares((breakdown.data?.groups ?? []).map((g) => [g.key ?? "(unknown)", view.metric === "cost" ? g.totalCost : g.totalTokens]), 8)}
                  format={fmt}
                  renderKey={(k) => (view.breakdown === "source" ? agentName(k) : view.breakdown === "project" ? shortProject(k) : k)}
                />
              )}
            </section>
            <section className="card p-4" aria-labelledby="hours-title">
              <h2 id="hours-title" className="mb-1 text-sm font-semibold">
                Hour of week
              </h2>
              <p className="mb-3 text-xs muted">When sessions start, in your timezone.</p>
              {hours.isError ? <ErrorState error={hours.error} retry={() => void hours.refetch()} /> : <HourGrid grid={grid} metric={view.metric} />}
            </section>
          </div>
          <section className="card p-4" aria-labelledby="blocks-title">
            <h2 id="blocks-title" className="text-sm font-semibold">
              5-hour blocks
            </h2>
            <p className="mb-3 text-xs muted">
              Usage windows as ccusage counts them (a block opens on the hour of its first message and lasts 5 hours), with the burn rate inside each{view.days > 92 ? "; the last 92 days" : ""}.
            </p>
            {blocks.isError ? <ErrorState error={blocks.error} retry={() => void blocks.refetch()} /> : <BlocksTable blocks={usedBlocks} />}
          </section>
          <section className="card p-4" aria-labelledby="projects-table-title">
            <h2 id="projects-table-title" className="mb-3 text-sm font-semibold">
              Projects
            </h2>
            <ProjectsTable rows={projects.data?.groups ?? []} />
          </section>
        </div>
      )}
    </>
  );
}

function BlocksTable({ blocks }: { blocks: UsageBlock[] }) {
  const [showAll, setShowAll] = useState(false);
  if (blocks.length === 0) return <p className="text-sm muted">No usage in this range.</p>;
  const shown = showAll ? blocks : blocks.slice(0, 5);
  return (
    <div tabIndex={0} role="region" aria-label="5-hour blocks" className="overflow-x-auto">
      <table className="w-full min-w-[40rem] text-sm">
        <thead className="text-left text-xs uppercase tracking-wide muted">
          <tr>
            <th className="py-1.5 pr-3 font-medium">Block</th>
            <th className="py-1.5 pr-3 text-right font-medium">Messages</th>
            <th className="py-1.5 pr-3 text-right font-medium">Tokens</th>
            <th className="py-1.5 pr-3 text-right font-medium">Cost</th>
            <th className="py-1.5 pr-3 text-right font-medium">Burn rate</th>
            <th className="py-1.5 font-medium">Models</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {shown.map((b) => (
            <tr key={b.id}>
              <td className="py-1.5 pr-3">
                {formatDateTime(b.startTime)}
                {b.isActive && b.projection && (
                  <span className="ml-2 whitespace-nowrap rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-700 dark:bg-emerald-500/15 dark:text-emerald-400">
                    active · projected {formatTokens(b.projection.totalTokens)}, {formatCost(b.projection.totalCost)}
                  </span>
                )}
              </td>
              <td className="py-1.5 pr-3 text-right tabular">{formatInteger(b.entries)}</td>
              <td className="py-1.5 pr-3 text-right tabular">{formatTokens(b.tokens.totalTokens)}</td>
              <td className="py-1.5 pr-3 text-right tabular">{formatCost(b.cost)}</td>
              <td className="py-1.5 pr-3 text-right tabular">{b.burnRate ? `${formatTokens(b.burnRate.tokensPerMinute)}/min` : "—"}</td>
              <td className="max-w-48 truncate py-1.5 text-xs muted" title={b.models.join(", ")}>
                {b.models.join(", ")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {blocks.length > 5 && (
        <button type="button" className="btn mt-2" onClick={() => setShowAll(!showAll)}>
          {showAll ? "Show fewer" : `Show all ${blocks.length}`}
        </button>
      )}
    </div>
  );
}
