import type { Command } from "commander";
import { createInterface } from "node:readline/promises";
import { OpenSyncClient } from "@opensync/protocol/client";
import { AGENTS, checkConnection, collectorContext, fingerprintOf, knownDestination, loadCredentials, loadSettings, removeCredentials, resolveDestination, saveCredentials, stateDir, StateStore } from "@opensync/collectors";
import { CliError, EXIT, printJson } from "../output.js";

async function ask(question: string, hidden = false): Promise<string> {
  if (!process.stdin.isTTY) throw new CliError(`${question.replace(/:\s*$/, "")} is required (pass it as a flag when not on a terminal)`, EXIT.usage);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (hidden) (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => process.stderr.write(s.includes(question) ? s : "");
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
    if (hidden) process.stderr.write("\n");
  }
}

function exitFor(report: Awaited<ReturnType<typeof checkConnection>>): number {
  if (!report.reachable) return EXIT.unreachable;
  if (report.authorized === false) return EXIT.unauthorized;
  return EXIT.ok;
}

export function registerAccount(program: Command): void {
  program
    .command("login")
    .description("store the server URL and API key in ~/.opensync/credentials.json (mode 0600)")
    .option("--url <url>", "server URL, e.g. http://127.0.0.1:8790")
    .option("--key <key>", "API key (osk_…), from the dashboard or `opensync admin create-key`")
    .option("--json", "machine-readable output")
    .addHelpText("after", "\nExamples:\n  opensync login\n  opensync login --url https://opensync.example.com --key osk_…")
    .action(async (opts: { url?: string; key?: string; json?: boolean }) => {
      const url = opts.url ?? (await ask("Server URL: "));
      const key = opts.key ?? (await ask("API key: ", true));
      if (!/^https?:\/\//i.test(url)) throw new CliError(`--url must start with http:// or https://, got "${url}"`, EXIT.usage);
      const report = await checkConnection(url, key);
      if (!report.reachable) throw new CliError(`cannot reach ${report.serverUrl}: ${report.error}`, EXIT.unreachable);
      if (!report.authorized) throw new CliError(`the server refused the key: ${report.error}`, EXIT.unauthorized);
      const path = saveCredentials({ serverUrl: report.serverUrl, apiKey: key });
      if (opts.json) printJson({ ok: true, serverUrl: report.serverUrl, email: report.email, credentials: path });
      else process.stdout.write(`Logged in to ${report.serverUrl} as ${report.email}. Credentials saved to ${path}\n`);
    });

  program
    .command("logout")
    .description("remove the stored credentials")
    .action(() => {
      process.stdout.write(removeCredentials() ? "Logged out.\n" : "Not logged in.\n");
    });

  program
    .command("verify")
    .description("check that the server answers and accepts the key (exit 0 ok, 3 not logged in, 4 unreachable, 5 key refused)")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }) => {
      const creds = loadCredentials();
      if (!creds.serverUrl || !creds.apiKey) throw new CliError("not logged in: run `opensync login`", EXIT.notConfigured);
      const report = await checkConnection(creds.serverUrl, creds.apiKey);
      if (opts.json) printJson(report);
      else if (exitFor(report) === EXIT.ok) process.stdout.write(`OK: ${report.serverUrl} (version ${report.version}) accepts the key of ${report.email}\n`);
      else process.stdout.write(`FAILED: ${report.serverUrl}: ${report.error}\n`);
      process.exitCode = exitFor(report);
    });

  program
    .command("status")
    .description("connection, and per agent: sources (transcript files, databases) found, synced and pending, sessions on the server, last sync")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }) => {
      const creds = loadCredentials();
      const connection = creds.serverUrl ? await checkConnection(creds.serverUrl, creds.apiKey) : undefined;
      const settings = loadSettings();
      const ctx = collectorContext(process.env, settings);
      const state = new StateStore(stateDir());
      try {
        const runs = new Map(state.lastRuns().map((r) => [r.agent, r]));
        const client = creds.serverUrl ? new OpenSyncClient({ baseUrl: creds.serverUrl, apiKey: creds.apiKey, timeoutMs: 10_000 }) : undefined;
        // "Synced" is per destination (this server and account): ask the server who we are when it
        // answers, else use what the last sync learned.
        const destination = client ? (connection?.authorized ? await resolveDestination(state, client).catch(() => undefined) : undefined) ?? knownDestination(state, client) : undefined;
        const checkpoints = destination ? state.checkpoints(destination) : undefined;
        const rejections = destination ? state.rejections(destination) : undefined;
        const agents = [];
        for (const agent of AGENTS) {
          const units = await agent.discover(ctx).catch(() => []);
          let synced = 0;
          let partial = 0;
          for (const unit of units) {
            // Synced only when a read reached the end, every chunk was acknowledged, and the unit
            // has not changed since; a read that stopped halfway is pending, however old the file.
            if (checkpoints?.isUpToDate(unit.key, await fingerprintOf(agent, unit))) synced++;
            else if (checkpoints?.get(unit.key)?.complete === false) partial++;
          }
          const run = runs.get(agent.id);
          const onServer = client && connection?.authorized ? (await client.listSessionIds(agent.id).catch(() => undefined))?.sessionIds.length ?? null : null;
          const rejected = rejections?.list(agent.id, 20) ?? [];
          agents.push({
            agent: agent.id,
            name: agent.displayName,
            enabled: !(settings.disabledAgents ?? []).includes(agent.id),
            found: units.length,
            synced,
            pending: units.length - synced,
            interrupted: partial,
            rejected: rejections?.count(agent.id) ?? 0,
            rejectedItems: rejected.map((r) => ({ kind: r.kind, sessionExternalId: r.sessionExternalId, externalId: r.externalId, error: r.error, source: r.unitKey.slice(agent.id.length + 1), at: r.at })),
            sessionsOnServer: onServer,
            lastSyncAt: run?.finishedAt ?? null,
            lastError: run?.error ?? null,
          });
        }
        if (opts.json) {
          printJson({ serverUrl: creds.serverUrl ?? null, connection: connection ?? null, destination: destination ?? null, machine: ctx.machine, agents });
        } else {
          if (!connection) process.stdout.write("Server: not logged in (run `opensync login`)\n");
          else if (!connection.reachable) process.stdout.write(`Server: ${connection.serverUrl} unreachable (${connection.error})\n`);
          else if (connection.authorized === false) process.stdout.write(`Server: ${connection.serverUrl} refuses the key\n`);
          else process.stdout.write(`Server: ${connection.serverUrl} (version ${connection.version}) as ${connection.email ?? "?"}\n`);
          process.stdout.write(`Machine: ${ctx.machine}\n\n`);
          process.stdout.write(`${"agent".padEnd(13)}${"sources".padStart(8)}${"synced".padStart(8)}${"pending".padStart(9)}${"sessions on server".padStart(20)}  last sync\n`);
          for (const a of agents) {
            const last = a.lastSyncAt ? new Date(a.lastSyncAt).toLocaleString() : "never";
            process.stdout.write(`${a.agent.padEnd(13)}${String(a.found).padStart(8)}${String(a.synced).padStart(8)}${String(a.pending).padStart(9)}${String(a.sessionsOnServer ?? "?").padStart(20)}  ${last}${a.enabled ? "" : " (disabled)"}${a.lastError ? `  error: ${a.lastError}` : ""}\n`);
            if (a.interrupted) process.stdout.write(`  ${a.interrupted} source(s) partly synced (an interrupted sync): \`opensync sync\` sends the rest\n`);
            if (a.rejected) {
              process.stdout.write(`  ${a.rejected} item(s) rejected by the server (details: \`opensync status --json\`, ~/.opensync/logs/sync.log):\n`);
              for (const r of a.rejectedItems.slice(0, 3)) process.stdout.write(`    ${r.kind} ${r.externalId ?? "?"} in session ${r.sessionExternalId ?? "?"}: ${r.error}\n`);
            }
          }
        }
        if (connection) process.exitCode = exitFor(connection);
        else process.exitCode = EXIT.notConfigured;
      } finally {
        state.close();
      }
    });
}
