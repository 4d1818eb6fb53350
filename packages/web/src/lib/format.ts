/** Numbers, money, durations and dates as a person reads them (1.2M tokens, $3.41, 2h 05m). */

const compact = (n: number, unit: number, suffix: string) => {
  const v = n / unit;
  // One decimal below 100 of the unit (1.2M, 12.5K), none above (125K), never "1.0M".
  const text = v >= 100 ? Math.round(v).toString() : (Math.round(v * 10) / 10).toString();
  return `${text}${suffix}`;
};

/** 999 → "999", 1_234 → "1.2K", 1_250_000 → "1.3M", 3e9 → "3B". */
export function formatTokens(n: number | null | undefined): string {
  const v = Number(n ?? 0);
  if (!Number.isFinite(v)) return "0";
  const sign = v < 0 ? "-" : "";
  const a = Math.abs(v);
  if (a < 1000) return sign + Math.round(a).toString();
  // Above 100 of a unit no decimals are shown, so 999_500 would read "1000K": it reads "1M".
  if (a < 999_500) return sign + compact(a, 1e3, "K");
  if (a < 999_500_000) return sign + compact(a, 1e6, "M");
  return sign + compact(a, 1e9, "B");
}

/** Exact count with thousands separators, for tooltips and tables: 1234567 → "1,234,567". */
export function formatInteger(n: number | null | undefined): string {
  return Math.round(Number(n ?? 0)).toLocaleString("en-US");
}

/** $3.41; below a cent "<$0.01" (but exactly 0 is "$0.00"); thousands separated: $12,345.67. */
export function formatCost(n: number | null | undefined): string {
  const v = Number(n ?? 0);
  if (!Number.isFinite(v) || v === 0) return "$0.00";
  if (v > 0 && v < 0.01) return "<$0.01";
  return v.toLocaleString("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** Unit prices, where cents are too coarse: 0.0015 → "$0.0015", 0.42 → "$0.42". */
export function formatUnitCost(n: number | null | undefined): string {
  const v = Number(n ?? 0);
  if (!Number.isFinite(v) || v === 0) return "$0.00";
  if (Math.abs(v) >= 0.01) return formatCost(v);
  return `$${Number(v.toPrecision(2)).toFixed(Math.min(8, 1 - Math.floor(Math.log10(Math.abs(v)))))}`;
}

/** 0.4 → "40%", 0.0512 → "5.1%": one decimal below ten percent, where it still matters. */
export function formatPercent(ratio: number | null | undefined): string {
  const v = Number(ratio ?? 0) * 100;
  if (!Number.isFinite(v)) return "0%";
  if (v !== 0 && Math.abs(v) < 10) return `${(Math.round(v * 10) / 10).toString()}%`;
  return `${Math.round(v)}%`;
}

/** 850 → "850ms", 42_000 → "42s", 125_000 → "2m 05s", 7_500_000 → "2h 05m", 3 days → "3d 0h". */
export function formatDuration(ms: number | null | undefined): string {
  const v = Math.max(0, Number(ms ?? 0));
  if (!Number.isFinite(v)) return "0s";
  if (v < 1000) return `${Math.round(v)}ms`;
  const totalSeconds = Math.round(v / 1000);
  if (totalSeconds < 60) return `${totalSeconds}s`;
  const pad = (n: number) => n.toString().padStart(2, "0");
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes < 60) return `${totalMinutes}m ${pad(totalSeconds % 60)}s`;
  const totalHours = Math.floor(totalMinutes / 60);
  if (totalHours < 24) return `${totalHours}h ${pad(totalMinutes % 60)}m`;
  return `${Math.floor(totalHours / 24)}d ${totalHours % 24}h`;
}

/** "Jan 5, 2026, 14:03" in the viewer's timezone. */
export function formatDateTime(ms: number, timeZone?: string): string {
  return new Date(ms).toLocaleString("en-US", {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false, timeZone,
  });
}

/** "Jan 5, 2026" in the viewer's timezone. */
export function formatDate(ms: number, timeZone?: string): string {
  return new Date(ms).toLocaleDateString("en-US", { year: "numeric", month: "short", day: "numeric", timeZone });
}

/** "just now", "5m ago", "3h ago", "2d ago", then the date. */
export function formatRelative(ms: number, now = Date.now()): string {
  const diff = now - ms;
  if (diff < 45_000) return "just now";
  const minutes = Math.round(diff / 60_000);
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.round(diff / 3_600_000);
  if (hours < 24) return `${hours}h ago`;
  const days = Math.round(diff / 86_400_000);
  if (days < 7) return `${days}d ago`;
  const sameYear = new Date(ms).getFullYear() === new Date(now).getFullYear();
  return sameYear ? new Date(ms).toLocaleDateString("en-US", { month: "short", day: "numeric" }) : formatDate(ms);
}

/** The local calendar day of a timestamp as `YYYY-MM-DD` (the key the charts and filters use). */
export function localDayKey(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => n.toString().padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Local midnight of a `YYYY-MM-DD` key, as epoch ms. */
export function dayKeyStart(key: string): number {
  const [y, m, d] = key.split("-").map(Number);
  return new Date(y, m - 1, d).getTime();
}

/** The last millisecond of a local day (the next local midnight minus 1: days are 23 or 25 hours at DST changes). */
export function dayKeyEnd(key: string): number {
  const d = new Date(dayKeyStart(key));
  d.setDate(d.getDate() + 1);
  return d.getTime() - 1;
}

/** Minutes east of UTC, what `/api/stats?tzOffset=` expects. */
export function tzOffsetMinutes(at = new Date()): number {
  return -at.getTimezoneOffset();
}

/** The last path segment of a project path, for tight spaces. */
export function shortProject(path: string | null | undefined): string {
  if (!path) return "—";
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}
