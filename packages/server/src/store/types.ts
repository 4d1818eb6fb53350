import type {
  MessageUpsert,
  Message,
  Session,
  SessionListQuery,
  SessionUpsert,
  StatsGroup,
  SessionTimeline,
  StatsGroupRow,
  StatsSplit,
  UsageTotals,
} from "@opensync/protocol";

/**
 * The store: one small repository per concern, each implemented once over Kysely and run on
 * every backend. Services call these; routes never do.
 */
export interface Store {
  readonly backend: "sqlite" | "postgres";
  users: UsersRepo;
  auth: AuthRepo;
  keys: KeysRepo;
  sync: SyncRepo;
  sessions: SessionsRepo;
  stats: StatsRepo;
  apiLogs: ApiLogsRepo;
  close(): Promise<void>;
}

export interface UserRecord {
  id: string;
  email: string;
  name: string | null;
  passwordHash: string | null;
  role: "owner" | "member";
  createdAt: number;
}

/** `UsersRepo.create` for an email that is already taken (also when two creates race). */
export class DuplicateEmailError extends Error {
  constructor(readonly email: string) {
    super(`a user with email ${email} already exists`);
  }
}

export interface UsersRepo {
  count(): Promise<number>;
  /** Throws DuplicateEmailError when the email is taken. */
  create(user: { email: string; name?: string | null; passwordHash?: string | null; role: "owner" | "member" }): Promise<UserRecord>;
  byEmail(email: string): Promise<UserRecord | undefined>;
  byId(id: string): Promise<UserRecord | undefined>;
  list(): Promise<UserRecord[]>;
  setPassword(id: string, passwordHash: string): Promise<void>;
  /** Removes the user and everything they own. */
  delete(id: string): Promise<void>;
}

export type OneTimeTokenKind = "claim" | "login";

export interface AuthRepo {
  createSession(idHash: string, userId: string, expiresAt: number): Promise<void>;
  sessionUser(idHash: string, now: number): Promise<UserRecord | undefined>;
  deleteSession(idHash: string): Promise<void>;
  createToken(tokenHash: string, kind: OneTimeTokenKind, userId: string | null, expiresAt: number): Promise<void>;
  /** Marks an unexpired, unused token as used; returns it, or undefined if it cannot be used. */
  consumeToken(tokenHash: string, kind: OneTimeTokenKind, now: number): Promise<{ userId: string | null } | undefined>;
  pruneExpired(now: number): Promise<void>;
}

export interface ApiKeyRecord {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface KeysRepo {
  create(key: { id: string; userId: string; name: string; keyHash: string; prefix: string; createdAt: number }): Promise<void>;
  list(userId: string): Promise<ApiKeyRecord[]>;
  revoke(userId: string, id: string, now: number): Promise<boolean>;
  findActive(keyHash: string): Promise<{ user: UserRecord; keyId: string } | undefined>;
  /** Renames an active key of the user; undefined when there is none with this id. */
  rename(userId: string, id: string, name: string): Promise<ApiKeyRecord | undefined>;
  touch(keyId: string, at: number): Promise<void>;
}

export interface AppliedBatch {
  /** Server id of each session item, in input order. */
  sessionIds: string[];
  /** Server id of each message item, in input order. */
  messageIds: string[];
  /** Sessions whose rows changed (for realtime events). */
  touched: Array<{ id: string; externalId: string }>;
}

export interface SyncRepo {
  /** Applies sessions then messages in one transaction, following PROTOCOL.md's totals rules. */
  applyBatch(userId: string, sessions: SessionUpsert[], messages: MessageUpsert[], now: number): Promise<AppliedBatch>;
  listExternalIds(userId: string, source?: string): Promise<string[]>;
}

export interface SessionPage { sessions: Session[]; nextCursor: string | null }

export interface MessagePageRequest { limit: number; cursor?: string; around?: string }
export interface MessagePageRows { messages: Message[]; prevCursor: string | null; nextCursor: string | null; total: number }

export interface SessionsRepo {
  list(userId: string, query: SessionListQuery): Promise<SessionPage>;
  /** By server id first, then by externalId. */
  get(userId: string, idOrExternalId: string): Promise<Session | undefined>;
  messages(sessionId: string): Promise<Message[]>;
  /** One keyset page in session order (InvalidMessageCursorError / UnknownMessageError on bad input). */
  messagePage(sessionId: string, request: MessagePageRequest): Promise<MessagePageRows>;
  timeline(sessionId: string): Promise<SessionTimeline>;
  /** Shares (a slug) or stops sharing (null) a session of the user; undefined when it is not theirs. */
  setPublic(userId: string, sessionId: string, slug: string | null): Promise<Session | undefined>;
  /** A shared session by its slug, whoever owns it. */
  byPublicSlug(slug: string): Promise<Session | undefined>;
  delete(userId: string, sessionId: string): Promise<boolean>;
  deleteAll(userId: string): Promise<number>;
  /** Every session of the user, newest first, in pages (exports). */
  iterate(userId: string, pageSize?: number): AsyncIterable<Session>;
}

export interface StatsRange { from?: number; to?: number }

/** The groups a store computes; weeks, months and the hour-of-week grid are folded from time units. */
export type StoreStatsGroup = Exclude<StatsGroup, "week" | "month" | "hourOfWeek">;

/** Totals of one local time unit: `unit` = floor((createdAt + offset) / unit length), days or hours since 1970. */
export interface TimeUnitRow extends UsageTotals { unit: number }

/** Totals of one local time unit and one value of the split field (model or source; null where unset). */
export interface SplitUnitRow extends TimeUnitRow { key: string | null }

/** A message that carries usage, for the 5-hour blocks. */
export interface UsageEntry {
  createdAt: number;
  model: string | null;
  promptTokens: number;
  completionTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  totalTokens: number;
  cost: number;
}

export interface StatsRepo {
  totals(userId: string, range: StatsRange): Promise<UsageTotals & { firstSessionAt: number | null; lastSessionAt: number | null }>;
  /** Grouped totals; `day` keys are `YYYY-MM-DD` in the given offset (minutes east of UTC). */
  groups(userId: string, by: StoreStatsGroup, range: StatsRange, tzOffsetMinutes: number): Promise<StatsGroupRow[]>;
  /**
   * Totals per local day or hour (`unitMs` 86,400,000 or 3,600,000), in time order; with `cycle`,
   * units folded modulo it (168: the hours of a week).
   */
  timeUnits(userId: string, range: StatsRange, tzOffsetMinutes: number, unitMs: number, cycle?: number): Promise<TimeUnitRow[]>;
  /** Totals per local day and model or source, in time order. */
  splitDays(userId: string, by: StatsSplit, range: StatsRange, tzOffsetMinutes: number): Promise<SplitUnitRow[]>;
  /** The user's messages with tokens or cost created in the range, in time order. */
  usageEntries(userId: string, range: Required<StatsRange>): Promise<UsageEntry[]>;
}

export interface ApiLogEntry {
  userId: string | null;
  /** The API key the call was made with (null: cookie, trusted header, or no credentials). */
  keyId: string | null;
  method: string;
  endpoint: string;
  status: number;
  durationMs: number;
  createdAt: number;
}

export interface ApiLogsRepo {
  insertMany(entries: ApiLogEntry[]): Promise<void>;
  /** Newest first, with the name of the key each call used. */
  recent(userId: string, limit: number): Promise<Array<ApiLogEntry & { keyName: string | null }>>;
  pruneBefore(cutoff: number): Promise<number>;
}
