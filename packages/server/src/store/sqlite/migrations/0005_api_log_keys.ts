import { sql, type Kysely, type Migration } from "kysely";

/**
 * The request log names the API key of each call (Settings shows "endpoint, status, duration, key
 * name"). Earlier rows keep a null key: which key made them was never recorded.
 */
export const apiLogKeys: Migration = {
  async up(db: Kysely<unknown>) {
    await sql.raw(`ALTER TABLE api_logs ADD COLUMN key_id TEXT`).execute(db);
  },
};
