import { useApiLogs } from "../../api/account";
import { ErrorState, LoadingBlock } from "../../components/ui/states";
import { formatDateTime, formatDuration } from "../../lib/format";
import { Section } from "./section";

const statusClass = (s: number) => (s >= 500 ? "text-red-600 dark:text-red-400" : s >= 400 ? "text-amber-700 dark:text-amber-400" : "text-emerald-700 dark:text-emerald-400");

/** The server's request log for my keys: endpoint patterns only, never ids, queries or bodies. */
export function LogsSection() {
  const logs = useApiLogs(100);
  return (
    <Section id="requests" title="Recent API requests" description="The last calls made with your keys and this browser, as the server logged them.">
      {logs.isPending ? (
        <LoadingBlock rows={2} label="Loading requests" />
      ) : logs.isError ? (
        <ErrorState error={logs.error} retry={() => void logs.refetch()} />
      ) : logs.data.length === 0 ? (
        <p className="text-sm muted">No requests logged yet.</p>
      ) : (
        <div tabIndex={0} role="region" aria-label="Request log" className="max-h-96 overflow-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
          <table className="w-full min-w-[36rem] text-left text-sm">
            <thead className="sticky top-0 bg-zinc-50 text-xs uppercase tracking-wide muted dark:bg-zinc-900">
              <tr>
                <th className="px-3 py-2 font-medium">Time</th>
                <th className="px-3 py-2 font-medium">Endpoint</th>
                <th className="px-3 py-2 font-medium">Status</th>
                <th className="px-3 py-2 text-right font-medium">Duration</th>
                <th className="px-3 py-2 font-medium">Key</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {logs.data.map((l, i) => (
                <tr key={`${l.createdAt}-${i}`}>
                  <td className="whitespace-nowrap px-3 py-1.5 text-xs muted">{formatDateTime(l.createdAt)}</td>
                  <td className="px-3 py-1.5 font-mono text-xs">
                    {l.method} {l.endpoint}
                  </td>
                  <td className={`px-3 py-1.5 tabular font-medium ${statusClass(l.status)}`}>{l.status}</td>
                  <td className="px-3 py-1.5 text-right tabular">{formatDuration(l.durationMs)}</td>
                  <td className="px-3 py-1.5 text-xs">{l.keyName ?? <span className="muted">browser</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}
