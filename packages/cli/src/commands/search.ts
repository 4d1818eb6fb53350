import { InvalidArgumentError, Option, type Command } from "commander";
import { loadCredentials } from "@opensync/collectors";
import type { SearchResponse } from "@opensync/protocol";
import { OpenSyncClient, OpenSyncError } from "@opensync/protocol/client";
import { SEARCH_TYPES, type SearchType } from "@opensync/protocol/search-types";
import { normalizeSource } from "@opensync/protocol/sources";
import { isoDate, markHighlights, sessionUrl } from "@opensync/server/mcp/format";
import { CliError, EXIT, printJson } from "../output.js";

interface SearchOptions {
  type: SearchType;
  limit: number;
  source?: string;
  project?: string;
  json?: boolean;
}

const ANSI = { bold: "\x1b[1m", dim: "\x1b[2m", match: "\x1b[1;33m", reset: "\x1b[0m" } as const;

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError("an integer from 1 to 100");
  return n;
}

/** The results as a terminal shows them; `color` adds ANSI bold and highlighted matches. */
export function renderResults(response: SearchResponse, serverUrl: string, color: boolean): string {
  const style = (code: string, text: string) => (color ? `${code}${text}${ANSI.reset}` : text);
  if (response.results.length === 0) return `No sessions match (${response.type} search).\n`;
  const blocks = response.results.map((r) => {
    const title = r.title?.trim() || "(untitled)";
    const where = [r.projectName ?? r.projectPath ?? "no project", r.source, isoDate(r.createdAt)].join(" · ");
    const snippet = (color ? markHighlights(r.snippet, r.highlights, ANSI.match, ANSI.reset) : r.snippet).replace(/\s+/g, " ").trim();
    return [style(ANSI.bold, title), `  ${style(ANSI.dim, where)}`, `  ${snippet}`, `  ${sessionUrl(serverUrl, r.sessionId, r.messageId)}`].join("\n");
  });
  // Past the count's cap the server says how many it counted at least ("2,000+").
  const total = `${response.total.toLocaleString("en")}${response.totalIsEstimate ? "+" : ""}`;
  const footer = `${response.results.length} of ${total} (${response.type} search${response.nextCursor ? "; more with --limit" : ""})`;
  return `${blocks.join("\n\n")}\n\n${style(ANSI.dim, footer)}\n`;
}

function exitCodeFor(err: OpenSyncError): number {
  if (err.status === 0) return EXIT.unreachable;
  if (err.status === 401) return EXIT.unauthorized;
  if (err.status === 400) return EXIT.usage;
  return EXIT.failure;
}

export function registerSearch(program: Command): void {
  program
    .command("search")
    .description("search your synced sessions: title, project, date, the matching snippet and the session's dashboard link")
    .argument("<query...>", "words to look for (quotes optional)")
    .addOption(new Option("--type <type>", "how to match").choices(SEARCH_TYPES).default("hybrid"))
    .option("--limit <n>", "results, 1 to 100", parseLimit, 20)
    .option("--source <agent>", "only sessions of this agent (claude-code, opencode, codex-cli, gemini-cli, ...)")
    .option("--project <project>", "only sessions of this project (name or path)")
    .option("--json", "print the server's response as JSON")
    .addHelpText("after", '\nExamples:\n  opensync search "database is locked"\n  opensync search retry backoff --type fulltext --source claude-code --limit 5')
    .action(async (words: string[], opts: SearchOptions, command: Command) => {
      const creds = loadCredentials();
      if (!creds.serverUrl || !creds.apiKey) throw new CliError("not logged in: run `opensync login`", EXIT.notConfigured);
      const client = new OpenSyncClient({ baseUrl: creds.serverUrl, apiKey: creds.apiKey, timeoutMs: 30_000 });
      let response: SearchResponse;
      try {
        response = await client.search({ q: words.join(" "), type: opts.type, limit: opts.limit, source: opts.source ? normalizeSource(opts.source) : undefined, project: opts.project });
      } catch (err) {
        if (err instanceof OpenSyncError) throw new CliError(`search failed: ${err.message}`, exitCodeFor(err));
        throw err;
      }
      if (opts.json) return printJson(response);
      // The default (hybrid) quietly falls back to full-text without embeddings; an explicit --type says so.
      if (response.degraded && command.getOptionValueSource("type") === "cli") {
        process.stderr.write(`note: the server could not serve ${opts.type} search as asked: ${response.degraded}\n`);
      }
      const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
      process.stdout.write(renderResults(response, client.baseUrl, color));
    });
}
