import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { client } from "../../api/client";
import { CommandLine } from "../../components/ui/copy-button";
import { ErrorState, LoadingBlock, PageHeader } from "../../components/ui/states";
import { curlExample, endpointsByTag, type Endpoint, type OpenApiDocument } from "./openapi";

const METHOD_CLASS: Record<string, string> = {
  GET: "bg-emerald-100 text-emerald-800 dark:bg-emerald-500/15 dark:text-emerald-300",
  POST: "bg-sky-100 text-sky-800 dark:bg-sky-500/15 dark:text-sky-300",
  PATCH: "bg-amber-100 text-amber-800 dark:bg-amber-500/15 dark:text-amber-300",
  PUT: "bg-amber-100 text-amber-800 dark:bg-amber-500/15 dark:text-amber-300",
  DELETE: "bg-red-100 text-red-800 dark:bg-red-500/15 dark:text-red-300",
};

/** `/api/openapi.json` has no typed client method (it is a document, not data): `raw` fetches it. */
function useOpenApi() {
  return useQuery({
    queryKey: ["openapi"],
    queryFn: () => client.openApiDocument<OpenApiDocument>(),
    staleTime: Infinity,
  });
}

export default function DocsPage() {
  const spec = useOpenApi();
  const origin = window.location.origin;
  const [filter, setFilter] = useState("");
  return (
    <>
      <PageHeader title="Docs" description="Connect agents, use the API, run the server." />
      <div className="grid gap-4 lg:grid-cols-2">
        <section className="card min-w-0 p-5" aria-labelledby="plugins-title">
          <h2 id="plugins-title" className="text-base font-semibold">
            Plugins and hooks
          </h2>
          <p className="mt-1 text-sm muted">Point the machine at this server once, then connect each agent.</p>
          <div className="mt-3 space-y-2">
            <CommandLine command={`npx opensync login --url ${origin} --key osk_…`} />
            <CommandLine command="npx opensync setup claude-code" />
            <CommandLine command="npx opensync setup opencode" />
            <CommandLine command="npx opensync setup codex" />
            <CommandLine command="npx opensync watch" />
          </div>
        </section>
        <section className="card min-w-0 p-5" aria-labelledby="mcp-title">
          <h2 id="mcp-title" className="text-base font-semibold">
            MCP: past sessions as tools
          </h2>
          <p className="mt-1 text-sm muted">Agents can search your sessions, read one, and pull token-bounded context.</p>
          <h3 className="mt-3 text-sm font-medium">Claude Code</h3>
          <div className="mt-1 space-y-2">
            <CommandLine command="claude mcp add --scope user opensync -- opensync mcp" />
            <CommandLine command={`claude mcp add --scope user --transport http opensync ${origin}/mcp --header "Authorization: Bearer osk_…"`} />
          </div>
          <h3 className="mt-3 text-sm font-medium">OpenCode (opencode.json)</h3>
          <div className="mt-1">
            <CommandLine command={JSON.stringify({ mcp: { opensync: { type: "remote", url: `${origin}/mcp`, headers: { Authorization: "Bearer osk_…" } } } }, null, 2)} />
          </div>
        </section>
      </div>
      <section className="card mt-4 p-5" aria-labelledby="hosting-title">
        <h2 id="hosting-title" className="text-base font-semibold">
          Self-hosting
        </h2>
        <ul className="mt-2 list-disc space-y-1 pl-5 text-sm muted [overflow-wrap:anywhere]">
          <li>
            One process, one SQLite file: <code className="font-mono">npx opensync serve --host 0.0.0.0 --data-dir /var/lib/opensync</code>. Back up <code className="font-mono">opensync.db</code> (WAL mode: copy with <code className="font-mono">sqlite3 .backup</code>).
          </li>
          <li>
            Behind a TLS proxy set <code className="font-mono">OPENSYNC_PUBLIC_URL</code> so links and secure cookies use the public address.
          </li>
          <li>
            Single sign-on through the proxy: <code className="font-mono">OPENSYNC_TRUSTED_HEADER</code> (e.g. Remote-Email) with <code className="font-mono">OPENSYNC_TRUSTED_PROXIES</code>.
          </li>
          <li>
            Accounts: sign-up is closed unless <code className="font-mono">OPENSYNC_ALLOW_SIGNUP=true</code>; the owner adds users in Settings.
          </li>
        </ul>
      </section>
      <section className="mt-6" aria-labelledby="api-title">
        <div className="mb-3 flex flex-wrap items-end justify-between gap-2">
          <div>
            <h2 id="api-title" className="text-lg font-semibold">
              API reference
            </h2>
            <p className="text-sm muted">
              From this server's <a className="underline" href="/api/openapi.json">OpenAPI document</a>. Examples use <code className="font-mono">$OPENSYNC_API_KEY</code>: create a key in Settings.
            </p>
          </div>
          <label className="sr-only" htmlFor="api-filter">
            Filter endpoints
          </label>
          <input id="api-filter" data-page-search className="input max-w-xs" type="search" placeholder="Filter endpoints…" value={filter} onChange={(e) => setFilter(e.target.value)} />
        </div>
        {spec.isPending ? (
          <LoadingBlock rows={3} label="Loading the API reference" />
        ) : spec.isError ? (
          <ErrorState title="The API reference is not available" error={spec.error} retry={() => void spec.refetch()} />
        ) : (
          <ApiReference doc={spec.data} origin={origin} filter={filter} />
        )}
      </section>
    </>
  );
}

