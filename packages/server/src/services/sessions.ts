import type {
  Message,
  MessagePage,
  MessagePageQuery,
  PublicMessagePage,
  PublicSession,
  Session,
  SessionDetailResponse,
  SessionListQuery,
  SessionListResponse,
  SessionTimeline,
  ShareResponse,
} from "@opensync/protocol";
import { randomToken } from "../auth/crypto.js";
import { ApiError, notFound } from "../http/errors.js";
import type { EventBus } from "../realtime/bus.js";
import { InvalidMessageCursorError, UnknownMessageError } from "../store/kysely/message-pages.js";
import { InvalidCursorError } from "../store/kysely/sessions.js";
import type { MessagePageRows, Store } from "../store/types.js";

/** A shared session without its owner's details (PROTOCOL.md `GET /api/public/:slug`). */
export function toPublicSession(session: Session): PublicSession {
  const { externalId: _e, machine: _m, projectPath: _p, metadata: _meta, ...shown } = session;
  return shown;
}

/** Message metadata is what an agent recorded (paths, ids); a public page keeps only `truncated`. */
/** Message metadata a public page may show: how it was cut, and whether a subagent wrote it. */
const PUBLIC_MESSAGE_METADATA = ["truncated", "isSidechain", "agentId"] as const;

function toPublicMessage(message: Message): Message {
  const metadata: Record<string, unknown> = {};
  for (const key of PUBLIC_MESSAGE_METADATA) if (message.metadata[key] !== undefined) metadata[key] = message.metadata[key];
  return { ...message, metadata };
}

export class SessionsService {
  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
  ) {}

  async list(userId: string, query: SessionListQuery): Promise<SessionListResponse> {
    try {
      return await this.store.sessions.list(userId, query);
    } catch (err) {
      if (err instanceof InvalidCursorError) throw new ApiError(400, "invalid_input", `cursor: ${err.message}`);
      throw err;
    }
  }

  /** 404 for a session that does not exist and for one that belongs to someone else alike. */
  async get(userId: string, id: string): Promise<SessionDetailResponse> {
    const session = await this.store.sessions.get(userId, id);
    if (!session) throw notFound("session not found");
    return { session, messages: await this.store.sessions.messages(session.id) };
  }

  /** The session (server id or externalId) of the user, or a 404. */
  private async owned(userId: string, id: string): Promise<Session> {
    const session = await this.store.sessions.get(userId, id);
    if (!session) throw notFound("session not found");
    return session;
  }

  private async page(sessionId: string, query: MessagePageQuery): Promise<MessagePageRows> {
    try {
      return await this.store.sessions.messagePage(sessionId, query);
    } catch (err) {
      if (err instanceof InvalidMessageCursorError || err instanceof UnknownMessageError) throw new ApiError(400, "invalid_input", err.message);
      throw err;
    }
  }

  async messagePage(userId: string, id: string, query: MessagePageQuery): Promise<MessagePage> {
    const session = await this.owned(userId, id);
    return { session, ...(await this.page(session.id, query)) };
  }

  async timeline(userId: string, id: string): Promise<SessionTimeline> {
    return this.store.sessions.timeline((await this.owned(userId, id)).id);
  }

  /** Sharing on keeps an existing slug (the link stays); off forgets it, so a later share is a new link. */
  async share(userId: string, id: string, shared: boolean): Promise<ShareResponse> {
    const session = await this.owned(userId, id);
    const slug = shared ? (session.publicSlug ?? randomToken(12)) : null;
    const updated = (await this.store.sessions.setPublic(userId, session.id, slug)) ?? session;
    this.bus.publish(userId, { type: "session.upserted", sessionId: session.id, externalId: session.externalId, at: Date.now() });
    return { isPublic: updated.isPublic, publicSlug: updated.publicSlug };
  }

  private async shared(slug: string): Promise<Session> {
    const session = await this.store.sessions.byPublicSlug(slug);
    // A slug never shared and one no longer shared look the same.
    if (!session) throw notFound("no shared session at this link");
    return session;
  }

  async publicPage(slug: string, query: MessagePageQuery): Promise<PublicMessagePage> {
    const session = await this.shared(slug);
    const page = await this.page(session.id, query);
    return { ...page, session: toPublicSession(session), messages: page.messages.map(toPublicMessage) };
  }

  async publicTimeline(slug: string): Promise<SessionTimeline> {
    return this.store.sessions.timeline((await this.shared(slug)).id);
  }

  async delete(userId: string, id: string): Promise<void> {
    const session = await this.store.sessions.get(userId, id);
    if (!session || !(await this.store.sessions.delete(userId, session.id))) throw notFound("session not found");
    this.bus.publish(userId, { type: "session.deleted", sessionId: session.id, externalId: session.externalId, at: Date.now() });
  }

  async deleteAll(userId: string): Promise<number> {
    return this.store.sessions.deleteAll(userId);
  }
}
