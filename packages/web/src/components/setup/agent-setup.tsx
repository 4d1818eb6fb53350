import { Link } from "react-router";
import { CommandLine } from "../ui/copy-button";
import { AGENT_SETUPS } from "./agents";

/** Connect this machine, then each agent: copyable commands, nothing to guess. */
export function AgentSetupGuide({ showConnect = true }: { showConnect?: boolean }) {
  const origin = window.location.origin;
  return (
    <div className="min-w-0 space-y-5 text-left">
      {showConnect && (
        <section>
          <h3 className="text-sm font-semibold">1. Point this machine at the server</h3>
          <p className="mt-1 text-sm muted">
            On the machine where you run OpenSync with <code className="font-mono">npm start</code>, this is done already. Elsewhere, create an API key in{" "}
            <Link className="underline" to="/settings#keys">
              Settings
            </Link>{" "}
            and run:
          </p>
          <div className="mt-2">
            <CommandLine command={`npx opensync login --url ${origin} --key osk_…`} />
          </div>
        </section>
      )}
      <section>
        <h3 className="text-sm font-semibold">{showConnect ? "2. " : ""}Connect your agents</h3>
        <div className="mt-2 grid gap-3 md:grid-cols-2">
          {AGENT_SETUPS.map((a) => (
            <div key={a.source} className="min-w-0 rounded-lg border border-zinc-200 p-3 dark:border-zinc-800">
              <p className="text-sm font-medium">{a.name}</p>
              <p className="mb-2 text-xs muted">{a.how}</p>
              {a.commands.map((c) => (
                <CommandLine key={c} command={c} label={`Copy the ${a.name} command`} />
              ))}
            </div>
          ))}
        </div>
      </section>
      <section>
        <h3 className="text-sm font-semibold">{showConnect ? "3. " : ""}Bring in what you already have</h3>
        <p className="mt-1 text-sm muted">Imports every session your agents keep on this machine; safe to run again.</p>
        <div className="mt-2">
          <CommandLine command="npx opensync import" label="Copy the import command" />
        </div>
      </section>
    </div>
  );
}
