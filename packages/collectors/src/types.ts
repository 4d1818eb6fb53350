import type { MessageInput, SessionInput } from "@opensync/protocol";

/** What every collector gets: where "home" is, the environment, and the machine label to stamp. */
export interface CollectorContext {
  home: string;
  env: Record<string, string | undefined>;
  /** `machine` label sent with every session (hostname by default, configurable). */
  machine: string;
}

/** One unit of incremental reading: a transcript file, or an agent's SQLite database. */
export interface SourceUnit {
  /** Checkpoint key: `<agent id>:<absolute path>`. */
  key: string;
  agent: string;
  path: string;
}

/**
 * A piece of a unit, in order. `checkpoint` is where reading resumes once this chunk and every
 * earlier chunk of the same unit have been acknowledged by the server. Collectors only ever put
 * session/message *upserts* here, so re-sending a chunk is always safe.
 */
export interface Chunk {
  sessions: SessionInput[];
  messages: MessageInput[];
  checkpoint: unknown;
  /** Bytes of source consumed by this chunk (progress bars, MB/s). */
  bytesRead?: number;
}

/** A cheap summary of a unit's content: when it differs from the last complete read, the unit is read. */
export interface UnitFingerprint {
  size: number;
  mtimeMs: number;
}

/** One agent: where its storage lives and how to read it. Registered once in `registry.ts`. */
export interface AgentCollector {
  /** The PROTOCOL.md source id (`claude-code`, `opencode`, ...). */
  id: string;
  displayName: string;
  /** Environment variable that overrides the storage roots (comma-separated for several). */
  envVar?: string;
  /** Candidate storage roots, most specific first; missing directories are fine. */
  roots(ctx: CollectorContext): string[];
  /** Finds the units under the roots. Cheap: stat calls only, no parsing. */
  discover(ctx: CollectorContext): Promise<SourceUnit[]>;
  /** Builds a unit for one path (a hook names the transcript it wants synced). */
  unitFor(path: string): SourceUnit;
  /**
   * What the engine compares with the unit's last complete read to decide whether it can skip it.
   * Default: the unit file's size and mtime (plus its `-wal` for SQLite). A unit whose content lives
   * in several files (OpenCode's legacy `storage/` tree) must cover all of them here.
   */
  fingerprint?(unit: SourceUnit): Promise<UnitFingerprint>;
  /**
   * Reads `unit` from `checkpoint` (undefined: from the start) and yields chunks in order.
   * Must stream: never hold a whole file in memory. A truncated last line is not consumed: the
   * checkpoint stays before it so the next read picks it up once it is complete.
   */
  read(unit: SourceUnit, checkpoint: unknown, ctx: CollectorContext): AsyncIterable<Chunk>;
}
