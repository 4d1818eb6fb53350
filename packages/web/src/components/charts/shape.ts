import type { StatsGroupRow } from "@opensync/protocol";
import { dayKeyStart, localDayKey } from "../../lib/format";

/** Data shaping for the charts: pure functions over `/api/stats` rows, tested on their own. */

export type Metric = "tokens" | "cost";
export type Bucket = "day" | "week" | "month";

export interface DayPoint {
  /** `YYYY-MM-DD`, local day (the server cuts days with our `tzOffset`). */
  key: string;
  start: number;
  sessions: number;
  tokens: number;
  cost: number;
  promptTokens: number;
  completionTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
}

const DAY_MS = 86_400_000;

const emptyPoint = (key: string): DayPoint => ({
  key, start: dayKeyStart(key), sessions: 0, tokens: 0, cost: 0, promptTokens: 0, completionTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0,
});

/** The local day keys from `from` to `to`, inclusive, one per calendar day (DST-safe). */
export function dayKeys(from: number, to: number): string[] {
  const keys: string[] = [];
  const d = new Date(dayKeyStart(localDayKey(from)));
  const last = localDayKey(to);
  for (let guard = 0; guard < 4000; guard++) {
    const key = localDayKey(d.getTime());
    keys.push(key);
    if (key >= last) break;
    d.setDate(d.getDate() + 1);
  }
  return keys;
}

/** One point per day in the range, zeros where the server had no row (charts need no gaps). */
export function fillDays(rows: StatsGroupRow[] | undefined, from: number, to: number): DayPoint[] {
  const byKey = new Map((rows ?? []).filter((r) => r.key).map((r) => [r.key as string, r]));
  return dayKeys(from, to).map((key) => {
    const r = byKey.get(key);
    if (!r) return emptyPoint(key);
    return {
      key,
      start: dayKeyStart(key),
      sessions: r.sessionCount,
      tokens: r.totalTokens,
      cost: r.totalCost,
      promptTokens: r.promptTokens,
      completionTokens: r.completionTokens,
      cacheReadTokens: r.cacheReadTokens,
      cacheWriteTokens: r.cacheWriteTokens,
      reasoningTokens: r.reasoningTokens,
    };
  });
}

/** The key of the week (Monday) or month a day belongs to. */
export function bucketKey(dayKey: string, bucket: Bucket): string {
  if (bucket === "day") return dayKey;
  if (bucket === "month") return dayKey.slice(0, 7);
  const d = new Date(dayKeyStart(dayKey));
  const mondayOffset = (d.getDay() + 6) % 7;
  d.setDate(d.getDate() - mondayOffset);
  return localDayKey(d.getTime());
}

/** Sums days into weeks (starting Monday) or months, keeping order. */
export function bucketize(days: DayPoint[], bucket: Bucket): DayPoint[] {
  if (bucket === "day") return days;
  const out = new Map<string, DayPoint>();
  for (const p of days) {
    const key = bucketKey(p.key, bucket);
    const acc = out.get(key) ?? { ...emptyPoint(bucket === "month" ? `${key}-01` : key), key };
    acc.sessions += p.sessions;
    acc.tokens += p.tokens;
    acc.cost += p.cost;
    acc.promptTokens += p.promptTokens;
    acc.completionTokens += p.completionTokens;
    acc.cacheReadTokens += p.cacheReadTokens;
    acc.cacheWriteTokens += p.cacheWriteTokens;
    acc.reasoningTokens += p.reasoningTokens;
    out.set(key, acc);
  }
  return [...out.values()];
}

/** Running totals of every numeric field (the "cumulative" toggle). */
export function cumulative(points: DayPoint[]): DayPoint[] {
  const acc = emptyPoint(points[0]?.key ?? "1970-01-01");
  return points.map((p) => {
    acc.sessions += p.sessions;
    acc.tokens += p.tokens;
    acc.cost += p.cost;
    acc.promptTokens += p.promptTokens;
    acc.completionTokens += p.completionTokens;
    acc.cacheReadTokens += p.cacheReadTokens;
    acc.cacheWriteTokens += p.cacheWriteTokens;
    acc.reasoningTokens += p.reasoningTokens;
    return { ...acc, key: p.key, start: p.start };
  });
}

/**
 * Input tokens that were neither cache reads nor writes. Agents report `promptTokens` either
 * including the cache (OpenAI style) or excluding it (Anthropic style); the store keeps what the
 * total counts, so "fresh input" is what remains of the total after the other kinds.
 */
export function tokenKinds(p: Pick<DayPoint, "tokens" | "completionTokens" | "cacheReadTokens" | "cacheWriteTokens" | "reasoningTokens">) {
  const output = p.completionTokens + p.reasoningTokens;
  const input = Math.max(0, p.tokens - output - p.cacheReadTokens - p.cacheWriteTokens);
  return { input, output, cacheRead: p.cacheReadTokens, cacheWrite: p.cacheWriteTokens };
}

