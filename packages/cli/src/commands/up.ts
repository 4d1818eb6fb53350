import type { Command } from "commander";
import { hostname, userInfo } from "node:os";
import { chunkTransform, collectorContext, createRedactor, loadCredentials, loadSettings, runSync, saveCredentials, selectAgents, stateDir, StateStore, withSyncLease, writeFileAtomic, type SyncContext } from "@opensync/collectors";
import { OpenSyncClient } from "@opensync/protocol/client";
import { ProgressBar } from "../progress.js";
import { explainListenError, parsePort } from "./serve.js";
import { printSummary } from "./sync.js";
import { startWatching } from "./watch.js";

interface UpFlags {
  port?: number;
  host?: string;
  dataDir?: string;
  import?: boolean;
  watch?: boolean;
}

/**
 * `opensync up`: server on the embedded store, the local owner and a device key (first run),
 * a one-time login link, an import of this machine's history, then watching for new sessions.
 */
export function registerUp(program: Command): void {
  program
    .command("up")
    .description("start OpenSync locally: server + dashboard, import this machine's agent history, keep watching")
    .option("--port <n>", "port (env OPENSYNC_PORT, default 8790)", parsePort)
    .option("--host <host>", "address to bind (env OPENSYNC_HOST, default 127.0.0.1)")
    .option("--data-dir <dir>", "server data dir (env OPENSYNC_DATA_DIR, default ~/.opensync/server)")
    .option("--no-import", "do not import existing history")
    .option("--no-watch", "do not watch for new sessions")
    .addHelpText("after", "\nExample:\n  opensync up          # then open the printed link")
    .action(async (flags: UpFlags) => {
      const { AccountsService, ensureDeviceKey, loadConfig, localOwnerEmail, openStore, startServer } = await import("@opensync/server");
      const config = loadConfig({ port: flags.port, host: flags.host, dataDir: flags.dataDir });
      const store = await openStore(config);
      const accounts = new AccountsService(store);
      const identity = await ensureDeviceKey(store, accounts, {
        dataDir: config.dataDir,
        email: localOwnerEmail(userInfo().username),
        keyName: `${hostname()} (opensync up)`,
        write: (path, text) => writeFileAtomic(path, text),
      });
      const server = await startServer(config, { store }).catch(async (err) => {
        await store.close();
        return explainListenError(err, config.host, config.port);
      });

      // This machine's plugins and `opensync sync` use the local server unless configured for another.
      const creds = loadCredentials();
      if (!creds.serverUrl || creds.serverUrl === server.url) saveCredentials({ serverUrl: server.url, apiKey: identity.apiKey });
      else process.stdout.write(`Note: ~/.opensync/credentials.json points to ${creds.serverUrl}; left unchanged.\n`);

      const loginToken = await accounts.createLoginToken(identity.owner.id);
      process.stdout.write(`\nOpenSync is running at ${server.url}\nOpen this one-time link to sign in:\n  ${server.url}/?token=${loginToken}\n\n`);

      const settings = loadSettings();
      const context: SyncContext = {
        client: new OpenSyncClient({ baseUrl: server.url, apiKey: identity.apiKey, timeoutMs: 120_000 }),
        state: new StateStore(stateDir()),
        redactor: createRedactor({ disabled: settings.redaction?.enabled === false, disable: settings.redaction?.disable }),
        ctx: collectorContext(process.env, settings),
        settings,
        serverUrl: server.url,
        transformChunk: chunkTransform(),
      };
      if (flags.import !== false) {
        const bar = new ProgressBar();
        process.stdout.write("Importing this machine's agent history…\n");
        try {
          const summary = await withSyncLease(
            context.state,
            () => runSync({ client: context.client, state: context.state, ctx: context.ctx, agents: selectAgents(undefined, settings), redactor: context.redactor, transformChunk: context.transformChunk, onProgress: (p) => bar.update(p) }),
            { waitMs: 60_000, who: "opensync up" },
          );
          bar.done();
          if (summary) printSummary(summary);
        } catch (err) {
          bar.done();
          process.stdout.write(`Import stopped: ${(err as Error).message}. It resumes on the next start.\n`);
        }
      }
      const watcher = flags.watch !== false ? startWatching(context, undefined, (line) => process.stdout.write(line + "\n")) : undefined;
      if (watcher) {
        await watcher.ready;
        process.stdout.write("Watching for new sessions. Press Ctrl-C to stop.\n");
      }

      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) process.exit(130);
        stopping = true;
        process.stderr.write(`\n${signal} received, shutting down…\n`);
        await watcher?.close();
        context.state.close();
        await server.close();
        process.exit(0);
      };
      process.on("SIGINT", () => void stop("SIGINT"));
      process.on("SIGTERM", () => void stop("SIGTERM"));
    });
}
