import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

/**
 * The client's memory in `~/.opensync/state/state.db`: one checkpoint per unit (advanced only after
 * the server acknowledged), what each sync run did, and a lease so two syncs never run at once.
 * SQLite because hooks, `watch` and manual syncs are separate processes writing concurrently.
 */
export interface UnitState {
  key: string;
  agent: string;
  checkpoint: unknown;
  /** Size and mtime of the unit when the checkpoint was taken (status: "pending"). */
  size: number;
  mtimeMs: number;
  sessions: number;
  messages: number;
  updatedAt: number;
}

export interface RunRecord {
  agent: string;
  finishedAt: number;
  sessions: number;
  messages: number;
  ok: boolean;
  error: string | null;
}

export class StateStore {
  private readonly db: Database.Database;

  constructor(dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.db = new Database(join(dir, "state.db"));
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("busy_timeout = 10000");
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS checkpoints (
        key TEXT PRIMARY KEY, agent TEXT NOT NULL, value TEXT NOT NULL,
        size INTEGER NOT NULL DEFAULT 0, mtime_ms REAL NOT NULL DEFAULT 0,
        sessions INTEGER NOT NULL DEFAULT 0, messages INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS checkpoints_agent ON checkpoints(agent);
      CREATE TABLE IF NOT EXISTS runs (
        agent TEXT PRIMARY KEY, finished_at INTEGER NOT NULL, sessions INTEGER NOT NULL,
        messages INTEGER NOT NULL, ok INTEGER NOT NULL, error TEXT);
      CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS flags (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
  }

  get(key: string): UnitState | undefined {
    const row = this.db.prepare("SELECT * FROM checkpoints WHERE key = ?").get(key) as Record<string, unknown> | undefined;
    if (!row) return undefined;
    return {
      key: row.key as string,
      agent: row.agent as string,
      checkpoint: JSON.parse(row.value as string),
      size: row.size as number,
      mtimeMs: row.mtime_ms as number,
      sessions: row.sessions as number,
      messages: row.messages as number,
      updatedAt: row.updated_at as number,
    };
  }

  /** Saves a checkpoint; session/message counters accumulate over the unit's life. */
  save(state: { key: string; agent: string; checkpoint: unknown; size: number; mtimeMs: number; sessions: number; messages: number }): void {
    this.db
      .prepare(
        `INSERT INTO checkpoints (key, agent, value, size, mtime_ms, sessions, messages, updated_at)
         VALUES (@key, @agent, @value, @size, @mtimeMs, @sessions, @messages, @now)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value, size = excluded.size, mtime_ms = excluded.mtime_ms,
           sessions = checkpoints.sessions + excluded.sessions, messages = checkpoints.messages + excluded.messages,
           updated_at = excluded.updated_at`,
      )
      .run({ ...state, value: JSON.stringify(state.checkpoint ?? null), now: Date.now() });
  }

  forget(agent?: string): void {
    if (agent) this.db.prepare("DELETE FROM checkpoints WHERE agent = ?").run(agent);
    else this.db.prepare("DELETE FROM checkpoints").run();
  }

  byAgent(agent: string): UnitState[] {
    return (this.db.prepare("SELECT key FROM checkpoints WHERE agent = ?").all(agent) as Array<{ key: string }>).map((r) => this.get(r.key)!);
  }

  recordRun(run: RunRecord): void {
    this.db
      .prepare(
        `INSERT INTO runs (agent, finished_at, sessions, messages, ok, error) VALUES (@agent, @finishedAt, @sessions, @messages, @ok, @error)
         ON CONFLICT(agent) DO UPDATE SET finished_at = excluded.finished_at, sessions = excluded.sessions,
           messages = excluded.messages, ok = excluded.ok, error = excluded.error`,
      )
      .run({ ...run, ok: run.ok ? 1 : 0 });
  }

  lastRuns(): RunRecord[] {
    return (this.db.prepare("SELECT * FROM runs ORDER BY agent").all() as Array<Record<string, unknown>>).map((r) => ({
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
      const row = this.db.prepare("SELECT holder, expires_at FROM leases WHERE name = ?").get(name) as { holder: string; expires_at: number } | undefined;
      if (row && row.expires_at > now && row.holder !== holder && !holderGone(row.holder)) return false;
      this.db.prepare("INSERT OR REPLACE INTO leases (name, holder, expires_at) VALUES (?, ?, ?)").run(name, holder, now + ttlMs);
      return true;
    }).immediate();
  }

  forceLease(name: string, holder: string, ttlMs: number): void {
    this.db.prepare("INSERT OR REPLACE INTO leases (name, holder, expires_at) VALUES (?, ?, ?)").run(name, holder, Date.now() + ttlMs);
  }

  releaseLease(name: string, holder: string): void {
    this.db.prepare("DELETE FROM leases WHERE name = ? AND holder = ?").run(name, holder);
  }

  /** The named lease's row as stored (possibly expired), or undefined when nobody took it. */
  leaseHolder(name: string): { holder: string; expiresAt: number } | undefined {
    const row = this.db.prepare("SELECT holder, expires_at FROM leases WHERE name = ?").get(name) as { holder: string; expires_at: number } | undefined;
    return row && { holder: row.holder, expiresAt: row.expires_at };
  }

  setFlag(name: string, value: string): void {
    this.db.prepare("INSERT OR REPLACE INTO flags (name, value) VALUES (?, ?)").run(name, value);
  }

  /** Reads and clears a flag in one step. */
  takeFlag(name: string): string | undefined {
    return this.db.transaction(() => {
      const row = this.db.prepare("SELECT value FROM flags WHERE name = ?").get(name) as { value: string } | undefined;
      if (row) this.db.prepare("DELETE FROM flags WHERE name = ?").run(name);
      return row?.value;
    }).immediate();
  }

  close(): void {
    this.db.close();
  }
}