function ApiReference({ doc, origin, filter }: { doc: OpenApiDocument; origin: string; filter: string }) {
  const needle = filter.trim().toLowerCase();
  const groups = endpointsByTag(doc)
    .map(([tag, eps]) => [tag, eps.filter((e) => !needle || `${e.method} ${e.path} ${e.op.summary ?? ""}`.toLowerCase().includes(needle))] as const)
    .filter(([, eps]) => eps.length > 0);
  if (groups.length === 0) return <p className="text-sm muted">No endpoint matches.</p>;
  return (
    <div className="space-y-5">
      {groups.map(([tag, eps]) => (
        <section key={tag} aria-label={tag}>
          <h3 className="mb-2 text-sm font-semibold uppercase tracking-wide muted">{tag}</h3>
          <div className="space-y-2">
            {eps.map((e) => (
              <EndpointCard key={`${e.method} ${e.path}`} e={e} origin={origin} />
            ))}
          </div>
        </section>
      ))}
    </div>
  );
}

function EndpointCard({ e, origin }: { e: Endpoint; origin: string }) {
  return (
    <details className="card group">
      <summary className="flex items-center gap-3 px-4 py-2.5">
        <span className={`w-16 shrink-0 rounded px-1.5 py-0.5 text-center font-mono text-xs font-semibold ${METHOD_CLASS[e.method] ?? ""}`}>{e.method}</span>
        <code className="min-w-0 truncate font-mono text-sm">{e.path}</code>
        <span className="ml-auto hidden truncate text-sm muted md:inline">{e.op.summary}</span>
      </summary>
      <div className="space-y-3 border-t border-zinc-200 px-4 py-3 text-sm dark:border-zinc-800">
        {e.op.summary && <p className="md:hidden">{e.op.summary}</p>}
        {e.op.description && <p className="whitespace-pre-line muted">{e.op.description}</p>}
        {(e.op.parameters?.length ?? 0) > 0 && (
          <div tabIndex={0} role="region" aria-label="Parameters" className="overflow-x-auto">
            <table className="w-full text-left text-xs">
              <thead className="muted">
                <tr>
                  <th className="py-1 pr-3 font-medium">Parameter</th>
                  <th className="py-1 pr-3 font-medium">In</th>
                  <th className="py-1 font-medium">Description</th>
                </tr>
              </thead>
              <tbody>
                {e.op.parameters!.map((p) => (
                  <tr key={`${p.in}-${p.name}`} className="align-top">
                    <td className="py-1 pr-3 font-mono">
                      {p.name}
                      {p.required ? <span className="text-red-600 dark:text-red-400">*</span> : ""}
                    </td>
                    <td className="py-1 pr-3 muted">{p.in}</td>
                    <td className="py-1 muted">
                      {p.description}
                      {p.schema?.enum ? ` (${p.schema.enum.join(", ")})` : ""}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {e.op.responses && (
          <p className="text-xs muted">
            Responses:{" "}
            {Object.entries(e.op.responses)
              .map(([code, r]) => `${code}${r.description ? ` ${r.description}` : ""}`)
              .join(" · ")}
          </p>
        )}
        <CommandLine command={curlExample(origin, e)} label="Copy curl example" />
      </div>
    </details>
  );
}
