import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { toolOutputText, type SyncFeature } from "@opensync/protocol/tool-output";
import { OpenSyncError, type OpenSyncClient } from "@opensync/protocol/client";
import { fitMessage } from "./limits.js";
import { messageJson } from "./message-json.js";

const gzipAsync = promisify(gzip);

export interface UploadItems {
  sessions: unknown[];
  messages: unknown[];
}

/** Where a pushed group came from, so a rejected item can be traced to its source unit. */
export interface UploadOrigin {
  unitKey: string;
  agent: string;
}

/** An item the server refused; the rest of its batch was applied and acknowledged. */
export interface RejectedItem extends UploadOrigin {
  kind: "session" | "message";
  sessionExternalId: string | null;
  externalId: string | null;
  error: string;
}

export interface UploaderOptions {
  /** Messages per request (default 500). */
  maxMessages?: number;
  /** Sessions per request (default 500; the server takes at most 5,000, issue 7 defect 6). */
  maxSessions?: number;
  /** Serialised UTF-8 bytes per request before compression (default 4 MiB). */
  maxBytes?: number;
  /** Attempts per request for retryable failures (default 6). */
  attempts?: number;
  /** Requests in flight at once (default 2): parsing continues while one uploads. */
  concurrency?: number;
  /** Compress bodies (default: yes, except to a loopback server where it only costs CPU). */
  gzip?: boolean;
  /** Called with the items the server rejected (validation); their batch is still acknowledged. */
  onRejected?: (items: RejectedItem[]) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** The server is unreachable or keeps failing: stop now, nothing is lost, the next trigger retries. */
export class UploadUnavailableError extends Error {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/**
 * One serialised upsert and what identifies it. Kept as UTF-8 bytes: a request body is then the
 * concatenation of its items, posted as bytes (a string body would be scanned, converted to a USV
 * string and encoded again by fetch, which costs more than serialising on 100 KB tool outputs).
 */
interface Item {
  kind: "session" | "message";
  json: Buffer;
  /** Bytes in the request body: the JSON and the comma after it. */
  bytes: number;
  origin?: UploadOrigin;
  /** Sessions: the external id, and the order in which this version was pushed. */
  sessionKey?: string;
  seq?: number;
}

interface Pending {
  items: Item[];
  sessions: number;
  messages: number;
  bytes: number;
  acks: Array<() => void | Promise<void>>;
  /** Sessions this request carries, so a session cut from its messages by a split is carried again. */
  sessionKeys: Set<string>;
}

const emptyPending = (): Pending => ({ items: [], sessions: 0, messages: 0, bytes: 0, acks: [], sessionKeys: new Set() });
const isLoopback = (url: string) => /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/i.test(url);
/** A message still refused (413) at this size is rejected rather than cut to nothing. */
const SMALLEST_MESSAGE_BYTES = 64 * 1024;
/**
 * A 413 for a request this small is not about our data: a body limit (of the server or a proxy in
 * front of it) set absurdly low. Rejecting items for it would drop them; the run stops instead.
 */
const TOO_SMALL_TO_BE_TOO_LARGE = 64 * 1024;

function idOf(value: unknown): string | null {
  return typeof value === "string" || typeof value === "number" ? String(value) : null;
}

function describe(item: Item): Pick<RejectedItem, "kind" | "sessionExternalId" | "externalId"> {
  try {
    const v = JSON.parse(item.json.toString("utf8")) as Record<string, unknown>;
    if (item.kind === "session") return { kind: "session", sessionExternalId: idOf(v.externalId ?? v.sessionId), externalId: idOf(v.externalId ?? v.sessionId) };
    return { kind: "message", sessionExternalId: idOf(v.sessionExternalId), externalId: idOf(v.externalId) };
  } catch {
    return { kind: item.kind, sessionExternalId: null, externalId: null };
  }
}

/**
 * Accumulates upserts into `/sync/batch` requests bounded by sessions, messages and UTF-8 bytes,
 * sends them with retries (exponential backoff with jitter, honouring 429 Retry-After), and runs
 * each pushed group's `onAcked` only once the server acknowledged it, in push order.
 *
 * Nothing wedges a sync forever: a request the server finds too large (413) is split, down to a
 * single message that is cut until it fits; a request refused as a whole (400) is bisected to the
 * item at fault. Such an item is reported through `onRejected` and its group acknowledged, like an
 * item the server rejected inside an accepted batch. Only unavailability and refused credentials
 * stop the run.
 */
export class Uploader {
  private current: Pending = emptyPending();
  private readonly inflight = new Set<Promise<void>>();
  /** Acks are chained so a later batch never commits a checkpoint before an earlier one. */
  private ackChain: Promise<void> = Promise.resolve();
  private failure: unknown;
  private readonly opts: Required<Omit<UploaderOptions, "onRejected">> & Pick<UploaderOptions, "onRejected">;
  /**
   * Session upserts repeat in every chunk, each version more complete than the last. Requests run
   * concurrently and a retried one can land after a later one, so an older version could win on the
   * server. The latest version pushed and the newest version applied are tracked per session; an
   * older version applied after a newer one triggers a re-send of the latest.
   */
  private readonly latestSession = new Map<string, Item>();
  private readonly appliedSeq = new Map<string, number>();
  private sessionSeq = 0;
  /** What the server announced in its batch responses (none until the first one arrives). */
  private readonly serverFeatures = new Set<SyncFeature>();
  readonly totals = { requests: 0, sessions: 0, messages: 0, bytesSent: 0, rejected: 0 };

