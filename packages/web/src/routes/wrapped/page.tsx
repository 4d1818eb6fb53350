import { useMemo, useRef, useState } from "react";
import { useSearchParams } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { client, errorMessage } from "../../api/client";
import { useStats } from "../../api/stats";
import { agentName } from "../../components/setup/agents";
import { ErrorState, LoadingBlock, PageHeader } from "../../components/ui/states";
import { dayKeyEnd, dayKeyStart, formatCost, formatDate, formatDuration, formatInteger, formatTokens, localDayKey, shortProject } from "../../lib/format";
import { topShares } from "../../components/charts/shape";

/**
 * A card for one day (`/wrapped?day=2026-03-09`), downloadable as a PNG drawn in the browser
 * (html-to-image: the card's DOM is painted onto a canvas; no image service sees the data).
 */
export default function WrappedPage() {
  const [params, setParams] = useSearchParams();
  const today = localDayKey(Date.now());
  const raw = params.get("day");
  // Without `?day=`, the last day anything happened (today is often still empty).
  const all = useStats({});
  const lastActive = all.data?.lastSessionAt ? localDayKey(all.data.lastSessionAt) : today;
  const day = raw && /^\d{4}-\d{2}-\d{2}$/.test(raw) && raw <= today ? raw : lastActive;
  const shift = (days: number) => {
    const d = new Date(dayKeyStart(day));
    d.setDate(d.getDate() + days);
    const key = localDayKey(d.getTime());
    if (key <= today) setParams({ day: key }, { replace: true });
  };
  const from = dayKeyStart(day);
  const to = dayKeyEnd(day);
  const totals = useStats({ from, to, groupBy: "project" });
  const longest = useQuery({
    queryKey: ["sessions", "longest", from],
    queryFn: async () => (await client.listSessions({ from, to, sort: "durationMs", order: "desc", limit: 1 })).sessions[0] ?? null,
  });
  const card = useRef<HTMLDivElement>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);

  const models = useMemo(() => topShares(Object.entries(totals.data?.modelUsage ?? {}).map(([k, v]) => [k, v.tokens]), 3), [totals.data]);
  const projects = useMemo(() => topShares((totals.data?.groups ?? []).map((g) => [g.key ?? "(no project)", g.totalTokens]), 3), [totals.data]);
  const agents = useMemo(() => topShares(Object.entries(totals.data?.sourceUsage ?? {}).map(([k, v]) => [k, v.sessions]), 3), [totals.data]);

  async function download() {
    if (!card.current) return;
    setSaving(true);
    setSaveError(null);
    try {
      const { toPng } = await import("html-to-image");
      const url = await toPng(card.current, { pixelRatio: 2, cacheBust: false });
      const a = document.createElement("a");
      a.href = url;
      a.download = `opensync-${day}.png`;
      a.click();
    } catch (err) {
      setSaveError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  }

  const s = totals.data;
  return (
    <>
      <PageHeader
        title="Daily summary"
        description="Your day with the agents, as a card to keep or share."
        actions={
          <>
            <label className="sr-only" htmlFor="wrapped-day">
              Day
            </label>
            <button type="button" className="btn px-2" onClick={() => shift(-1)} aria-label="Previous day">
              ←
            </button>
            <input id="wrapped-day" className="input w-auto" type="date" max={today} value={day} onChange={(e) => e.target.value && setParams({ day: e.target.value }, { replace: true })} />
            <button type="button" className="btn px-2" onClick={() => shift(1)} disabled={day >= today} aria-label="Next day">
              →
            </button>
            <button type="button" className="btn-primary" onClick={download} disabled={saving || !s}>
              {saving ? "Rendering…" : "Download PNG"}
            </button>
          </>
        }
      />
      {saveError && <p role="alert" className="mb-3 text-sm text-red-600 dark:text-red-400">Could not render the image: {saveError}</p>}
      {totals.isError ? (
        <ErrorState error={totals.error} retry={() => void totals.refetch()} />
      ) : !s ? (
        <LoadingBlock rows={3} label="Loading the day" />
      ) : (
        <div className="mx-auto max-w-xl">
          {/* The card has its own fixed colours so the PNG looks the same in either theme. */}
          <div ref={card} data-testid="wrapped-card" className="overflow-hidden rounded-2xl bg-gradient-to-br from-indigo-600 via-violet-600 to-fuchsia-600 p-6 text-white shadow-lg sm:p-8">
            <p className="text-sm font-medium text-white/80">OpenSync · daily summary</p>
            <p className="mt-1 text-2xl font-bold sm:text-3xl">{formatDate(from)}</p>
            {s.sessionCount === 0 ? (
              <p className="mt-8 text-lg text-white/90">No sessions on this day. A day off for the agents.</p>
            ) : (
              <>
                <div className="mt-6 grid grid-cols-2 gap-4">
                  <Big label="Sessions" value={formatInteger(s.sessionCount)} />
                  <Big label="Tokens" value={formatTokens(s.totalTokens)} />
                  <Big label="Cost" value={formatCost(s.totalCost)} />
                  <Big label="Agent time" value={formatDuration(s.totalDurationMs)} />
                </div>
                <div className="mt-6 grid gap-4 sm:grid-cols-2">
                  <Top title="Top models" items={models.map((m) => [m.key, formatTokens(m.value)])} />
                  <Top title="Top projects" items={projects.map((p) => [p.key === "Other" ? p.key : shortProject(p.key), formatTokens(p.value)])} />
                </div>
                {agents.length > 0 && <p className="mt-4 text-sm text-white/85">Agents: {agents.map((a) => `${agentName(a.key)} (${a.value})`).join(", ")}</p>}
                {longest.data && (
                  <div className="mt-5 rounded-xl bg-white/15 p-3">
                    <p className="text-xs font-medium uppercase tracking-wide text-white/75">Longest session</p>
                    <p className="mt-0.5 truncate font-semibold">{longest.data.title || "Untitled session"}</p>
                    <p className="text-sm text-white/85">
                      {formatDuration(longest.data.durationMs)} · {formatTokens(longest.data.totalTokens)} tokens · {agentName(longest.data.source)}
                    </p>
                  </div>
                )}
              </>
            )}
          </div>
        </div>
      )}
    </>
  );
}

function Big({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <p className="text-xs font-medium uppercase tracking-wide text-white/75">{label}</p>
      <p className="text-3xl font-bold tabular">{value}</p>
    </div>
  );
}

function Top({ title, items }: { title: string; items: [string, string][] }) {
  return (
    <div>
      <p className="text-xs font-medium uppercase tracking-wide text-white/75">{title}</p>
      <ol className="mt-1 space-y-0.5 text-sm">
        {items.map(([k, v]) => (
          <li key={k} className="flex justify-between gap-2">
            <span className="truncate">{k}</span>
            <span className="shrink-0 tabular text-white/85">{v}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
