import {
  batchInputSchema,
  describeIssues,
  messageInputSchema,
  normalizeSource,
  sessionInputSchema,
  SYNC_FEATURES,
  type BatchItemError,
  type MessageUpsert,
  type SessionUpsert,
  type SyncBatchResponse,
} from "@opensync/protocol";
import { parseOr400 } from "../http/validate.js";
import type { EventBus } from "../realtime/bus.js";
import type { AppliedBatch, Store } from "../store/types.js";

/** The sync half of PROTOCOL.md: validation, then one transactional upsert, then change events. */
export class SyncService {
  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
  ) {}

  async upsertSession(userId: string, body: unknown): Promise<string> {
    const session = parseOr400(sessionInputSchema, body);
    const applied = await this.apply(userId, [session], []);
    return applied.sessionIds[0];
  }

  async upsertMessage(userId: string, body: unknown): Promise<string> {
    const message = parseOr400(messageInputSchema, body);
    const applied = await this.apply(userId, [], [message]);
    return applied.messageIds[0];
  }

  /** One bad item is reported with its index; every valid item is still applied. */
  async upsertBatch(userId: string, body: unknown): Promise<SyncBatchResponse> {
    const batch = parseOr400(batchInputSchema, body);
    const errors: BatchItemError[] = [];
    const sessions: SessionUpsert[] = [];
    const messages: MessageUpsert[] = [];
    batch.sessions.forEach((item, index) => {
      const r = sessionInputSchema.safeParse(item);
      if (r.success) sessions.push(r.data);
      else errors.push({ kind: "session", index, error: describeIssues(r.error.issues) });
    });
    batch.messages.forEach((item, index) => {
      const r = messageInputSchema.safeParse(item);
      if (r.success) messages.push(r.data);
      else errors.push({ kind: "message", index, error: describeIssues(r.error.issues) });
    });
    if (sessions.length || messages.length) await this.apply(userId, sessions, messages);
    return { ok: true, sessions: sessions.length, messages: messages.length, errors, features: [...SYNC_FEATURES] };
  }

  private async apply(userId: string, sessions: SessionUpsert[], messages: MessageUpsert[]): Promise<AppliedBatch> {
    const now = Date.now();
    const applied = await this.store.sync.applyBatch(userId, sessions, messages, now);
    for (const t of applied.touched) {
      this.bus.publish(userId, { type: "session.upserted", sessionId: t.id, externalId: t.externalId, at: now });
    }
    return applied;
  }

  /** `source` is folded like a synced one (`cursor` lists `cursor-sync` sessions). */
  listExternalIds(userId: string, source?: string): Promise<string[]> {
    return this.store.sync.listExternalIds(userId, source?.trim() ? normalizeSource(source) : undefined);
  }
}