  constructor(
    private readonly client: OpenSyncClient,
    options: UploaderOptions = {},
  ) {
    this.opts = {
      maxMessages: options.maxMessages ?? 500,
      maxSessions: options.maxSessions ?? 500,
      maxBytes: options.maxBytes ?? 4 * 1024 * 1024,
      attempts: options.attempts ?? 6,
      concurrency: options.concurrency ?? 2,
      gzip: options.gzip ?? !isLoopback(client.baseUrl),
      onRejected: options.onRejected,
      sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    };
  }

  /** Queues a group of upserts; `onAcked` runs after every request carrying part of it succeeded. */
  async push(items: UploadItems, onAcked: () => void | Promise<void>, origin?: UploadOrigin): Promise<void> {
    this.throwIfFailed();
    const pushedSessions = new Map<string, Item>();
    for (const s of items.sessions) {
      const item = this.item("session", s, origin);
      if (item.sessionKey !== undefined) pushedSessions.set(item.sessionKey, item);
      await this.add(item);
    }
    for (const m of items.messages) {
      const key = idOf((m as { sessionExternalId?: unknown }).sessionExternalId);
      await this.add(this.item("message", m, origin), key === null ? undefined : pushedSessions.get(key));
    }
    this.current.acks.push(onAcked);
    if (this.full()) await this.send();
  }

  /** Sends what is buffered and waits for every request and acknowledgement. */
  async flush(): Promise<void> {
    this.throwIfFailed();
    if (this.current.items.length || this.current.acks.length) await this.send();
    while (this.inflight.size) await Promise.race(this.inflight);
    await this.ackChain;
    this.throwIfFailed();
  }

  private item(kind: Item["kind"], value: unknown, origin?: UploadOrigin): Item {
    const wire = kind === "message" && this.serverFeatures.has("tool-text-from-output") ? withoutRepeatedToolText(value) : value;
    // A tool output the collector read as a JSON literal is sent as those bytes (message-json.ts).
    const json = kind === "message" ? messageJson(wire) : Buffer.from(JSON.stringify(wire), "utf8");
    const item: Item = { kind, json, bytes: json.length + 1, origin };
    if (kind === "session") {
      const v = value as { externalId?: unknown; sessionId?: unknown };
      const key = idOf(v.externalId ?? v.sessionId);
      if (key !== null) {
        item.sessionKey = key;
        item.seq = ++this.sessionSeq;
        this.latestSession.set(key, item);
      }
    }
    return item;
  }

