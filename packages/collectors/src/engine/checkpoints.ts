import type Database from "better-sqlite3";
import type { UnitFingerprint } from "../types.js";
import { statement } from "./statements.js";

/**
 * Checkpoints of one destination (a server and the account on it). Each destination receives
 * everything on its own: the Claude Code hooks may send to another server than `opensync login`,
 * and neither may advance the other's checkpoints (issue 7, defect 4).
 */
export interface UnitState {
  key: string;
  agent: string;
  /** Where reading resumes (the collector's own shape); acknowledged by the server up to here. */
  checkpoint: unknown;
  /**
   * The unit's fingerprint when its last *complete* read started. Only a complete read (every
   * chunk acknowledged to the end) may skip a unit later; a read interrupted after some chunks
   * leaves `complete` false, so the rest is read next time even though the file never changes.
   */
  size: number;
  mtimeMs: number;
  complete: boolean;
  sessions: number;
  messages: number;
  /** Bytes before `checkpoint.offset` (JSONL units), to notice a file truncated and regrown past it. */
  tail: string | null;
  updatedAt: number;
}

export interface ProgressRecord {
  key: string;
  agent: string;
  checkpoint: unknown;
  sessions: number;
  messages: number;
  tail?: string | null;
}

type Row = Record<string, unknown>;

export const CHECKPOINTS_DDL = `
  CREATE TABLE IF NOT EXISTS unit_checkpoints (
    dest TEXT NOT NULL, key TEXT NOT NULL, agent TEXT NOT NULL, value TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT -1, mtime_ms REAL NOT NULL DEFAULT -1, complete INTEGER NOT NULL DEFAULT 0,
    sessions INTEGER NOT NULL DEFAULT 0, messages INTEGER NOT NULL DEFAULT 0, tail TEXT,
    updated_at INTEGER NOT NULL, PRIMARY KEY (dest, key));
  CREATE INDEX IF NOT EXISTS unit_checkpoints_agent ON unit_checkpoints(dest, agent);
  -- Checkpoints of versions before destinations existed: they mixed destinations, so they are
  -- dropped and every unit is read once more (upserts make that safe).
  DROP TABLE IF EXISTS checkpoints;
`;

function toState(row: Row): UnitState {
  return {
    key: row.key as string,
    agent: row.agent as string,
    checkpoint: JSON.parse(row.value as string),
    size: row.size as number,
    mtimeMs: row.mtime_ms as number,
    complete: row.complete === 1,
    sessions: row.sessions as number,
    messages: row.messages as number,
    tail: (row.tail as string | null) ?? null,
    updatedAt: row.updated_at as number,
  };
}

export class Checkpoints {
  constructor(
    private readonly db: Database.Database,
    readonly destination: string,
  ) {}

  get(key: string): UnitState | undefined {
    const row = statement(this.db, "SELECT * FROM unit_checkpoints WHERE dest = ? AND key = ?").get(this.destination, key) as Row | undefined;
    return row ? toState(row) : undefined;
  }

  /**
   * An acknowledged chunk: the checkpoint moves, and the unit is *not* complete until
   * `markComplete` says its read reached the end. Counters accumulate over the unit's life.
   */
  saveProgress(record: ProgressRecord): void {
    statement(
      this.db,
        `INSERT INTO unit_checkpoints (dest, key, agent, value, complete, sessions, messages, tail, updated_at)
         VALUES (@dest, @key, @agent, @value, 0, @sessions, @messages, @tail, @now)
         ON CONFLICT(dest, key) DO UPDATE SET value = excluded.value, complete = 0, tail = excluded.tail,
           sessions = unit_checkpoints.sessions + excluded.sessions, messages = unit_checkpoints.messages + excluded.messages,
           updated_at = excluded.updated_at`,
      )
      .run({ ...record, tail: record.tail ?? null, dest: this.destination, value: JSON.stringify(record.checkpoint ?? null), now: Date.now() });
  }

  /** Every chunk of a read was acknowledged: remember the fingerprint the read started from. */
  markComplete(key: string, agent: string, fingerprint: UnitFingerprint, checkpoint: unknown): void {
    statement(
      this.db,
        `INSERT INTO unit_checkpoints (dest, key, agent, value, size, mtime_ms, complete, updated_at)
         VALUES (@dest, @key, @agent, @value, @size, @mtimeMs, 1, @now)
         ON CONFLICT(dest, key) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, complete = 1, updated_at = excluded.updated_at`,
      )
      .run({ dest: this.destination, key, agent, value: JSON.stringify(checkpoint ?? null), size: fingerprint.size, mtimeMs: fingerprint.mtimeMs, now: Date.now() });
  }

  /** True when the unit's last read was complete and the unit has not changed since. */
  isUpToDate(key: string, fingerprint: UnitFingerprint): boolean {
    const saved = this.get(key);
    return !!saved && saved.complete && saved.size === fingerprint.size && saved.mtimeMs === fingerprint.mtimeMs;
  }

  forget(agent?: string): void {
    if (agent) statement(this.db, "DELETE FROM unit_checkpoints WHERE dest = ? AND agent = ?").run(this.destination, agent);
    else statement(this.db, "DELETE FROM unit_checkpoints WHERE dest = ?").run(this.destination);
  }

  byAgent(agent: string): UnitState[] {
    return (statement(this.db, "SELECT * FROM unit_checkpoints WHERE dest = ? AND agent = ?").all(this.destination, agent) as Row[]).map(toState);
  }
}
