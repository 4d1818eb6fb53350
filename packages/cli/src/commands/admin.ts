import type { Command } from "commander";
import { isEmailAddress } from "@opensync/protocol/email";
import type { AccountsService } from "@opensync/server";

const server = () => import("@opensync/server");
const reindexing = () => import("@opensync/server/embeddings/reindex");
import { CliError, EXIT } from "../output.js";
import { addEmbeddingOptions, parseEmbeddingProvider, serveFlags, type ServeOptions } from "./serve.js";

async function withAccounts<T>(dataDir: string | undefined, fn: (accounts: AccountsService) => Promise<T>): Promise<T> {
  const { AccountsService, loadConfig, openStore } = await server();
  const store = await openStore(loadConfig({ dataDir }));
  try {
    return await fn(new AccountsService(store));
  } finally {
    await store.close();
  }
}

/** `--email`, trimmed and lower-cased, under the one email rule the server applies (@opensync/protocol). */
const validEmail = (email: string) => {
  const e = email.trim().toLowerCase();
  if (!isEmailAddress(e)) throw new CliError(`--email: "${email}" is not an email address (like name@example.com, or name@localhost)`, EXIT.usage);
  return e;
};

interface Progress { total: number; pending: number; failed: number }

/**
 * One progress line per index: a redrawn bar on a terminal (stderr), else a plain line at each
 * tenth and at the end (logs, CI).
 */
export class ReindexBar {
  private lastDraw = 0;
  private lastTenth = -1;
  constructor(private readonly label: string, private readonly tty = Boolean(process.stderr.isTTY)) {}

  static line(label: string, p: Progress, width = 24): string {
    const done = Math.max(0, p.total - p.pending);
    const ratio = p.total > 0 ? Math.min(done / p.total, 1) : 1;
    const filled = Math.round(ratio * width);
    return `${label.padEnd(10)} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}%  ${done.toLocaleString("en")}/${p.total.toLocaleString("en")}${p.failed ? `  failed ${p.failed.toLocaleString("en")}` : ""}`;
  }

  update(p: Progress, final = false): void {
    const line = ReindexBar.line(this.label, p);
    if (this.tty) {
      const now = Date.now();
      if (!final && now - this.lastDraw < 100) return;
      this.lastDraw = now;
      process.stderr.write(`\r${line}\x1b[K${final ? "\n" : ""}`);
      return;
    }
    const tenth = p.total > 0 ? Math.floor((10 * Math.max(0, p.total - p.pending)) / p.total) : 10;
    if (final || tenth > this.lastTenth) {
      this.lastTenth = tenth;
      process.stderr.write(line + "\n");
    }
  }
}

