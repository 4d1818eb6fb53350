import { useStats } from "../../api/stats";
import { AgentSetupGuide } from "../../components/setup/agent-setup";
import { AGENT_SETUPS, agentName } from "../../components/setup/agents";
import { formatInteger, formatRelative } from "../../lib/format";
import { Section } from "./section";

/** Which agents have sent sessions here, and how to connect the others. */
export function AgentsSection() {
  const bySource = useStats({ groupBy: "source" });
  const seen = new Map((bySource.data?.groups ?? []).filter((g) => g.key).map((g) => [g.key as string, g]));
  const others = [...seen.keys()].filter((k) => !AGENT_SETUPS.some((a) => a.source === k));
  return (
    <Section id="agents" title="Agents" description="Agents that have synced here, and the commands to connect each one on a machine.">
      <ul className="mb-5 grid gap-2 sm:grid-cols-2 lg:grid-cols-4">
        {[...AGENT_SETUPS.map((a) => a.source), ...others].map((source) => {
          const g = seen.get(source);
          return (
            <li key={source} className="rounded-lg border border-zinc-200 p-3 dark:border-zinc-800">
              <p className="flex items-center gap-2 text-sm font-medium">
                <span aria-hidden className={`size-2 rounded-full ${g ? "bg-emerald-500" : "bg-zinc-300 dark:bg-zinc-600"}`} />
                {agentName(source)}
              </p>
              <p className="mt-0.5 text-xs muted">{g ? `${formatInteger(g.sessionCount)} sessions` : "Not connected yet"}</p>
            </li>
          );
        })}
      </ul>
      <AgentSetupGuide />
      {bySource.data?.lastSessionAt && <p className="mt-4 text-xs muted">Last session synced {formatRelative(bySource.data.lastSessionAt)}.</p>}
    </Section>
  );
}
