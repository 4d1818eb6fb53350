import { useId, useMemo, useState } from "react";
import { Link } from "react-router";
import type { StatsGroupRow } from "@opensync/protocol";
import { formatCost, formatDuration, formatInteger, formatTokens, shortProject } from "../../lib/format";

type Column = "key" | "sessionCount" | "messageCount" | "totalTokens" | "totalCost" | "totalDurationMs";
const COLUMNS: { id: Column; label: string; numeric: boolean }[] = [
  { id: "key", label: "Project", numeric: false },
  { id: "sessionCount", label: "Sessions", numeric: true },
  { id: "messageCount", label: "Messages", numeric: true },
  { id: "totalTokens", label: "Tokens", numeric: true },
  { id: "totalCost", label: "Cost", numeric: true },
  { id: "totalDurationMs", label: "Time", numeric: true },
];

/** Sortable (click a header), searchable projects table. */
export function ProjectsTable({ rows }: { rows: StatsGroupRow[] }) {
  const [sort, setSort] = useState<{ by: Column; desc: boolean }>({ by: "totalTokens", desc: true });
  const [q, setQ] = useState("");
  const searchId = useId();
  const shown = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const filtered = rows.filter((r) => !needle || (r.key ?? "").toLowerCase().includes(needle));
    return filtered.sort((a, b) => {
      const av = a[sort.by] ?? "";
      const bv = b[sort.by] ?? "";
      const cmp = typeof av === "number" && typeof bv === "number" ? av - bv : String(av).localeCompare(String(bv));
      return sort.desc ? -cmp : cmp;
    });
  }, [rows, sort, q]);
  return (
    <div>
      <label htmlFor={searchId} className="sr-only">
        Search projects
      </label>
      <input id={searchId} className="input mb-3 max-w-xs" type="search" placeholder="Search projects…" value={q} onChange={(e) => setQ(e.target.value)} />
      <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
        <table className="w-full min-w-[40rem] text-sm">
          <thead className="bg-zinc-50 text-xs uppercase tracking-wide dark:bg-zinc-900">
            <tr>
              {COLUMNS.map((c) => (
                <th key={c.id} scope="col" aria-sort={sort.by === c.id ? (sort.desc ? "descending" : "ascending") : "none"} className={`px-3 py-2 font-medium ${c.numeric ? "text-right" : "text-left"}`}>
                  <button type="button" className="muted hover:text-zinc-900 dark:hover:text-zinc-100" onClick={() => setSort({ by: c.id, desc: sort.by === c.id ? !sort.desc : c.numeric })}>
                    {c.label}
                    {sort.by === c.id ? (sort.desc ? " ↓" : " ↑") : ""}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {shown.map((r) => (
              <tr key={r.key ?? "(none)"}>
                <td className="max-w-xs truncate px-3 py-2" title={r.key ?? undefined}>
                  {r.key ? (
                    <Link className="font-medium hover:underline" to={`/sessions?project=${encodeURIComponent(r.key)}`}>
                      {shortProject(r.key)}
                    </Link>
                  ) : (
                    <span className="muted">(no project)</span>
                  )}
                </td>
                <td className="px-3 py-2 text-right tabular">{formatInteger(r.sessionCount)}</td>
                <td className="px-3 py-2 text-right tabular">{formatInteger(r.messageCount)}</td>
                <td className="px-3 py-2 text-right tabular">{formatTokens(r.totalTokens)}</td>
                <td className="px-3 py-2 text-right tabular">{formatCost(r.totalCost)}</td>
                <td className="px-3 py-2 text-right tabular">{formatDuration(r.totalDurationMs)}</td>
              </tr>
            ))}
            {shown.length === 0 && (
              <tr>
                <td colSpan={COLUMNS.length} className="px-3 py-4 text-center muted">
                  No project matches.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </div>
  );
}
