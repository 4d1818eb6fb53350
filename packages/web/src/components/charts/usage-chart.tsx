import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatCost, formatDate, formatTokens } from "../../lib/format";
import { useTheme } from "../../lib/theme";
import { tokenKinds, type Bucket, type DayPoint, type Metric, type StackedSeries } from "./shape";
import { SERIES_COLORS, TOKEN_KIND_COLORS, TOKEN_KIND_LABELS, axisColors } from "./palette";

const label = (p: DayPoint, bucket: Bucket) => {
  const d = new Date(p.start);
  if (bucket === "month") return d.toLocaleDateString("en-US", { month: "short", year: "2-digit" });
  return d.toLocaleDateString("en-US", { month: "short", day: "numeric" });
};

/**
 * Tokens (stacked by kind: input, output, cache read, cache write) or cost per day/week/month.
 * The table fallback below the chart carries the same numbers for screen readers.
 */
export function UsageChart({ points, metric, bucket, height = 260, stacked, seriesLabel = (k) => k }: { points: DayPoint[]; metric: Metric; bucket: Bucket; height?: number; stacked?: StackedSeries; seriesLabel?: (key: string) => string }) {
  const { isDark } = useTheme();
  const c = axisColors(isDark);
  const data: Record<string, string | number>[] = stacked
    ? stacked.rows.map((r) => ({ ...r, name: label({ start: r.start } as DayPoint, bucket) }))
    : points.map((p) => ({ name: label(p, bucket), start: p.start, cost: p.cost, ...tokenKinds(p) }));
  const fmt = metric === "cost" ? formatCost : formatTokens;
  const total = points.reduce((s, p) => s + (metric === "cost" ? p.cost : p.tokens), 0);
  return (
    <figure aria-label={`${metric === "cost" ? "Cost" : "Tokens"} per ${bucket}: ${fmt(total)} in total`}>
      <div style={{ height }} aria-hidden>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid vertical={false} stroke={c.grid} />
            <XAxis dataKey="name" tick={{ fill: c.text, fontSize: 11 }} tickLine={false} axisLine={{ stroke: c.grid }} minTickGap={16} />
            <YAxis tick={{ fill: c.text, fontSize: 11 }} tickLine={false} axisLine={false} width={52} tickFormatter={(v: number) => fmt(v)} />
            <Tooltip
              cursor={{ fill: c.cursor }}
              contentStyle={{ background: isDark ? "#18181b" : "#fff", border: `1px solid ${c.grid}`, borderRadius: 8, fontSize: 12 }}
              labelFormatter={(_, payload) => (payload?.[0] ? formatDate((payload[0].payload as { start: number }).start) : "")}
              formatter={(v) => fmt(Number(v))}
            />
            {stacked ? (
              stacked.series.map((k, i) => (
                <Bar key={k} dataKey={k} name={seriesLabel(k)} stackId="s" fill={k === "Other" ? "#94a3b8" : SERIES_COLORS[i % SERIES_COLORS.length]} radius={i === stacked.series.length - 1 ? [3, 3, 0, 0] : undefined} isAnimationActive={false} />
              ))
            ) : metric === "cost" ? (
              <Bar dataKey="cost" name="Cost" fill="#6366f1" radius={[3, 3, 0, 0]} isAnimationActive={false} />
            ) : (
              (["input", "output", "cacheWrite", "cacheRead"] as const).map((k, i, all) => (
                <Bar key={k} dataKey={k} name={TOKEN_KIND_LABELS[k]} stackId="t" fill={TOKEN_KIND_COLORS[k]} radius={i === all.length - 1 ? [3, 3, 0, 0] : undefined} isAnimationActive={false} />
              ))
            )}
            {(stacked || metric === "tokens") && <Legend iconType="circle" iconSize={8} wrapperStyle={{ fontSize: 12, color: c.text }} />}
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
