import type { Kysely, Transaction } from "kysely";
import type { MessageUpsert, SessionUpsert } from "@opensync/protocol";
import { newId } from "../ids.js";
import { mergeMessage, mergeSession, textOfParts, type MessageRowValues } from "../merge.js";
import { OUTPUT_IS_TEXT_LIKE, outputIsInText, storedPartContent, withOutput } from "../tool-output.js";
import type { Database, SessionsTable } from "../schema.js";
import type { AppliedBatch, SyncRepo } from "../types.js";
import { chunks, kyselyRowWriter, type NewPartRow, type RowWriter } from "./row-writer.js";
import { num } from "./rows.js";
import { overflowFreeSum } from "./sums.js";

const IDS_PER_IN_LIST = 900;


const MESSAGE_MERGE_COLUMNS = [
  "id", "external_id", "role", "text_content", "model", "provider", "source", "prompt_tokens",
  "completion_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "total_tokens",
  "cost", "duration_ms", "created_at", "metadata",
] as const;

export class KyselySyncRepo implements SyncRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: RowWriter = kyselyRowWriter,
  ) {}

  async applyBatch(userId: string, sessions: SessionUpsert[], messages: MessageUpsert[], now: number): Promise<AppliedBatch> {
    return this.db.transaction().execute(async (trx) => {
      const result: AppliedBatch = { sessionIds: [], messageIds: new Array(messages.length), touched: [] };
      const sessionIds = new Map<string, string>();
      const touched = new Map<string, string>();

      for (const input of sessions) {
        const id = await this.upsertSession(trx, userId, input, now);
        sessionIds.set(input.externalId, id);
        touched.set(id, input.externalId);
        result.sessionIds.push(id);
      }

      // Messages are applied per session so one IN-list finds every existing row at once.
      const bySession = new Map<string, number[]>();
      messages.forEach((m, index) => {
        const list = bySession.get(m.sessionExternalId);
        if (list) list.push(index);
        else bySession.set(m.sessionExternalId, [index]);
      });
      for (const [sessionExternalId, indexes] of bySession) {
        const group = indexes.map((i) => messages[i]);
        let sessionId = sessionIds.get(sessionExternalId);
        if (!sessionId) {
          sessionId = await this.ensureSession(trx, userId, group, now);
          sessionIds.set(sessionExternalId, sessionId);
        } else {
          await this.labelIfDefaulted(trx, sessionId, group);
        }
        touched.set(sessionId, sessionExternalId);
        await this.upsertMessages(trx, userId, sessionId, indexes, messages, now, result.messageIds);
      }

      await this.refreshTotals(trx, [...touched.keys()]);
      result.touched = [...touched].map(([id, externalId]) => ({ id, externalId }));
      return result;
    });
  }

  async listExternalIds(userId: string, source?: string): Promise<string[]> {
    let q = this.db.selectFrom("sessions").select("external_id").where("user_id", "=", userId);
    if (source) q = q.where("source", "=", source);
    const rows = await q.orderBy("updated_at", "desc").execute();
    return rows.map((r) => r.external_id);
  }

  private async upsertSession(trx: Transaction<Database>, userId: string, input: SessionUpsert, now: number): Promise<string> {
    const existing = (await trx
      .selectFrom("sessions")
      .selectAll()
      .where("user_id", "=", userId)
      .where("external_id", "=", input.externalId)
      .executeTakeFirst()) as SessionsTable | undefined;
    const values = mergeSession(existing, input, now);
    if (existing) {
      await trx.updateTable("sessions").set(values).where("id", "=", existing.id).execute();
      return existing.id;
    }
    const id = newId();
    await trx
      .insertInto("sessions")
      .values({
        ...values,
        id,
        user_id: userId,
        external_id: input.externalId,
        prompt_tokens: 0,
        completion_tokens: 0,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        reasoning_tokens: 0,
        total_tokens: 0,
        cost: 0,
        duration_ms: 0,
        message_count: 0,
        is_public: 0,
        public_slug: null,
      })
      .execute();
    return id;
  }

  /**
   * A message may arrive before its session: create the session from what the messages say, with
   * the source the first of them names (the default only when none names one). An existing session
   * is relabelled only if its source was the default (see `labelIfDefaulted`).
   */
  private async ensureSession(trx: Transaction<Database>, userId: string, group: MessageUpsert[], now: number): Promise<string> {
    const externalId = group[0].sessionExternalId;
    const found = await trx
      .selectFrom("sessions")
      .select("id")
      .where("user_id", "=", userId)
      .where("external_id", "=", externalId)
      .executeTakeFirst();
    if (found) {
      await this.labelIfDefaulted(trx, found.id, group);
      return found.id;
    }
    const times = group.map((m) => m.createdAt).filter((t): t is number => t !== undefined);
    return this.upsertSession(
      trx,
      userId,
      {
        externalId,
        source: namedSource(group),
        createdAt: times.length ? Math.min(...times) : undefined,
        updatedAt: times.length ? Math.max(...times) : undefined,
        metadata: {},
      },
      now,
    );
  }

  /**
   * A session labelled with the default source only because nothing named one takes the source
   * its messages name. A source named before (by the session itself or an earlier message) stays:
   * a message never overrides a session's explicit source.
   */
  private async labelIfDefaulted(trx: Transaction<Database>, sessionId: string, group: MessageUpsert[]): Promise<void> {
    const source = namedSource(group);
    if (source === undefined) return;
    await trx
      .updateTable("sessions")
      .set({ source, source_named: 1 })
      .where("id", "=", sessionId)
      .where("source_named", "=", 0)
      .execute();
  }

  private async upsertMessages(
    trx: Transaction<Database>,
    userId: string,
    sessionId: string,
    indexes: number[],
    messages: MessageUpsert[],
    now: number,
    messageIds: string[],
  ): Promise<void> {
    const externalIds = [...new Set(indexes.map((i) => messages[i].externalId))];
    const existing = new Map<string, MessageRowValues & { id: number }>();
    for (const ids of chunks(externalIds, IDS_PER_IN_LIST)) {
      const rows = await trx
        .selectFrom("messages")
        .select(MESSAGE_MERGE_COLUMNS)
        .where("session_id", "=", sessionId)
        .where("external_id", "in", ids)
        .execute();
      for (const row of rows) existing.set(row.external_id, row as unknown as MessageRowValues & { id: number });
    }

    // Merge in input order; a message repeated inside the batch merges onto its earlier copy.
    const pending = new Map<string, { values: MessageRowValues; parts?: MessageUpsert["parts"]; indexes: number[] }>();
    for (const index of indexes) {
      const input = messages[index];
      const prior = pending.get(input.externalId);
      const base = prior?.values ?? existing.get(input.externalId);
      const values = mergeMessage(base, input, input.textContent === undefined ? textOfParts(input.parts, input.role) : undefined, now);
      if (prior) {
        prior.values = values;
        prior.parts = input.parts ?? prior.parts;
        prior.indexes.push(index);
      } else pending.set(input.externalId, { values, parts: input.parts, indexes: [index] });
    }

    const idOf = new Map<string, number>();
    const inserts: Array<{ externalId: string; values: MessageRowValues }> = [];
    for (const [externalId, p] of pending) {
      const row = existing.get(externalId);
      if (row) {
        idOf.set(externalId, num(row.id));
        await trx.updateTable("messages").set(p.values).where("id", "=", row.id).execute();
      } else inserts.push({ externalId, values: p.values });
    }
    if (inserts.length) {
      const ids = await this.writer.insertMessages(trx, sessionId, userId, inserts);
      inserts.forEach((m, i) => idOf.set(m.externalId, ids[i]));
    }

    // A message whose text changes while its parts stay (none sent) keeps the output its stored
    // parts had in the old text (tool-output.ts): written back into those parts first.
    const keptParts = [...pending].filter(([externalId, p]) => {
      const row = existing.get(externalId);
      return p.parts === undefined && row !== undefined && row.role === "tool" && row.text_content !== p.values.text_content;
    });
    for (const [externalId] of keptParts) {
      const row = existing.get(externalId)!;
      const marked = await trx
        .selectFrom("parts")
        .select(["id", "content"])
        .where("message_id", "=", row.id)
        .where("type", "=", "tool-result")
        .where("content", "like", OUTPUT_IS_TEXT_LIKE)
        .execute();
      for (const part of marked) {
        const content = JSON.parse(part.content) as unknown;
        if (!outputIsInText(content)) continue;
        await trx.updateTable("parts").set({ content: JSON.stringify(withOutput(content, row.text_content)) }).where("id", "=", part.id).execute();
      }
    }

    // Parts are replaced wholesale for every message that sent parts.
    const replaced = [...pending].filter(([externalId, p]) => p.parts !== undefined && existing.has(externalId));
    for (const group of chunks(replaced.map(([externalId]) => idOf.get(externalId)!), IDS_PER_IN_LIST)) {
      await trx.deleteFrom("parts").where("message_id", "in", group).execute();
    }
    const partRows: NewPartRow[] = [];
    for (const [externalId, p] of pending) {
      if (!p.parts) continue;
      const messageId = idOf.get(externalId)!;
      const { role, text_content: text } = p.values;
      p.parts.forEach((part, ord) => {
        partRows.push({ message_id: messageId, ord, type: part.type, content: storedPartContent(part, role, text, p.parts!) });
      });
    }
    if (partRows.length) await this.writer.insertParts(trx, partRows);

    for (const [externalId, p] of pending) {
      const id = String(idOf.get(externalId));
      for (const index of p.indexes) messageIds[index] = id;
    }
  }

  /** Effective totals = explicit values where sent, otherwise sums over the session's messages. */
  private async refreshTotals(trx: Transaction<Database>, sessionIds: string[]): Promise<void> {
    for (const ids of chunks(sessionIds, IDS_PER_IN_LIST)) {
      const sums = await trx
        .selectFrom("messages")
        .select((eb) => [
          "session_id",
          eb.fn.countAll<number>().as("n"),
          overflowFreeSum("prompt_tokens").as("prompt"),
          overflowFreeSum("completion_tokens").as("completion"),
          overflowFreeSum("cache_read_tokens").as("cache_read"),
          overflowFreeSum("cache_write_tokens").as("cache_write"),
          overflowFreeSum("reasoning_tokens").as("reasoning"),
          overflowFreeSum("cost").as("cost"),
          overflowFreeSum("duration_ms").as("duration"),
          eb.fn.min<number>("created_at").as("first_at"),
          eb.fn.max<number>("created_at").as("last_at"),
        ])
        .where("session_id", "in", ids)
        .groupBy("session_id")
        .execute();
      const sumById = new Map(sums.map((s) => [s.session_id, s]));
      const sessions = await trx.selectFrom("sessions").selectAll().where("id", "in", ids).execute();
      for (const s of sessions) {
        const m = sumById.get(s.id);
        const pick = (explicit: number | null, sum: unknown) => (explicit !== null ? num(explicit) : num(sum));
        const prompt = pick(s.x_prompt_tokens, m?.prompt);
        const completion = pick(s.x_completion_tokens, m?.completion);
        const cacheRead = pick(s.x_cache_read_tokens, m?.cache_read);
        const cacheWrite = pick(s.x_cache_write_tokens, m?.cache_write);
        const reasoning = pick(s.x_reasoning_tokens, m?.reasoning);
        const messageCount = num(m?.n);
        const firstAt = m ? num(m.first_at) : undefined;
        const lastAt = m ? num(m.last_at) : undefined;
        // Without an explicit duration, a session lasts from its first to its last message.
        const spanned = firstAt !== undefined && lastAt !== undefined ? lastAt - Math.min(firstAt, num(s.created_at)) : 0;
        let model = s.model;
        if (!model && messageCount > 0) {
          const latest = await trx
            .selectFrom("messages")
            .select("model")
            .where("session_id", "=", s.id)
            .where("model", "is not", null)
            .orderBy("created_at", "desc")
            .limit(1)
            .executeTakeFirst();
          model = latest?.model ?? null;
        }
        await trx
          .updateTable("sessions")
          .set({
            prompt_tokens: prompt,
            completion_tokens: completion,
            cache_read_tokens: cacheRead,
            cache_write_tokens: cacheWrite,
            reasoning_tokens: reasoning,
            total_tokens: prompt + completion + cacheRead + cacheWrite + reasoning,
            cost: pick(s.x_cost, m?.cost),
            duration_ms: s.x_duration_ms !== null ? num(s.x_duration_ms) : Math.max(num(m?.duration), spanned),
            message_count: messageCount > 0 ? messageCount : num(s.declared_message_count),
            model,
            created_at: firstAt !== undefined ? Math.min(num(s.created_at), firstAt) : num(s.created_at),
            updated_at: lastAt !== undefined ? Math.max(num(s.updated_at), lastAt) : num(s.updated_at),
          })
          .where("id", "=", s.id)
          .execute();
      }
    }
  }
}

/** The source the first message of a group names, if any (blank sources name nothing). */
function namedSource(group: MessageUpsert[]): string | undefined {
  return group.find((m) => m.source !== undefined)?.source;
}