/** Is a server answering at this data dir's configured address? (`--url` names another.) */
async function runningServer(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url.replace(/\/+$/, "")}/api/health`, { signal: AbortSignal.timeout(1500) });
    return res.ok;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Follows a queue a running server drains, until it is empty, or until it has not moved for
 * `stallMs` (that server's worker is off or failing: say so rather than wait forever).
 */
async function follow(read: () => Progress, bar: ReindexBar, stallMs: number, what: string): Promise<Progress> {
  let last = read();
  let movedAt = Date.now();
  for (;;) {
    bar.update(last);
    if (last.pending === 0) return last;
    await sleep(250);
    const next = read();
    if (next.pending !== last.pending) movedAt = Date.now();
    last = next;
    if (Date.now() - movedAt > stallMs) {
      bar.update(last, true);
      throw new CliError(`${what}: the running server has not taken any queued item for ${Math.round(stallMs / 1000)} s (is its ${what === "embeddings" ? "embedding provider off or failing? see GET /api/search/status" : "full-text indexer running?"}); the work stays queued`, EXIT.failure);
    }
  }
}

interface ReindexOptions extends Omit<ServeOptions, "embeddings"> {
  /** `true` (bare flag) or a provider name. */
  embeddings?: boolean | string;
  fulltext?: boolean;
  force?: boolean;
  url?: string;
  wait?: boolean;
  stallSeconds?: number;
}

async function reindex(opts: ReindexOptions): Promise<void> {
  const { baseUrl, liveInstance, loadConfig } = await server();
  const { embeddingProgress, fulltextProgress, openMainDatabase, queueEmbeddings, queueFulltext, rebuildFulltext, runEmbeddings } = await reindexing();
  let config: ReturnType<typeof loadConfig>;
  try {
    const provider = typeof opts.embeddings === "string" ? parseEmbeddingProvider(opts.embeddings) : undefined;
    config = loadConfig(serveFlags({ ...opts, embeddings: provider }));
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
  const both = !opts.embeddings && !opts.fulltext;
  const doEmbeddings = both || Boolean(opts.embeddings);
  const doFulltext = both || Boolean(opts.fulltext);
  // A server owns this data dir if it recorded itself there (server.json) and answers; a server at
  // the configured URL may serve another data dir, and this one's may listen elsewhere.
  const instance = liveInstance(config.dataDir);
  const running = instance !== undefined && (await runningServer(instance.url));
  const url = instance?.url ?? baseUrl(config, config.port);
  let db;
  try {
    db = openMainDatabase(config);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.failure);
  }
  const stallMs = (opts.stallSeconds ?? 60) * 1000;
  const say = (line: string) => process.stderr.write(line + "\n");
  try {
    if (running) say(`The server at ${url} is running on this data dir: it does the work; following its progress.`);
    if (doFulltext) {
      const bar = new ReindexBar("full-text");
      if (running) {
        const total = queueFulltext(db);
        if (opts.wait !== false) bar.update(await follow(() => fulltextProgress(db, total), bar, stallMs, "full-text"), true);
        else say(`full-text: queued ${total.toLocaleString("en")} items`);
      } else {
        const done = rebuildFulltext(config, (p) => bar.update(p as Progress));
        bar.update(done, true);
      }
    }
    if (doEmbeddings) {
      const bar = new ReindexBar("embeddings");
      if (!running && config.embeddings.provider === "off") {
        throw new CliError("embeddings are off (OPENSYNC_EMBEDDINGS=off or --embeddings off): nothing to embed with; pass --fulltext alone, or name a provider", EXIT.usage);
      }
      const total = queueEmbeddings(db, { force: opts.force });
      if (running) {
        if (opts.wait !== false) bar.update(await follow(() => embeddingProgress(db, total), bar, stallMs, "embeddings"), true);
        else say(`embeddings: queued ${total.toLocaleString("en")} messages${opts.force ? " (forced: every chunk is embedded again)" : ""}`);
      } else {
        try {
          const done = await runEmbeddings(config, total, (p) => bar.update(p as Progress));
          bar.update(done, true);
          if (done.failed > 0) say(`embeddings: ${done.failed} message(s) the provider refused are marked failed (GET /api/search/status shows the last error)`);
        } catch (err) {
          throw new CliError(`embeddings: ${(err as Error).message}; the messages stay queued for the server`, EXIT.failure);
        }
      }
    }
  } finally {
    db.close();
  }
}

/** Headless account set-up for scripts and tests; works on the data dir directly. */
export function registerAdmin(program: Command): void {
  const admin = program.command("admin").description("manage users and keys directly in the data dir (no server needed)");

  admin
    .command("create-user")
    .description("create a user (or set the password of an existing one)")
    .requiredOption("--email <email>", "the user's email")
    .option("--password <password>", "password for dashboard login (8+ characters); omit for API-key-only users")
    .option("--name <name>", "display name")
    .option("--data-dir <dir>", "server data dir (env OPENSYNC_DATA_DIR)")
    .addHelpText("after", "\nExample:\n  opensync admin create-user --email me@example.com --password 'correct horse battery'")
    .action(async (opts: { email: string; password?: string; name?: string; dataDir?: string }) => {
      const email = validEmail(opts.email);
      if (opts.password !== undefined && opts.password.length < 8) throw new CliError("--password must be at least 8 characters", EXIT.usage);
      await withAccounts(opts.dataDir, async (accounts) => {
        try {
          const user = await accounts.createUser({ email, password: opts.password, name: opts.name });
          process.stdout.write(`created ${user.role} ${user.email} (id ${user.id})\n`);
        } catch (err) {
          if ((err as { status?: number }).status !== 409) throw err;
          const user = await accounts.ensureUser(email);
          if (opts.password) await accounts.setPassword(user.id, opts.password);
          process.stdout.write(`user ${email} already exists${opts.password ? "; password updated" : ""}\n`);
        }
      });
    });

  admin
    .command("login-link")
    .description("print a one-time sign-in link for a user (valid 24 h), e.g. for the owner `opensync up` created")
    .requiredOption("--email <email>", "the user's email")
    .option("--url <url>", "the server's address as the browser sees it (default: OPENSYNC_PUBLIC_URL or http://host:port)")
    .option("--data-dir <dir>", "server data dir (env OPENSYNC_DATA_DIR)")
    .addHelpText("after", "\nExample:\n  opensync admin login-link --email me@localhost")
    .action(async (opts: { email: string; url?: string; dataDir?: string }) => {
      const email = validEmail(opts.email);
      const { baseUrl, loadConfig } = await server();
      const config = loadConfig({ dataDir: opts.dataDir });
      await withAccounts(opts.dataDir, async (accounts) => {
        const user = await accounts.findUser(email);
        if (!user) throw new CliError(`no user ${email}; create it with \`opensync admin create-user\``, EXIT.failure);
        const token = await accounts.createLoginToken(user.id);
        process.stdout.write(`${(opts.url ?? baseUrl(config, config.port)).replace(/\/+$/, "")}/?token=${token}\n`);
      });
    });

  admin
    .command("create-key")
    .description("create an API key for a user (creating the user if missing); prints the key alone on the last line")
    .requiredOption("--email <email>", "the user's email")
    .requiredOption("--name <name>", "a name for the key, e.g. the machine it is for")
    .option("--data-dir <dir>", "server data dir (env OPENSYNC_DATA_DIR)")
    .addHelpText("after", "\nExample:\n  KEY=$(opensync admin create-key --email me@example.com --name laptop | tail -n1)")
    .action(async (opts: { email: string; name: string; dataDir?: string }) => {
      const email = validEmail(opts.email);
      await withAccounts(opts.dataDir, async (accounts) => {
        const user = await accounts.ensureUser(email);
        const created = await accounts.createKey(user.id, opts.name);
        process.stderr.write(`created key "${created.name}" for ${user.email}; it is shown once:\n`);
        process.stdout.write(created.key + "\n");
      });
    });

  const reindexCommand = admin
    .command("reindex")
    .description("rebuild the search indexes: embeddings and full-text (both when neither flag is given)")
    // Also takes serve's provider names: `--embeddings local` re-embeds with the local provider.
    .option("--embeddings [provider]", "re-embed every message (optionally naming the provider: local, openai, off, as for serve)")
    .option("--fulltext", "rebuild the full-text index")
    .option("--force", "embeddings: drop every chunk first, so all are embedded again (not only what is missing or changed)")
    .option("--url <url>", "deprecated, ignored: a server running on the data dir is found through its server.json")
    .option("--no-wait", "with a running server: queue the work and exit without following it")
    .option("--stall-seconds <n>", "with a running server: give up following after this long without progress (default 60)", Number)
    .option("--data-dir <dir>", "server data dir (env OPENSYNC_DATA_DIR)");
  addEmbeddingOptions(reindexCommand, { provider: false })
    .addHelpText(
      "after",
      `
Without a running server, the work happens in this process (the embedding provider comes from the
same OPENSYNC_EMBEDDINGS* variables or --embeddings* flags as \`opensync serve\`). With a server
running on the data dir, the work is queued for its background workers and followed here.
Unforced, embedding re-chunks every message and embeds only chunks with no vector yet (a repair);
--force embeds everything again. The full-text index is rebuilt from a new file (server stopped) or
in place (server running).

Examples:
  opensync admin reindex
  opensync admin reindex --fulltext
  opensync admin reindex --embeddings --force --embeddings-model-path /srv/models/all-MiniLM-L6-v2`,
    )
    .action(reindex);
}
