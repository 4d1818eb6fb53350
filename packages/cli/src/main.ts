import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { registerAccount } from "./commands/account.js";
import { registerAdmin } from "./commands/admin.js";
import { registerConfig } from "./commands/config.js";
import { registerMcp } from "./commands/mcp.js";
import { registerSearch } from "./commands/search.js";
import { registerServe } from "./commands/serve.js";
import { registerSetup } from "./commands/setup.js";
import { registerSync } from "./commands/sync.js";
import { registerUp } from "./commands/up.js";
import { registerWatch } from "./commands/watch.js";
import { CliError, EXIT } from "./output.js";

/** Read from our own package.json: importing the server package just for this costs ~0.1 s per run. */
const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

export function buildProgram(): Command {
  const program = new Command("opensync")
    .description("OpenSync: every AI coding session, synced to one self-hosted place")
    .version(VERSION, "-v, --version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerUp(program);
  registerServe(program);
  registerAccount(program);
  registerSync(program);
  registerWatch(program);
  registerSearch(program);
  registerMcp(program);
  registerSetup(program);
  registerConfig(program);
  registerAdmin(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`opensync: ${message}\n`);
    if (process.env.OPENSYNC_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    process.exitCode = err instanceof CliError ? err.exitCode : EXIT.failure;
  }
}
