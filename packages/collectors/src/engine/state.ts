import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Checkpoints, CHECKPOINTS_DDL } from "./checkpoints.js";
import { Rejections, REJECTIONS_DDL } from "./rejections.js";
import { statement } from "./statements.js";

export type { UnitState, ProgressRecord } from "./checkpoints.js";

export interface RunRecord {
  agent: string;
  finishedAt: number;
  sessions: number;
  messages: number;
  ok: boolean;
  error: string | null;
}

/**
 * The client's memory in `~/.opensync/state/state.db`: per destination (server + account) one
 * checkpoint per unit (advanced only after the server acknowledged) and the items the server
 * rejected; what each sync run did; and a lease so two syncs never run at once.
 * SQLite because hooks, `watch` and manual syncs are separate processes writing concurrently.
 */
export class StateStore {
  private readonly db: Database.Database;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.db = new Database(join(dir, "state.db"));
    this.db.pragma("journal_mode = WAL");
    // A checkpoint is saved after every acknowledged chunk: with FULL each one waited for an fsync
    // (milliseconds on a laptop's disk, hundreds of times per import). NORMAL in WAL mode survives a
    // crash of the process; a power cut may lose the last checkpoints, whose chunks are then sent
    // again, which the server's upserts make harmless.
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 10000");
    this.db.exec(`
      ${CHECKPOINTS_DDL}
      ${REJECTIONS_DDL}
      CREATE TABLE IF NOT EXISTS destinations (key_hash TEXT NOT NULL, server TEXT NOT NULL, destination TEXT NOT NULL, PRIMARY KEY (key_hash, server));
      CREATE TABLE IF NOT EXISTS runs (
        agent TEXT PRIMARY KEY, finished_at INTEGER NOT NULL, sessions INTEGER NOT NULL,
        messages INTEGER NOT NULL, ok INTEGER NOT NULL, error TEXT);
      CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS flags (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
  }

  /** The checkpoints of one destination (see destination.ts). */
  checkpoints(destination: string): Checkpoints {
    return new Checkpoints(this.db, destination);
  }

  rejections(destination: string): Rejections {
    return new Rejections(this.db, destination);
  }

  knownDestination(keyHash: string, server: string): string | undefined {
    const row = statement(this.db, "SELECT destination FROM destinations WHERE key_hash = ? AND server = ?").get(keyHash, server) as { destination: string } | undefined;
    return row?.destination;
  }

  rememberDestination(keyHash: string, server: string, destination: string): void {
    statement(this.db, "INSERT OR REPLACE INTO destinations (key_hash, server, destination) VALUES (?, ?, ?)").run(keyHash, server, destination);
  }

  recordRun(run: RunRecord): void {
    statement(
      this.db,
        `INSERT INTO runs (agent, finished_at, sessions, messages, ok, error) VALUES (@agent, @finishedAt, @sessions, @messages, @ok, @error)
         ON CONFLICT(agent) DO UPDATE SET finished_at = excluded.finished_at, sessions = excluded.sessions,
           messages = excluded.messages, ok = excluded.ok, error = excluded.error`,
      )
      .run({ ...run, ok: run.ok ? 1 : 0 });
  }

  lastRuns(): RunRecord[] {
    return (statement(this.db, "SELECT * FROM runs ORDER BY agent").all() as Array<Record<string, unknown>>).map((r) => ({
      agent: r.agent as string,
      finishedAt: r.finished_at as number,
      sessions: r.sessions as number,
      messages: r.messages as number,
      ok: r.ok === 1,
      error: (r.error as string | null) ?? null,
    }));
  }

  /**
   * Takes the named lease if free, expired, or held by a holder `holderGone` says is gone (its
   * process died); returns false when another live holder has it.
   */
  tryLease(name: string, holder: string, ttlMs: number, holderGone: (holder: string) => boolean = () => false): boolean {
    const now = Date.now();
    return this.db.transaction(() => {
      const row = statement(this.db, "SELECT holder, expires_at FROM leases WHERE name = ?").get(name) as { holder: string; expires_at: number } | undefined;
      if (row && row.expires_at > now && row.holder !== holder && !holderGone(row.holder)) return false;
      statement(this.db, "INSERT OR REPLACE INTO leases (name, holder, expires_at) VALUES (?, ?, ?)").run(name, holder, now + ttlMs);
      return true;
    }).immediate();
  }

  forceLease(name: string, holder: string, ttlMs: number): void {
    statement(this.db, "INSERT OR REPLACE INTO leases (name, holder, expires_at) VALUES (?, ?, ?)").run(name, holder, Date.now() + ttlMs);
  }

  releaseLease(name: string, holder: string): void {
    statement(this.db, "DELETE FROM leases WHERE name = ? AND holder = ?").run(name, holder);
  }

  /** The named lease's row as stored (possibly expired), or undefined when nobody took it. */
  leaseHolder(name: string): { holder: string; expiresAt: number } | undefined {
    const row = statement(this.db, "SELECT holder, expires_at FROM leases WHERE name = ?").get(name) as { holder: string; expires_at: number } | undefined;
    return row && { holder: row.holder, expiresAt: row.expires_at };
  }

  setFlag(name: string, value: string): void {
    statement(this.db, "INSERT OR REPLACE INTO flags (name, value) VALUES (?, ?)").run(name, value);
  }

  /** Reads and clears a flag in one step. */
  takeFlag(name: string): string | undefined {
    return this.db.transaction(() => {
      const row = statement(this.db, "SELECT value FROM flags WHERE name = ?").get(name) as { value: string } | undefined;
      if (row) statement(this.db, "DELETE FROM flags WHERE name = ?").run(name);
      return row?.value;
    }).immediate();
  }

  close(): void {
    this.db.close();
  }
}
