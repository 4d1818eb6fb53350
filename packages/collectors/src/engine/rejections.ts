import type Database from "better-sqlite3";
import { statement } from "./statements.js";

/**
 * Items the server refused (validation errors of single items in a batch). The batch is still
 * acknowledged, so the checkpoint moves on; what makes that safe is that every rejection is
 * kept here, logged, and shown by `opensync sync` and `opensync status` — never dropped in silence.
 */
export interface Rejection {
  unitKey: string;
  agent: string;
  kind: "session" | "message";
  sessionExternalId: string | null;
  externalId: string | null;
  error: string;
  at: number;
}

export const REJECTIONS_DDL = `
  CREATE TABLE IF NOT EXISTS rejections (
    dest TEXT NOT NULL, unit_key TEXT NOT NULL, agent TEXT NOT NULL, kind TEXT NOT NULL,
    session_external_id TEXT, external_id TEXT, error TEXT NOT NULL, at INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS rejections_dest ON rejections(dest, agent, unit_key);
`;

type Row = Record<string, unknown>;

export class Rejections {
  constructor(
    private readonly db: Database.Database,
    readonly destination: string,
  ) {}

  record(items: Rejection[]): void {
    if (!items.length) return;
    const del = statement(this.db, "DELETE FROM rejections WHERE dest = ? AND unit_key = ? AND kind = ? AND external_id IS ?");
    const ins = statement(this.db, 
      `INSERT INTO rejections (dest, unit_key, agent, kind, session_external_id, external_id, error, at)
       VALUES (@dest, @unitKey, @agent, @kind, @sessionExternalId, @externalId, @error, @at)`,
    );
    this.db.transaction(() => {
      for (const r of items) {
        // One row per item: the same item rejected again replaces its earlier rejection.
        if (r.externalId !== null) del.run(this.destination, r.unitKey, r.kind, r.externalId);
        ins.run({ ...r, dest: this.destination });
      }
    })();
  }

  /**
   * A read of the unit from its very start reached the end: rejections older than that read are
   * settled (the items were sent again, and accepted or rejected anew).
   */
  settleUnit(unitKey: string, before: number): void {
    statement(this.db, "DELETE FROM rejections WHERE dest = ? AND unit_key = ? AND at < ?").run(this.destination, unitKey, before);
  }

  list(agent?: string, limit = 1000): Rejection[] {
    const rows = (agent
      ? statement(this.db, "SELECT * FROM rejections WHERE dest = ? AND agent = ? ORDER BY at DESC LIMIT ?").all(this.destination, agent, limit)
      : statement(this.db, "SELECT * FROM rejections WHERE dest = ? ORDER BY at DESC LIMIT ?").all(this.destination, limit)) as Row[];
    return rows.map((r) => ({
      unitKey: r.unit_key as string,
      agent: r.agent as string,
      kind: r.kind as Rejection["kind"],
      sessionExternalId: (r.session_external_id as string | null) ?? null,
      externalId: (r.external_id as string | null) ?? null,
      error: r.error as string,
      at: r.at as number,
    }));
  }

  count(agent: string): number {
    return (statement(this.db, "SELECT COUNT(*) AS n FROM rejections WHERE dest = ? AND agent = ?").get(this.destination, agent) as { n: number }).n;
  }
}
