import type { ReactNode } from "react";
import type { Message } from "@opensync/protocol";
import type { ViewerSession } from "./timeline";
import { formatCost, formatDateTime, formatDuration, formatInteger, formatTokens, shortProject } from "../../lib/format";

/** The models a session used, most used first (a session can switch models mid-way). */
export function modelsOf(session: ViewerSession, messages: Message[]): string[] {
  const counts = new Map<string, number>();
  for (const m of messages) if (m.model) counts.set(m.model, (counts.get(m.model) ?? 0) + 1);
  if (session.model && !counts.has(session.model)) counts.set(session.model, 0);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([m]) => m);
}

/**
 * Title and stats: tokens by kind, cost, duration, model(s), agent, project, branch, machine.
 * `owner` false (the public page) leaves out the machine and the project's path.
 */
export function SessionHeader({ session, models, owner, actions }: { session: ViewerSession; models: string[]; owner: boolean; actions?: ReactNode }) {
  const tokenKinds: [string, number][] = [
    ["Input", session.promptTokens],
    ["Output", session.completionTokens],
    ["Cache read", session.cacheReadTokens],
    ["Cache write", session.cacheWriteTokens],
    ["Reasoning", session.reasoningTokens],
  ];
  const facts: [string, ReactNode][] = [
    ["Agent", session.source],
    ["Model", models.length ? models.join(", ") : "—"],
    ["Project", owner ? <span title={session.projectPath ?? undefined}>{session.projectName ?? shortProject(session.projectPath)}</span> : session.projectName ?? "—"],
    ["Branch", session.gitBranch ?? "—"],
    ...(owner ? ([["Machine", session.machine ?? "—"]] as [string, ReactNode][]) : []),
    ["Started", formatDateTime(session.createdAt)],
  ];
  return (
    <header className="mb-4 space-y-3">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <h1 className="min-w-0 break-words text-xl font-semibold tracking-tight sm:text-2xl">{session.title || "Untitled session"}</h1>
        {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
      </div>
      <dl className="grid grid-cols-2 gap-2 sm:grid-cols-4">
        <Stat label="Tokens" value={formatTokens(session.totalTokens)} title={`${formatInteger(session.totalTokens)} tokens`} />
        <Stat label="Cost" value={formatCost(session.cost)} />
        <Stat label="Duration" value={formatDuration(session.durationMs)} />
        <Stat label="Messages" value={formatInteger(session.messageCount)} />
      </dl>
      <div className="card p-3 text-xs">
        <dl className="flex flex-wrap gap-x-5 gap-y-1.5">
          {tokenKinds.map(([label, n]) => (
            <div key={label} className="flex gap-1.5">
              <dt className="muted">{label}</dt>
              <dd className="font-medium tabular" title={formatInteger(n)}>{formatTokens(n)}</dd>
            </div>
          ))}
        </dl>
        <dl className="mt-2 flex flex-wrap gap-x-5 gap-y-1.5 border-t border-zinc-200 pt-2 dark:border-zinc-800">
          {facts.map(([label, value]) => (
            <div key={label} className="flex min-w-0 gap-1.5">
              <dt className="muted">{label}</dt>
              <dd className="min-w-0 break-all font-medium">{value}</dd>
            </div>
          ))}
        </dl>
      </div>
    </header>
  );
}

function Stat({ label, value, title }: { label: string; value: string; title?: string }) {
  return (
    <div className="card px-3 py-2">
      <dt className="text-xs muted">{label}</dt>
      <dd className="text-lg font-semibold tabular" title={title}>{value}</dd>
    </div>
  );
}
