import { InvalidArgumentError, type Command } from "commander";
import { CliError, EXIT } from "../output.js";

export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be 0-65535, got "${value}"`);
  return n;
}

/** Turns "address in use" into advice; everything else passes through. */
export function explainListenError(err: unknown, host: string, port: number): never {
  if ((err as { code?: string }).code === "EADDRINUSE") {
    throw new CliError(`port ${port} on ${host} is already in use: is OpenSync already running? Pick another with --port (or OPENSYNC_PORT).`);
  }
  throw err;
}

/** Stops the server on SIGTERM/SIGINT: in-flight requests finish, then the database closes. */
export function closeOnSignals(close: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(130); // a second Ctrl-C forces
    stopping = true;
    process.stderr.write(`\n${signal} received, shutting down…\n`);
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

const EMBEDDING_PROVIDERS = ["local", "openai", "off"] as const;
type EmbeddingProvider = (typeof EMBEDDING_PROVIDERS)[number];

export function parseEmbeddingProvider(value: string): EmbeddingProvider {
  const v = value.trim().toLowerCase();
  if (!(EMBEDDING_PROVIDERS as readonly string[]).includes(v)) throw new InvalidArgumentError(`--embeddings must be one of ${EMBEDDING_PROVIDERS.join(", ")}, got "${value}"`);
  return v as EmbeddingProvider;
}

export function parseDimensions(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`--embeddings-dimensions must be a positive integer, got "${value}"`);
  return n;
}

export interface ServeOptions {
  port?: number;
  host?: string;
  dataDir?: string;
  embeddings?: EmbeddingProvider;
  embeddingsModel?: string;
  embeddingsModelPath?: string;
  embeddingsUrl?: string;
  embeddingsApiKey?: string;
  embeddingsDimensions?: number;
}

/** The server configuration's flag layer: each flag wins over its OPENSYNC_* variable. */
export function serveFlags(opts: ServeOptions) {
  return {
    port: opts.port,
    host: opts.host,
    dataDir: opts.dataDir,
    embeddings: {
      provider: opts.embeddings,
      model: opts.embeddingsModel,
      modelPath: opts.embeddingsModelPath,
      url: opts.embeddingsUrl,
      apiKey: opts.embeddingsApiKey,
      dimensions: opts.embeddingsDimensions,
    },
  };
}

const SERVE_EXAMPLES = `
Examples:
  opensync serve
  opensync serve --host 0.0.0.0 --port 8080 --data-dir /var/lib/opensync
  opensync serve --embeddings off
  opensync serve --embeddings local --embeddings-model-path /srv/models/all-MiniLM-L6-v2
  opensync serve --embeddings openai --embeddings-url http://localhost:11434/v1 --embeddings-model nomic-embed-text
  OPENSYNC_EMBEDDINGS_API_KEY=sk-... opensync serve --embeddings openai --embeddings-model text-embedding-3-small --embeddings-dimensions 512

Semantic search (each flag wins over its environment variable):
  local   a small model on the CPU (default Xenova/all-MiniLM-L6-v2, downloaded once into <data-dir>/models,
          or read from --embeddings-model-path with nothing downloaded)
  openai  any OpenAI-compatible /v1/embeddings API (OpenAI, Ollama, LM Studio)
  off     no embeddings; full-text search only`;

/** The `--embeddings*` flags (serve, and `admin reindex` when it embeds in its own process). */
export function addEmbeddingOptions(command: Command, { provider = true } = {}): Command {
  if (provider) command.option("--embeddings <provider>", "semantic search: local, openai or off (env OPENSYNC_EMBEDDINGS, default local)", parseEmbeddingProvider);
  return command
    .option("--embeddings-model <id>", "hub model id (local) or API model name (openai) (env OPENSYNC_EMBEDDINGS_MODEL)")
    .option("--embeddings-model-path <dir>", "local: a model directory to load instead of downloading (env OPENSYNC_EMBEDDINGS_MODEL_PATH)")
    .option("--embeddings-url <url>", "openai: base URL up to /v1 (env OPENSYNC_EMBEDDINGS_URL, default https://api.openai.com/v1)")
    .option("--embeddings-api-key <key>", "openai: API key (env OPENSYNC_EMBEDDINGS_API_KEY; prefer the variable: flags show in `ps`)")
    .option("--embeddings-dimensions <n>", "openai: ask for shorter vectors, for models that can (env OPENSYNC_EMBEDDINGS_DIMENSIONS)", parseDimensions);
}

export function registerServe(program: Command): void {
  const command = program
    .command("serve")
    .description("run the OpenSync server on the embedded SQLite store")
    .option("--port <n>", "port (env OPENSYNC_PORT, default 8790)", parsePort)
    .option("--host <host>", "address to bind (env OPENSYNC_HOST, default 127.0.0.1)")
    .option("--data-dir <dir>", "where the database lives (env OPENSYNC_DATA_DIR, default ~/.opensync/server)");
  addEmbeddingOptions(command)
    .addHelpText("after", SERVE_EXAMPLES)
    .action(async (opts: ServeOptions) => {
      // The server package loads only for commands that run it, so `sync` and hooks start fast.
      const { loadConfig, startServer } = await import("@opensync/server");
      let config: ReturnType<typeof loadConfig>;
      try {
        config = loadConfig(serveFlags(opts));
      } catch (err) {
        throw new CliError((err as Error).message, EXIT.usage);
      }
      const server = await startServer(config).catch((err) => explainListenError(err, config.host, config.port));
      process.stdout.write(`OpenSync is running at ${server.url}\n`);
      closeOnSignals(() => server.close());
    });
}
