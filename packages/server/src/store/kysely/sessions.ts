import { sql, type Kysely } from "kysely";
import type { Message, Part, Session, SessionListQuery, SessionSort } from "@opensync/protocol";
import type { Database } from "../schema.js";
import type { MessagePageRequest, MessagePageRows, SessionPage, SessionsRepo } from "../types.js";
import { KyselyMessagePages } from "./message-pages.js";
import { num, toMessage, toPart, toSession } from "./rows.js";

const SORT_COLUMNS: Record<SessionSort, "updated_at" | "created_at" | "total_tokens" | "cost" | "duration_ms"> = {
  updatedAt: "updated_at",
  createdAt: "created_at",
  totalTokens: "total_tokens",
  cost: "cost",
  durationMs: "duration_ms",
};

/** What `q` matches in (PROTOCOL: search-as-you-type over the session list; message text is /api/search). */
const SEARCHED_COLUMNS = ["title", "project_name", "project_path", "model", "external_id"] as const;

/** The words of a `q` (at most 8: the rest of a pasted paragraph would only slow the walk). */
export const searchWords = (q: string | undefined) => (q ?? "").split(/\s+/).filter(Boolean).slice(0, 8);

/** `%`, `_` and the escape character itself match literally. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Opaque keyset cursor: the last row's sort value and id. */
export function encodeCursor(value: number, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString("base64url");
}

export function decodeCursor(cursor: string): [number, string] | undefined {
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === "number" && typeof v[1] === "string") return [v[0], v[1]];
  } catch {
    /* fallthrough */
  }
  return undefined;
}

export class InvalidCursorError extends Error {}

export class KyselySessionsRepo implements SessionsRepo {
  private readonly pages: KyselyMessagePages;

  constructor(private readonly db: Kysely<Database>) {
    this.pages = new KyselyMessagePages(db);
  }

  messagePage(sessionId: string, request: MessagePageRequest): Promise<MessagePageRows> {
    return this.pages.page(sessionId, request);
  }

  timeline(sessionId: string) {
    return this.pages.timeline(sessionId);
  }

  async setPublic(userId: string, sessionId: string, slug: string | null): Promise<Session | undefined> {
    await this.db
      .updateTable("sessions")
      .set({ is_public: slug ? 1 : 0, public_slug: slug })
      .where("user_id", "=", userId)
      .where("id", "=", sessionId)
      .execute();
    return this.get(userId, sessionId);
  }

  async byPublicSlug(slug: string): Promise<Session | undefined> {
    const row = await this.db.selectFrom("sessions").selectAll().where("public_slug", "=", slug).where("is_public", "=", 1).executeTakeFirst();
    return row ? toSession(row) : undefined;
  }

  async list(userId: string, query: SessionListQuery): Promise<SessionPage> {
    const column = SORT_COLUMNS[query.sort];
    const desc = query.order === "desc";
    let q = this.db.selectFrom("sessions").selectAll().where("user_id", "=", userId);
    if (query.source) q = q.where("source", "=", query.source);
    if (query.model) q = q.where("model", "=", query.model);
    if (query.machine) q = q.where("machine", "=", query.machine);
    if (query.provider) q = q.where("provider", "=", query.provider);
    // Every word of q, each in one of the searched fields. A substring anywhere (not a prefix), so no
    // b-tree index can seek it: the rows are read in the sort index's order for this user and tested
    // one by one, and the walk stops once a page is full. SQLite's LIKE ignores the case of ASCII
    // letters (others match in the case typed).
    for (const word of searchWords(query.q)) {
      const pattern = sql<string>`${`%${escapeLike(word)}%`} escape '\\'`;
      q = q.where((eb) => eb.or(SEARCHED_COLUMNS.map((column) => eb(column, "like", pattern))));
    }
    if (query.project) {
      const project = query.project;
      q = q.where((eb) => eb.or([eb("project_name", "=", project), eb("project_path", "=", project)]));
    }
    if (query.from !== undefined) q = q.where("created_at", ">=", query.from);
    if (query.to !== undefined) q = q.where("created_at", "<", query.to);
    if (query.cursor) {
      const decoded = decodeCursor(query.cursor);
      if (!decoded) throw new InvalidCursorError("cursor is not one this server issued");
      const [value, id] = decoded;
      const op = desc ? "<" : ">";
      q = q.where((eb) => eb.or([eb(column, op, value), eb.and([eb(column, "=", value), eb("id", op, id)])]));
    }
    const rows = await q
      .orderBy(column, desc ? "desc" : "asc")
      .orderBy("id", desc ? "desc" : "asc")
      .limit(query.limit + 1)
      .execute();
    const page = rows.slice(0, query.limit).map(toSession);
    const last = rows.length > query.limit ? rows[query.limit - 1] : undefined;
    return { sessions: page, nextCursor: last ? encodeCursor(num(last[column]), last.id) : null };
  }

  async get(userId: string, idOrExternalId: string): Promise<Session | undefined> {
    const byId = await this.db
      .selectFrom("sessions")
      .selectAll()
      .where("user_id", "=", userId)
      .where("id", "=", idOrExternalId)
      .executeTakeFirst();
    if (byId) return toSession(byId);
    const byExternal = await this.db
      .selectFrom("sessions")
      .selectAll()
      .where("user_id", "=", userId)
      .where("external_id", "=", idOrExternalId)
      .executeTakeFirst();
    return byExternal ? toSession(byExternal) : undefined;
  }

  async messages(sessionId: string): Promise<Message[]> {
    const rows = await this.db
      .selectFrom("messages")
      .selectAll()
      .where("session_id", "=", sessionId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    const parts = await this.db
      .selectFrom("parts")
      .innerJoin("messages", "messages.id", "parts.message_id")
      .select(["parts.id", "parts.message_id", "parts.ord", "parts.type", "parts.content"])
      .where("messages.session_id", "=", sessionId)
      .orderBy("parts.message_id")
      .orderBy("parts.ord")
      .execute();
    const byMessage = new Map<number, Part[]>();
    for (const p of parts) {
      const key = num(p.message_id);
      const list = byMessage.get(key) ?? [];
      list.push(toPart(p));
      byMessage.set(key, list);
    }
    return rows.map((r) => toMessage(r, byMessage.get(num(r.id)) ?? []));
  }

  async delete(userId: string, sessionId: string): Promise<boolean> {
    const res = await this.db.deleteFrom("sessions").where("user_id", "=", userId).where("id", "=", sessionId).executeTakeFirst();
    return num(res.numDeletedRows) > 0;
  }

  async deleteAll(userId: string): Promise<number> {
    const res = await this.db.deleteFrom("sessions").where("user_id", "=", userId).executeTakeFirst();
    return num(res.numDeletedRows);
  }

  async *iterate(userId: string, pageSize = 500): AsyncIterable<Session> {
    let cursor: string | undefined;
    for (;;) {
      const page = await this.list(userId, { limit: pageSize, cursor, sort: "createdAt", order: "desc" });
      yield* page.sessions;
      if (!page.nextCursor) return;
      cursor = page.nextCursor;
    }
  }
}
