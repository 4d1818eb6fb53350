import { sql, type Kysely } from "kysely";
import type { Message, MessageRole, Part, SessionTimeline } from "@opensync/protocol";
import type { Database } from "../schema.js";
import type { MessagePageRows, MessagePageRequest } from "../types.js";
import { chunks } from "./row-writer.js";
import { num, toMessage, toPart } from "./rows.js";

/** A position in session order: (created_at, id). */
type Key = [createdAt: number, id: number];

/** Opaque message cursor: the direction and the key of the row it continues from. */
export function encodeMessageCursor(direction: "after" | "before", key: Key): string {
  return Buffer.from(JSON.stringify([direction === "after" ? "a" : "b", key[0], key[1]])).toString("base64url");
}

export function decodeMessageCursor(cursor: string): { direction: "after" | "before"; key: Key } | undefined {
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(v) && v.length === 3 && (v[0] === "a" || v[0] === "b") && Number.isSafeInteger(v[1]) && Number.isSafeInteger(v[2])) {
      return { direction: v[0] === "a" ? "after" : "before", key: [v[1], v[2]] };
    }
  } catch {
    /* not ours */
  }
  return undefined;
}

export class InvalidMessageCursorError extends Error {}
export class UnknownMessageError extends Error {}

/**
 * Keyset pages over one session's messages in (created_at, id) order, served by the
 * `messages_session_created` index (its entries end with the rowid, which is `id`), so a page
 * costs the same at message 10 and at message 10,000.
 */
export class KyselyMessagePages {
  constructor(private readonly db: Kysely<Database>) {}

  private rows(sessionId: string, direction: "after" | "before", from: Key | undefined, limit: number, inclusive = false) {
    let q = this.db.selectFrom("messages").selectAll().where("session_id", "=", sessionId);
    if (from) {
      const [at, id] = from;
      const op = direction === "after" ? ">" : "<";
      const idOp = inclusive ? (direction === "after" ? ">=" : "<=") : op;
      q = q.where((eb) => eb.or([eb("created_at", op, at), eb.and([eb("created_at", "=", at), eb("id", idOp, id)])]));
    }
    const order = direction === "after" ? "asc" : "desc";
    return q.orderBy("created_at", order).orderBy("id", order).limit(limit).execute();
  }

  async page(sessionId: string, request: MessagePageRequest): Promise<MessagePageRows> {
    const { limit } = request;
    let before: Awaited<ReturnType<KyselyMessagePages["rows"]>> = [];
    let after: typeof before = [];
    let hasPrev = false;
    let hasNext = false;

    if (request.around !== undefined) {
      const target = await this.db
        .selectFrom("messages")
        .select(["created_at", "id"])
        .where("session_id", "=", sessionId)
        .where("id", "=", Number(request.around))
        .executeTakeFirst();
      if (!target) throw new UnknownMessageError(`around: no message ${request.around} in this session`);
      const key: Key = [num(target.created_at), num(target.id)];
      // Up to a full page on each side, then a window with the target in the middle, moved
      // inwards near either end so the page is still full.
      const earlier = (await this.rows(sessionId, "before", key, limit + 1)).reverse();
      const later = await this.rows(sessionId, "after", key, limit + 1, true);
      const half = Math.floor((limit - 1) / 2);
      const takeBefore = Math.min(earlier.length, later.length < limit - half ? limit - later.length : half);
      const takeAfter = Math.min(later.length, limit - takeBefore);
      before = earlier.slice(earlier.length - takeBefore);
      after = later.slice(0, takeAfter);
      hasPrev = earlier.length > takeBefore;
      hasNext = later.length > takeAfter;
    } else if (request.cursor) {
      const decoded = decodeMessageCursor(request.cursor);
      if (!decoded) throw new InvalidMessageCursorError("cursor: not one this server issued");
      const rows = await this.rows(sessionId, decoded.direction, decoded.key, limit + 1);
      const more = rows.length > limit;
      const page = rows.slice(0, limit);
      if (decoded.direction === "after") {
        after = page;
        hasNext = more;
        // Continuing after a row: that row is before this page.
        hasPrev = true;
      } else {
        after = page.reverse();
        hasPrev = more;
        hasNext = true;
      }
    } else {
      const rows = await this.rows(sessionId, "after", undefined, limit + 1);
      hasNext = rows.length > limit;
      after = rows.slice(0, limit);
    }

    const rows = [...before, ...after];
    const parts = await this.partsOf(rows.map((r) => num(r.id)));
    const messages: Message[] = rows.map((r) => toMessage(r, parts.get(num(r.id)) ?? []));
    const first = rows[0];
    const last = rows[rows.length - 1];
    return {
      messages,
      prevCursor: first && hasPrev ? encodeMessageCursor("before", [num(first.created_at), num(first.id)]) : null,
      nextCursor: last && hasNext ? encodeMessageCursor("after", [num(last.created_at), num(last.id)]) : null,
      total: await this.count(sessionId),
    };
  }

