import { serve, type ServerType } from "@hono/node-server";
import type { Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp, type App } from "./app.js";
import { databasePath, type ServerConfig } from "./config.js";
import { SemanticSearch } from "./embeddings/index.js";
import { removeInstanceFile, writeInstanceFile } from "./instance-file.js";
import { createLogger, type Logger } from "./logger.js";
import { openSqliteStore } from "./store/sqlite/open.js";
import type { Store } from "./store/types.js";

export interface RunningServer {
  url: string;
  port: number;
  store: Store;
  app: App;
  logger: Logger;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), flushes, closes the store. */
  close(graceMs?: number): Promise<void>;
}

export async function openStore(config: ServerConfig): Promise<Store> {
  return openSqliteStore({ path: databasePath(config), synchronous: config.sqliteSynchronous });
}

export function baseUrl(config: ServerConfig, port: number): string {
  if (config.publicUrl) return config.publicUrl;
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host.includes(":") ? `[${config.host}]` : config.host;
  return `http://${host}:${port}`;
}

export async function startServer(config: ServerConfig, options: { store?: Store; logger?: Logger; announce?: (line: string) => void } = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const store = options.store ?? (await openStore(config));
  const built = createApp(config, store, logger);
  built.apiLog.start();

  /** Stops what createApp started (request log, embedding worker) and the store; streams are closed first by the caller. */
  const stopBackground = async () => {
    await built.apiLog.stop();
    // The embedding worker writes through its own connection: stop it (its round in flight
    // finishes) and close that connection before the store's, so nothing touches a closed file.
    const semantic = built.services.search.semantic;
    if (semantic instanceof SemanticSearch) await semantic.close();
    await store.close();
  };

  let server: HttpServer;
  try {
    server = await new Promise<HttpServer>((resolve, reject) => {
      const s: ServerType = serve({ fetch: built.app.fetch, port: config.port, hostname: config.host }, () => resolve(s as HttpServer));
      s.once("error", reject);
    });
  } catch (err) {
    // A taken port: the background workers must not keep the process alive after the error.
    built.closeStreams(); // also stops the full-text indexer thread
    await stopBackground().catch(() => {});
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const url = baseUrl(config, port);
  logger.info({ url, backend: store.backend, dataDir: config.dataDir }, "OpenSync server listening");
  try {
    writeInstanceFile(config.dataDir, url);
  } catch (err) {
    logger.warn({ err: (err as Error).message }, "could not write server.json in the data dir (admin commands will not find this server)");
  }

  const announce = options.announce ?? ((line: string) => process.stdout.write(line + "\n"));
  if (!(await built.services.accounts.hasOwner())) {
    const token = await built.services.accounts.createClaimToken();
    announce(`No owner account exists yet. Open this one-time link to create it:\n  ${url}/claim?token=${token}`);
  }

  let closing: Promise<void> | undefined;
  const close = (graceMs = 10_000) =>
    (closing ??= (async () => {
      built.closeStreams();
      await new Promise<void>((resolve) => {
        // A connection whose response started before close() (an event stream, a slow upload)
        // turns idle keep-alive when it ends; sweep those instead of waiting out keepAliveTimeout.
        const sweep = setInterval(() => server.closeIdleConnections(), 50).unref();
        const force = setTimeout(() => {
          clearInterval(sweep);
          server.closeAllConnections();
          resolve();
        }, graceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      });
      removeInstanceFile(config.dataDir);
      await stopBackground();
      logger.info("OpenSync server stopped");
    })());

  return { url, port, store, app: built, logger, close };
}
