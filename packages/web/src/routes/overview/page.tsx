import { useMemo } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useRecentSessions } from "../../api/sessions";
import { useStats } from "../../api/stats";
import { BarList } from "../../components/charts/bar-list";
import { ActivityHeatmap } from "../../components/charts/heatmap";
import { rangeStart, topShares } from "../../components/charts/shape";
import { AgentSetupGuide } from "../../components/setup/agent-setup";
import { agentName } from "../../components/setup/agents";
import { EmptyState, ErrorState, LoadingBlock, PageHeader } from "../../components/ui/states";
import { dayKeyEnd, dayKeyStart, formatCost, formatRelative, formatTokens, shortProject } from "../../lib/format";
import { StatCards } from "./stat-cards";
import { RANGES, UsagePanel, type RangeDays, type UsageView } from "./usage-panel";

/** The overview's chart settings live in the URL (`?range=30&metric=cost&by=week&split=model`): shareable, kept on reload. */
function useUsageView(): [UsageView, (v: UsageView) => void] {
  const [params, setParams] = useSearchParams();
  const days = Number(params.get("range"));
  const view: UsageView = {
    days: (RANGES as readonly number[]).includes(days) ? (days as RangeDays) : 30,
    metric: params.get("metric") === "cost" ? "cost" : "tokens",
    bucket: params.get("by") === "week" ? "week" : params.get("by") === "month" ? "month" : "day",
    stack: params.get("split") === "model" ? "model" : params.get("split") === "agent" ? "source" : "kind",
  };
  const set = (v: UsageView) => {
    const next = new URLSearchParams(params);
    next.set("range", String(v.days));
    next.set("metric", v.metric);
    next.set("by", v.bucket);
    if (v.stack === "kind") next.delete("split");
    else next.set("split", v.stack === "source" ? "agent" : "model");
    setParams(next, { replace: true });
  };
  return [view, set];
}

export default function OverviewPage() {
  const totals = useStats({});
  const projects = useStats({ groupBy: "project" });
  const yearFrom = useMemo(() => rangeStart(371), []);
  const year = useStats({ from: yearFrom, groupBy: "day" });
  const recent = useRecentSessions(8);
  const [view, setView] = useUsageView();
  const navigate = useNavigate();

  if (totals.isPending) return <LoadingBlock rows={5} label="Loading overview" />;
  if (totals.isError) return <ErrorState error={totals.error} retry={() => void totals.refetch()} />;
  const stats = totals.data;

  if (stats.sessionCount === 0) {
    return (
      <>
        <PageHeader title="Overview" description="Nothing synced yet. Connect an agent and your sessions appear here as they happen." />
        <EmptyState title="Connect your first agent">
          <div className="mt-4">
            <AgentSetupGuide />
          </div>
        </EmptyState>
      </>
    );
  }

  const heatValues = new Map((year.data?.groups ?? []).filter((g) => g.key).map((g) => [g.key as string, view.metric === "cost" ? g.totalCost : g.totalTokens]));
  const modelShares = topShares(Object.entries(stats.modelUsage).map(([k, v]) => [k, view.metric === "cost" ? v.cost : v.tokens]), 6);
  const projectShares = topShares((projects.data?.groups ?? []).map((g) => [g.key ?? "(no project)", view.metric === "cost" ? g.totalCost : g.totalTokens]), 6);
  const fmt = view.metric === "cost" ? formatCost : formatTokens;

  return (
    <>
      <PageHeader title="Overview" description="Everything your agents did, in one place." />
      <StatCards stats={stats} projects={projects.data?.groups?.length} />
      <div className="mt-4">
        <UsagePanel view={view} onChange={setView} />
      </div>
      <section className="card mt-4 p-4" aria-labelledby="activity-title">
        <h2 id="activity-title" className="mb-3 text-sm font-semibold">
          Activity <span className="font-normal muted">· click a day to see its sessions</span>
        </h2>
        {year.isError ? (
          <ErrorState error={year.error} retry={() => void year.refetch()} />
        ) : (
          <ActivityHeatmap
            values={heatValues}
            metric={view.metric}
            onSelect={(key) => {
              const from = dayKeyStart(key);
              const to = dayKeyEnd(key);
              navigate(`/sessions?from=${from}&to=${to}&day=${key}`);
            }}
          />
        )}
      </section>
      <div className="mt-4 grid gap-4 lg:grid-cols-3">
        <section className="card p-4" aria-labelledby="models-title">
          <h2 id="models-title" className="mb-3 text-sm font-semibold">
            Models
          </h2>
          <BarList items={modelShares} format={fmt} />
        </section>
        <section className="card p-4" aria-labelledby="projects-title">
          <h2 id="projects-title" className="mb-3 text-sm font-semibold">
            Top projects
          </h2>
          <BarList
            items={projectShares}
            format={fmt}
            renderKey={(k) =>
              k === "Other" || k === "(no project)" ? k : (
                <Link className="hover:underline" to={`/sessions?project=${encodeURIComponent(k)}`}>
                  {shortProject(k)}
                </Link>
              )
            }
          />
        </section>
        <section className="card p-4" aria-labelledby="recent-title">
          <div className="mb-3 flex items-center justify-between">
            <h2 id="recent-title" className="text-sm font-semibold">
              Recent sessions
            </h2>
            <Link to="/sessions" className="text-xs font-medium text-accent-600 hover:underline dark:text-accent-400">
              All sessions →
            </Link>
          </div>
          {recent.isError ? (
            <ErrorState error={recent.error} retry={() => void recent.refetch()} />
          ) : (
            <ul className="-mx-2 divide-y divide-zinc-100 dark:divide-zinc-800">
              {(recent.data?.sessions ?? []).map((s) => (
                <li key={s.id}>
                  <Link to={`/sessions/${encodeURIComponent(s.id)}`} className="block rounded-lg px-2 py-2 hover:bg-zinc-50 dark:hover:bg-zinc-800/60">
                    <p className="truncate text-sm font-medium">{s.title || "Untitled session"}</p>
                    <p className="truncate text-xs muted">
                      {agentName(s.source)} · {shortProject(s.projectPath ?? s.projectName)} · {formatTokens(s.totalTokens)} · {formatCost(s.cost)} · {formatRelative(s.updatedAt)}
                    </p>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </>
  );
}