  /** Sessions of a delivered request whose newer version was already applied: send the latest again. */
  private async restoreNewerSessions(delivered: Item[]): Promise<void> {
    const stale: Item[] = [];
    for (const item of delivered) {
      if (item.sessionKey === undefined || item.seq === undefined) continue;
      const applied = this.appliedSeq.get(item.sessionKey) ?? 0;
      if (item.seq < applied) {
        const latest = this.latestSession.get(item.sessionKey);
        if (latest) stale.push(latest);
      } else this.appliedSeq.set(item.sessionKey, item.seq);
    }
    if (stale.length) await this.post(stale);
  }

  private full(): boolean {
    const c = this.current;
    return c.messages >= this.opts.maxMessages || c.sessions >= this.opts.maxSessions || c.bytes >= this.opts.maxBytes;
  }

  /**
   * Adds an item to the request being built, sending that request first when the item would not fit.
   * `session` is the pushed session a message belongs to: a request holding the message holds it too.
   * Requests run concurrently, so a later chunk of a long session can reach the server before the
   * chunk that carried the session; repeating it (a few hundred bytes per request) means the server
   * always has the session's facts (its source above all) when it first sees one of its messages.
   */
  private async add(item: Item, session?: Item): Promise<void> {
    const c = this.current;
    const countFull = item.kind === "message" ? c.messages >= this.opts.maxMessages : c.sessions >= this.opts.maxSessions;
    if (c.items.length > 0 && (countFull || c.bytes + item.bytes > this.opts.maxBytes)) await this.send();
    const next = this.current;
    if (session?.sessionKey !== undefined && !next.sessionKeys.has(session.sessionKey)) {
      next.items.push(session);
      next.bytes += session.bytes;
      next.sessions++;
      next.sessionKeys.add(session.sessionKey);
    }
    if (item.sessionKey !== undefined) next.sessionKeys.add(item.sessionKey);
    next.items.push(item);
    next.bytes += item.bytes;
    if (item.kind === "message") next.messages++;
    else next.sessions++;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private async send(): Promise<void> {
    const batch = this.current;
    this.current = emptyPending();
    while (this.inflight.size >= this.opts.concurrency) await Promise.race(this.inflight);
    this.throwIfFailed();
    const request = this.deliver(batch.items);
    const acked = request.then(() => batch.acks);
    // Handled in the ack chain below, possibly later than it settles: don't let it count as unhandled.
    acked.catch(() => {});
    // Chain acknowledgements in submission order.
    this.ackChain = this.ackChain.then(async () => {
      let acks: Pending["acks"];
      try {
        acks = await acked;
      } catch (err) {
        this.failure ??= err;
        return;
      }
      if (this.failure) return;
      for (const ack of acks) await ack();
    });
    const tracked: Promise<void> = request.then(
      () => {
        this.inflight.delete(tracked);
      },
      (err) => {
        this.failure ??= err;
        this.inflight.delete(tracked);
      },
    );
    this.inflight.add(tracked);
  }

  private reject(items: Array<{ item: Item; error: string }>): void {
    if (!items.length) return;
    this.totals.rejected += items.length;
    this.opts.onRejected?.(
      items.map(({ item, error }) => ({ ...describe(item), unitKey: item.origin?.unitKey ?? "", agent: item.origin?.agent ?? "", error })),
    );
  }

  /**
   * Delivers items (sessions first, as the server applies them). A 413 halves the request (a
   * single message is cut instead); a 400 refusing the whole request is bisected to the bad item.
   */
  private async deliver(items: Item[]): Promise<void> {
    if (!items.length) return;
    try {
      await this.post(items);
    } catch (err) {
      if (!(err instanceof OpenSyncError) || (err.status !== 413 && err.status !== 400)) throw err;
      const requestBytes = items.reduce((n, i) => n + i.bytes, 0);
      if (err.status === 413 && requestBytes <= TOO_SMALL_TO_BE_TOO_LARGE) {
        throw new UploadUnavailableError(
          `the server (or a proxy in front of it) refuses a ${requestBytes}-byte request as too large (413): check its body limit (OPENSYNC_MAX_BODY_BYTES, or the proxy's)`,
          err,
        );
      }
      if (items.length > 1) {
        const half = Math.ceil(items.length / 2);
        await this.deliver(items.slice(0, half));
        await this.deliver(items.slice(half));
        return;
      }
      const [only] = items;
      if (err.status === 413 && only.kind === "message" && only.bytes > SMALLEST_MESSAGE_BYTES) {
        const smaller = fitMessage(JSON.parse(only.json.toString("utf8")) as Record<string, unknown>, Math.max(SMALLEST_MESSAGE_BYTES, Math.floor(only.bytes / 2)));
        await this.deliver([this.item("message", smaller, only.origin)]);
        return;
      }
      this.reject([{ item: only, error: `${err.status}: ${err.message}` }]);
    }
  }

  /** One request, retried while the failure is transient. */
  private async post(items: Item[]): Promise<void> {
    const sessions = items.filter((i) => i.kind === "session");
    const messages = items.filter((i) => i.kind === "message");
    const json = requestBody(sessions, messages);
    const data = this.opts.gzip ? new Uint8Array(await gzipAsync(json, { level: 1 })) : json;
    let attempt = 0;
    for (;;) {
      attempt++;
      try {
        const res = await this.client.syncBatchEncoded({ data, encoding: this.opts.gzip ? "gzip" : undefined });
        this.totals.requests++;
        this.totals.sessions += res.sessions;
        this.totals.messages += res.messages;
        this.totals.bytesSent += data.byteLength;
        for (const f of res.features ?? []) this.serverFeatures.add(f);
        this.reject(
          res.errors
            .map((e) => ({ item: (e.kind === "session" ? sessions : messages)[e.index], error: e.error }))
            .filter((r): r is { item: Item; error: string } => r.item !== undefined),
        );
        await this.restoreNewerSessions(sessions);
        return;
      } catch (err) {
        const retryable = err instanceof OpenSyncError && err.retryable;
        if (!retryable) throw err;
        if (attempt >= this.opts.attempts) {
          throw new UploadUnavailableError(`server unavailable after ${attempt} attempts: ${(err as Error).message}`, err);
        }
        const retryAfterMs = err.retryAfter !== undefined ? Math.min(err.retryAfter, 120) * 1000 : undefined;
        const backoff = Math.min(30_000, 500 * 2 ** (attempt - 1)) * (0.5 + Math.random());
        await this.opts.sleep(retryAfterMs ?? backoff);
      }
    }
  }
}

/**
 * A tool message whose `textContent` only repeats its output, without it: a server announcing
 * `tool-text-from-output` derives the same text from the parts (protocol's `toolOutputText`), so a
 * large output crosses the wire, and is decoded and parsed by the server, once instead of twice.
 */
function withoutRepeatedToolText(value: unknown): unknown {
  const m = value as { role?: unknown; textContent?: unknown; parts?: unknown };
  if (m.role !== "tool" || typeof m.textContent !== "string" || !Array.isArray(m.parts)) return value;
  const parts = m.parts as Array<{ type: string; content?: unknown }>;
  if (parts.some((p) => p.type === "text")) return value;
  if (toolOutputText(parts) !== m.textContent) return value;
  const { textContent: _repeated, ...rest } = m;
  return rest;
}

const BODY_START = Buffer.from('{"sessions":[');
const BODY_MIDDLE = Buffer.from('],"messages":[');
const BODY_END = Buffer.from("]}");
const COMMA = Buffer.from(",");

/** `{"sessions":[...],"messages":[...]}` from serialised items, as one buffer. */
function requestBody(sessions: Item[], messages: Item[]): Buffer {
  const pieces: Buffer[] = [BODY_START];
  const list = (items: Item[]) => items.forEach((item, i) => (i ? pieces.push(COMMA, item.json) : pieces.push(item.json)));
  list(sessions);
  pieces.push(BODY_MIDDLE);
  list(messages);
  pieces.push(BODY_END);
  return Buffer.concat(pieces);
}