  private async count(sessionId: string): Promise<number> {
    const row = await this.db
      .selectFrom("messages")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("session_id", "=", sessionId)
      .executeTakeFirstOrThrow();
    return num(row.n);
  }

  private async partsOf(messageIds: number[]): Promise<Map<number, Part[]>> {
    const byMessage = new Map<number, Part[]>();
    for (const ids of chunks(messageIds, 900)) {
      const parts = await this.db
        .selectFrom("parts")
        .selectAll()
        .where("message_id", "in", ids)
        .orderBy("message_id")
        .orderBy("ord")
        .execute();
      for (const p of parts) {
        const key = num(p.message_id);
        const list = byMessage.get(key);
        if (list) list.push(toPart(p));
        else byMessage.set(key, [toPart(p)]);
      }
    }
    return byMessage;
  }

  /**
   * Every message's role, time, tokens, cost, text length and tool-call/error counts: two
   * index-ordered scans, no message text or part content leaves the database. A failed call is
   * recognised in the stored part JSON (`"status":"error"` on a call, `"isError":true` on a
   * result), spelled the way JSON.stringify writes it when the part is stored.
   */
  async timeline(sessionId: string): Promise<SessionTimeline> {
    const rows = await this.db
      .selectFrom("messages")
      .select((eb) => [
        "id",
        "role",
        "created_at",
        "total_tokens",
        "cost",
        eb.fn.coalesce(eb.fn<number>("length", ["text_content"]), sql.lit(0)).as("text_length"),
      ])
      .where("session_id", "=", sessionId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    const flags = await this.db
      .selectFrom("parts")
      .innerJoin("messages", "messages.id", "parts.message_id")
      .select((eb) => [
        "parts.message_id",
        eb.fn.sum<number>(sql`case when parts.type = 'tool-call' then 1 else 0 end`).as("tool_calls"),
        eb.fn
          .sum<number>(
            sql`case when (parts.type = 'tool-call' and parts.content like '%"status":"error"%') or (parts.type = 'tool-result' and parts.content like '%"isError":true%') then 1 else 0 end`,
          )
          .as("errors"),
      ])
      .where("messages.session_id", "=", sessionId)
      .where("parts.type", "in", ["tool-call", "tool-result"])
      .groupBy("parts.message_id")
      .execute();
    const flagsOf = new Map(flags.map((f) => [num(f.message_id), f]));
    const timeline: SessionTimeline = { sessionId, ids: [], roles: [], createdAt: [], totalTokens: [], cost: [], toolCalls: [], errors: [], textLength: [] };
    for (const r of rows) {
      const id = num(r.id);
      const f = flagsOf.get(id);
      timeline.ids.push(String(id));
      timeline.roles.push(r.role as MessageRole);
      timeline.createdAt.push(num(r.created_at));
      timeline.totalTokens.push(num(r.total_tokens));
      timeline.cost.push(num(r.cost));
      timeline.toolCalls.push(num(f?.tool_calls));
      timeline.errors.push(num(f?.errors));
      timeline.textLength.push(num(r.text_length));
    }
    return timeline;
  }
}
