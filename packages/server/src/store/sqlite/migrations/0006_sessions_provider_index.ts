import { sql, type Kysely, type Migration } from "kysely";

/**
 * `GET /api/sessions?provider=` (the dashboard's provider filter) seeks this index like the source,
 * model and project filters seek theirs (0001), newest first by `updated_at`.
 */
export const sessionsProviderIndex: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE INDEX sessions_user_provider_updated ON sessions(user_id, provider, updated_at, id)`.execute(db);
  },
};
