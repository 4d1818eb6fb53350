import { readdirSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve, sep } from "node:path";
import type { CollectorContext, SourceUnit } from "../../types.js";
import { CLAUDE_SOURCE } from "./constants.js";
import type { TranscriptFile } from "./assembler.js";

export const CLAUDE_CONFIG_ENV = "CLAUDE_CONFIG_DIR";

/** Subagent transcripts sit a few levels below a project; nothing real is deeper than this. */
const MAX_DEPTH = 6;

function expandHome(path: string, home: string): string {
  if (path === "~") return home;
  if (path.startsWith("~/")) return join(home, path.slice(2));
  return path;
}

/** Claude Code config directories: CLAUDE_CONFIG_DIR (comma-separated) or the two defaults. */
export function claudeRoots(ctx: CollectorContext): string[] {
  const fromEnv = ctx.env[CLAUDE_CONFIG_ENV]?.split(",").map((p) => p.trim()).filter(Boolean) ?? [];
  const roots = fromEnv.length
    ? fromEnv.map((p) => expandHome(p, ctx.home))
    : [join(ctx.home, ".claude"), join(ctx.home, ".config", "claude")];
  return [...new Set(roots.map((p) => (isAbsolute(p) ? p : resolve(p))))];
}

export function claudeUnitFor(path: string): SourceUnit {
  const abs = resolve(path);
  return { key: `${CLAUDE_SOURCE}:${abs}`, agent: CLAUDE_SOURCE, path: abs };
}

// Directory listings are synchronous: a sync lists every project folder before it reads anything,
// and a local listing costs less than its thread-pool round trip.
function collectJsonl(dir: string, depth: number, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // missing or unreadable: nothing to sync here
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name.endsWith(".jsonl")) out.push(path);
    else if (entry.isDirectory() && depth < MAX_DEPTH) collectJsonl(path, depth + 1, out);
  }
}

/**
 * Every transcript under `<root>/projects/`: `<encoded cwd>/<sessionId>.jsonl` and anything nested
 * (`<sessionId>/subagents/agent-<id>.jsonl`). Parents come before nested files, so a session is
 * named by its own transcript before its subagents' lines arrive.
 */
export async function discoverClaudeTranscripts(roots: string[]): Promise<SourceUnit[]> {
  const paths: string[] = [];
  for (const root of roots) {
    const projects = join(root, "projects");
    let dirs;
    try {
      dirs = readdirSync(projects, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const d of dirs) if (d.isDirectory()) collectJsonl(join(projects, d.name), 1, paths);
  }
  const depth = (p: string) => p.split(sep).length;
  const units = new Map<string, SourceUnit>();
  for (const p of paths.sort((a, b) => depth(a) - depth(b) || a.localeCompare(b))) {
    const unit = claudeUnitFor(p);
    units.set(unit.key, unit);
  }
  return [...units.values()];
}

const SUBAGENT_FILE = /^agent-(.+)\.jsonl$/;

/**
 * What the path of a transcript says: its session (for lines without one), its subagent id, and
 * the project folder that holds the sessions' own transcripts and `<sessionId>/` folders.
 */
export function transcriptFileOf(path: string): TranscriptFile {
  const name = basename(path);
  const subagent = SUBAGENT_FILE.exec(name);
  const parent = dirname(path);
  if (subagent && basename(parent) === "subagents") {
    const sessionDir = dirname(parent);
    return { path, projectDir: dirname(sessionDir), defaultSessionId: basename(sessionDir), subagentId: subagent[1] };
  }
  return { path, projectDir: parent, defaultSessionId: name.replace(/\.jsonl$/, "") };
}