export interface Share { key: string; value: number; share: number }

/** The biggest `n` entries by value, the rest summed into "Other"; shares of the whole. */
export function topShares(entries: [string, number][], n: number): Share[] {
  const sorted = entries.filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
  const total = sorted.reduce((s, [, v]) => s + v, 0);
  if (total === 0) return [];
  const head = sorted.slice(0, n).map(([key, value]) => ({ key, value, share: value / total }));
  const rest = sorted.slice(n).reduce((s, [, v]) => s + v, 0);
  if (rest > 0) head.push({ key: "Other", value: rest, share: rest / total });
  return head;
}

export interface HeatCell { key: string; value: number; level: 0 | 1 | 2 | 3 | 4; inRange: boolean }

/**
 * A year of days as weeks (columns, oldest first) of 7 days (rows, Monday first), ending with the
 * week of `today`. Levels split the non-zero days at their quartiles, so one huge day does not
 * flatten everything else to the lowest colour.
 */
export function heatmapWeeks(values: Map<string, number>, today: number, weeks = 53): HeatCell[][] {
  const end = new Date(dayKeyStart(localDayKey(today)));
  const start = new Date(end);
  start.setDate(start.getDate() - ((end.getDay() + 6) % 7) - (weeks - 1) * 7);
  const todayKey = localDayKey(today);
  const nonZero = [...values.values()].filter((v) => v > 0).sort((a, b) => a - b);
  const q = (f: number) => nonZero[Math.min(nonZero.length - 1, Math.floor(f * nonZero.length))] ?? 0;
  const cuts = [q(0.25), q(0.5), q(0.75)];
  const level = (v: number): HeatCell["level"] => (v <= 0 ? 0 : v <= cuts[0] ? 1 : v <= cuts[1] ? 2 : v <= cuts[2] ? 3 : 4);
  const out: HeatCell[][] = [];
  const d = new Date(start);
  for (let w = 0; w < weeks; w++) {
    const col: HeatCell[] = [];
    for (let i = 0; i < 7; i++) {
      const key = localDayKey(d.getTime());
      const value = values.get(key) ?? 0;
      col.push({ key, value, level: level(value), inRange: key <= todayKey });
      d.setDate(d.getDate() + 1);
    }
    out.push(col);
  }
  return out;
}

/** `from` for "the last N days" including today: local midnight N-1 days ago. */
export function rangeStart(days: number, now = Date.now()): number {
  const d = new Date(dayKeyStart(localDayKey(now)));
  d.setDate(d.getDate() - (days - 1));
  return d.getTime();
}

export { DAY_MS };

export type StackBy = "kind" | "model" | "source";

/** One bar per period with a value per series (the top models or agents, the rest as "Other"). */
export interface StackedSeries {
  series: string[];
  rows: ({ key: string; start: number } & Record<string, number | string>)[];
}

/**
 * Per-period totals split by model or agent, from the server's local days with their `split`
 * (`/api/stats?groupBy=day&splitBy=model|source`, exact, from the rollups). Keeps the `top`
 * biggest series over the range and folds the rest into "Other", so the legend stays readable;
 * sessions without a model are "unknown".
 */
export function stackSplit(days: StatsGroupRow[], metric: Metric, from: number, to: number, bucket: Bucket, top = 5): StackedSeries {
  const value = (t: StatsGroupRow) => (metric === "cost" ? t.totalCost : t.totalTokens);
  const name = (t: StatsGroupRow) => t.key ?? "unknown";
  const inRange = new Set(dayKeys(from, to));
  const cells = days.filter((d) => d.key && inRange.has(d.key)).flatMap((d) => (d.split ?? []).map((t) => ({ day: d.key!, name: name(t), value: value(t) })));
  const totals = new Map<string, number>();
  for (const c of cells) totals.set(c.name, (totals.get(c.name) ?? 0) + c.value);
  const ranked = [...totals.entries()].filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).map(([k]) => k);
  const kept = new Set(ranked.slice(0, top));
  const series = [...ranked.slice(0, top), ...(ranked.length > top ? ["Other"] : [])];
  const periods = new Map<string, StackedSeries["rows"][number]>();
  for (const key of inRange) {
    const b = bucketKey(key, bucket);
    if (!periods.has(b)) periods.set(b, { key: b, start: dayKeyStart(bucket === "month" ? `${b}-01` : b), ...Object.fromEntries(series.map((s) => [s, 0])) });
  }
  for (const c of cells) {
    const seriesName = kept.has(c.name) ? c.name : "Other";
    if (!series.includes(seriesName)) continue;
    const row = periods.get(bucketKey(c.day, bucket))!;
    row[seriesName] = (row[seriesName] as number) + c.value;
  }
  return { series, rows: [...periods.values()] };
}
