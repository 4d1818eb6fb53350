import { useId, useState } from "react";
import type { ApiKeyInfo, CreatedApiKey } from "@opensync/protocol";
import { useApiKeys, useCreateKey, useRevokeKey } from "../../api/account";
import { errorMessage } from "../../api/client";
import { CommandLine, CopyButton } from "../../components/ui/copy-button";
import { ConfirmDialog } from "../../components/ui/dialog";
import { ErrorState, LoadingBlock } from "../../components/ui/states";
import { formatDateTime, formatRelative } from "../../lib/format";
import { Section } from "./section";

export function KeysSection() {
  const keysQuery = useApiKeys();
  const create = useCreateKey();
  const revoke = useRevokeKey();
  const [name, setName] = useState("");
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKeyInfo | null>(null);
  const nameId = useId();
  return (
    <Section id="keys" title="API keys" description="For plugins, hooks, the CLI on other machines, and scripts. A key is shown once, when it is created.">
      <form
        className="flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(name.trim(), { onSuccess: (k) => { setCreated(k); setName(""); } });
        }}
      >
        <div className="min-w-0 flex-1 basis-56">
          <label htmlFor={nameId} className="label">
            Key name
          </label>
          <input id={nameId} className="input" placeholder="e.g. work laptop" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <button type="submit" className="btn-primary" disabled={create.isPending || !name.trim()}>
          Create key
        </button>
      </form>
      {create.isError && <p role="alert" className="mt-2 text-sm text-red-600 dark:text-red-400">{errorMessage(create.error)}</p>}
      {created && (
        <div role="status" className="mt-4 rounded-lg border border-emerald-300 bg-emerald-50 p-3 dark:border-emerald-700/60 dark:bg-emerald-900/20">
          <p className="text-sm font-medium">Key “{created.name}” created. Copy it now: it will not be shown again.</p>
          <div className="mt-2 flex items-center gap-2">
            <code data-testid="new-key" className="min-w-0 flex-1 overflow-x-auto rounded bg-white px-2 py-1.5 font-mono text-xs dark:bg-zinc-950">
              {created.key}
            </code>
            <CopyButton text={created.key} label="Copy key" />
          </div>
          <p className="mt-3 text-xs muted">On another machine:</p>
          <div className="mt-1">
            <CommandLine command={`npx opensync login --url ${window.location.origin} --key ${created.key}`} label="Copy login command" />
          </div>
          <button type="button" className="mt-2 text-xs underline muted" onClick={() => setCreated(null)}>
            Done, hide it
          </button>
        </div>
      )}
      <div className="mt-5">
        {keysQuery.isPending ? (
          <LoadingBlock rows={2} label="Loading keys" />
        ) : keysQuery.isError ? (
          <ErrorState error={keysQuery.error} retry={() => void keysQuery.refetch()} />
        ) : keysQuery.data.length === 0 ? (
          <p className="text-sm muted">No keys yet.</p>
        ) : (
          <ul className="divide-y divide-zinc-100 rounded-lg border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800" aria-label="API keys">
            {keysQuery.data.map((k) => (
              <li key={k.id} className="flex flex-wrap items-center gap-3 px-3 py-2.5">
                <div className="min-w-0 flex-1">
                  <p className="truncate text-sm font-medium">{k.name}</p>
                  <p className="text-xs muted">
                    <code className="font-mono">{k.prefix}…</code> · created {formatDateTime(k.createdAt)} · {k.lastUsedAt ? `last used ${formatRelative(k.lastUsedAt)}` : "never used"}
                  </p>
                </div>
                <button type="button" className="btn" onClick={() => setRevoking(k)} aria-label={`Revoke ${k.name}`}>
                  Revoke
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke “${revoking?.name ?? ""}”?`}
        body="Anything still using this key (a plugin, a hook, the CLI) stops syncing at once."
        confirmLabel="Revoke key"
        busy={revoke.isPending}
        error={revoke.isError ? errorMessage(revoke.error) : null}
        onClose={() => setRevoking(null)}
        onConfirm={() => revoking && revoke.mutate(revoking.id, { onSuccess: () => setRevoking(null) })}
      />
    </Section>
  );
}
