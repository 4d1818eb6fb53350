import type { ApiKeyInfo, AuthStatus, ClaimInput, CreatedApiKey, Credentials, NewAccount, UserInfo, UserListResponse } from "./auth.js";
import type { ErrorBody } from "./errors.js";
import type {
  ApiLogRow,
  BlocksResponse,
  MessagePage,
  PublicMessagePage,
  SessionDetailResponse,
  SessionTimeline,
  ShareResponse,
  SessionListQuery,
  SessionListResponse,
  StatsGroup,
  StatsResponse,
  StatsSplit,
} from "./read.js";
import type {
  ContextQueryInput,
  ContextResponse,
  ReindexBody,
  ReindexResponse,
  SearchBody,
  SearchQueryInput,
  SearchResponse,
  SearchStatus,
} from "./search.js";
import type {
  BatchInput,
  MessageInput,
  SessionIdListResponse,
  SessionInput,
  SyncBatchResponse,
  SyncMessageResponse,
  SyncSessionResponse,
} from "./sync.js";

export interface HealthResponse { status: "ok"; timestamp: number; version: string }

/** An error answered by the server (or the network failing before it answered: `status` 0). */
export class OpenSyncError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details?: unknown,
    /** Seconds, from a `Retry-After` header (429/503). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = "OpenSyncError";
  }
  /** Worth retrying later: network failure, rate limit or server-side trouble. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export interface ClientOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:8790`. */
  baseUrl: string;
  apiKey?: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Extra headers on every request (a cookie in tests, a user agent, ...). */
  headers?: Record<string, string>;
  /** Per-request timeout in ms (default 60 s). */
  timeoutMs?: number;
}

export interface RequestOptions {
  /** gzip the JSON body (`Content-Encoding: gzip`). */
  gzip?: boolean;
  signal?: AbortSignal;
}

/** A JSON body the caller already serialised (and possibly compressed), e.g. by the uploader. */
export interface EncodedBody {
  data: Uint8Array | string;
  /** `gzip` when `data` is compressed. */
  encoding?: string;
}

type Query = Record<string, string | number | boolean | undefined | null>;

/** `.convex.cloud` URLs are rewritten to `.convex.site` (the original plugins' behaviour). */
export function normalizeServerUrl(url: string): string {
  let u = url.trim().replace(/\/+$/, "");
  u = u.replace(/\.convex\.cloud(?=$|[/:])/, ".convex.site");
  return u;
}

async function gzipBytes(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Typed client of the OpenSync HTTP API, shared by the CLI, the plugins, the web app and the tests. */
export class OpenSyncClient {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = normalizeServerUrl(options.baseUrl);
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** The API key this client sends, if any (the sync engine keys its checkpoints by account). */
  get apiKey(): string | undefined {
    return this.options.apiKey;
  }

  /** Low-level call; returns the raw Response for non-JSON endpoints (exports). */
  async raw(
    method: string,
    path: string,
    init: { query?: Query; body?: unknown; gzip?: boolean; signal?: AbortSignal; encodedBody?: EncodedBody } = {},
  ): Promise<Response> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(init.query ?? {})) {
      if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { accept: "application/json", ...this.options.headers };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    let body: BodyInit | undefined;
    if (init.body !== undefined) {
      const text = JSON.stringify(init.body);
      headers["content-type"] = "application/json";
      if (init.gzip) {
        headers["content-encoding"] = "gzip";
        body = await gzipBytes(text) as unknown as BodyInit;
      } else body = text;
    } else if (init.encodedBody) {
      headers["content-type"] = "application/json";
      if (init.encodedBody.encoding) headers["content-encoding"] = init.encodedBody.encoding;
      body = init.encodedBody.data as unknown as BodyInit;
    }
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 60_000);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await this.fetchImpl(url, { method, headers, body, signal });
    } catch (err) {
      throw new OpenSyncError(`cannot reach ${this.baseUrl}: ${(err as Error).message}`, 0, "network_error");
    }
    if (!res.ok) {
      let parsed: Partial<ErrorBody> = {};
      try { parsed = (await res.json()) as ErrorBody; } catch { /* not JSON */ }
      const retryAfterHeader = res.headers.get("retry-after");
      const retryAfter = retryAfterHeader ? Number(retryAfterHeader) : undefined;
      throw new OpenSyncError(
        parsed.error ?? `HTTP ${res.status}`,
        res.status,
        parsed.code ?? `http_${res.status}`,
        parsed.details,
        Number.isFinite(retryAfter) ? retryAfter : undefined,
      );
    }
    return res;
  }

  private async json<T>(method: string, path: string, init: Parameters<OpenSyncClient["raw"]>[2] = {}): Promise<T> {
    const res = await this.raw(method, path, init);
    return (await res.json()) as T;
  }

  health(): Promise<HealthResponse> { return this.json("GET", "/health"); }

  // --- sync (compat) ---
  syncSession(session: SessionInput, opts: RequestOptions = {}): Promise<SyncSessionResponse> {
    return this.json("POST", "/sync/session", { body: session, ...opts });
  }
  syncMessage(message: MessageInput, opts: RequestOptions = {}): Promise<SyncMessageResponse> {
    return this.json("POST", "/sync/message", { body: message, ...opts });
  }
  syncBatch(batch: BatchInput, opts: RequestOptions = {}): Promise<SyncBatchResponse> {
    return this.json("POST", "/sync/batch", { body: batch, ...opts });
  }
  /** `/sync/batch` with a body serialised by the caller (the uploader builds and gzips it itself). */
  syncBatchEncoded(body: EncodedBody, opts: { signal?: AbortSignal } = {}): Promise<SyncBatchResponse> {
    return this.json("POST", "/sync/batch", { encodedBody: body, ...opts });
  }
  listSessionIds(source?: string): Promise<SessionIdListResponse> {
    return this.json("GET", "/sync/sessions/list", { query: { source } });
  }

  // --- read API ---
  listSessions(query: Partial<SessionListQuery> = {}): Promise<SessionListResponse> {
    return this.json("GET", "/api/sessions", { query: query as Query });
  }
  getSession(id: string): Promise<SessionDetailResponse> {
    return this.json("GET", `/api/sessions/${encodeURIComponent(id)}`);
  }
  deleteSession(id: string): Promise<{ ok: true }> {
    return this.json("DELETE", `/api/sessions/${encodeURIComponent(id)}`);
  }
  /** One page of a session's messages in order: the first, the one after/before a cursor, or the one around a message id. */
  sessionMessages(id: string, query: { limit?: number; cursor?: string; around?: string } = {}): Promise<MessagePage> {
    return this.json("GET", `/api/sessions/${encodeURIComponent(id)}/messages`, { query });
  }
  /** Per-message role, time, tokens, cost, tool calls, errors and text length (a viewer's minimap). */
  sessionTimeline(id: string): Promise<SessionTimeline> {
    return this.json("GET", `/api/sessions/${encodeURIComponent(id)}/timeline`);
  }
  /** Shares a session at `/s/<publicSlug>` (public: true) or stops sharing it. */
  shareSession(id: string, shared: boolean): Promise<ShareResponse> {
    return this.json("POST", `/api/sessions/${encodeURIComponent(id)}/share`, { body: { public: shared } });
  }
  /** A shared session (no credentials needed), paged like `sessionMessages`. */
  publicSession(slug: string, query: { limit?: number; cursor?: string; around?: string } = {}): Promise<PublicMessagePage> {
    return this.json("GET", `/api/public/${encodeURIComponent(slug)}`, { query });
  }
  publicTimeline(slug: string): Promise<SessionTimeline> {
    return this.json("GET", `/api/public/${encodeURIComponent(slug)}/timeline`);
  }
  stats(query: { from?: number; to?: number; groupBy?: StatsGroup; tzOffset?: number; cumulative?: boolean; splitBy?: StatsSplit } = {}): Promise<StatsResponse> {
    return this.json("GET", "/api/stats", { query });
  }
  /** 5-hour usage blocks with burn rate and projection (ccusage's `blocks`), default the last 7 days. */
  statsBlocks(query: { from?: number; to?: number } = {}): Promise<BlocksResponse> {
    return this.json("GET", "/api/stats/blocks", { query });
  }
  /** Returns the download as text (json, markdown, jsonl or csv). */
  async exportText(query: { id?: string; format: string }): Promise<{ text: string; contentType: string | null; filename: string | null }> {
    const res = await this.raw("GET", "/api/export", { query });
    const disposition = res.headers.get("content-disposition") ?? "";
    const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? null;
    return { text: await res.text(), contentType: res.headers.get("content-type"), filename };
  }

  // --- search and context ---
  /** `GET /api/search`: full-text, semantic or hybrid search with filters and a cursor. */
  search(query: SearchQueryInput): Promise<SearchResponse> {
    return this.json("GET", "/api/search", { query: query as Query });
  }
  /** `POST /search` (PROTOCOL.md): the same search with `{query, type, limit, filters}`. */
  searchPost(body: SearchBody): Promise<SearchResponse> {
    return this.json("POST", "/search", { body });
  }
  searchStatus(): Promise<SearchStatus> {
    return this.json("GET", "/api/search/status");
  }
  /** `POST /api/admin/reindex` (owner): queue a full-text rebuild and/or re-embedding; follow `searchStatus`. */
  reindex(body: ReindexBody = {}): Promise<ReindexResponse> {
    return this.json("POST", "/api/admin/reindex", { body });
  }
  /** `GET /api/context`: relevant excerpts of past sessions, cut to a token budget. */
  context(query: ContextQueryInput): Promise<ContextResponse> {
    return this.json("GET", "/api/context", { query: query as Query });
  }

  // --- account ---
  /** Whether an owner exists, sign-up is open, a proxy header signs users in (no credentials needed). */
  authStatus(): Promise<AuthStatus> { return this.json("GET", "/api/auth/status"); }
  /** Signs in with email and password; the server sets the session cookie (the web app's way in). */
  login(input: Credentials): Promise<{ user: UserInfo }> { return this.json("POST", "/api/auth/login", { body: input }); }
  /** Ends the cookie session (a no-op without one). */
  logout(): Promise<{ ok: true }> { return this.json("POST", "/api/auth/logout", { body: {} }); }
  /** Creates a member account and signs it in, while the server's sign-up is open. */
  signup(input: NewAccount): Promise<{ user: UserInfo }> { return this.json("POST", "/api/auth/signup", { body: input }); }
  /** Becomes the owner with the one-time token the server printed on first start. */
  claim(input: ClaimInput): Promise<{ user: UserInfo }> { return this.json("POST", "/api/auth/claim", { body: input }); }
  me(): Promise<{ user: UserInfo }> { return this.json("GET", "/api/me"); }
  /** Removes the caller's account and everything it owns, and ends the cookie session. */
  deleteAccount(): Promise<{ ok: true }> { return this.json("DELETE", "/api/me"); }
  /** The server's OpenAPI 3.1 document (`GET /api/openapi.json`). */
  openApiDocument<T = Record<string, unknown>>(): Promise<T> { return this.json("GET", "/api/openapi.json"); }
  changePassword(newPassword: string, currentPassword?: string): Promise<{ ok: true }> {
    return this.json("POST", "/api/me/password", { body: { newPassword, currentPassword } });
  }
  createKey(name: string): Promise<CreatedApiKey> { return this.json("POST", "/api/keys", { body: { name } }); }
  listKeys(): Promise<{ keys: ApiKeyInfo[] }> { return this.json("GET", "/api/keys"); }
  revokeKey(id: string): Promise<{ ok: true }> { return this.json("DELETE", `/api/keys/${encodeURIComponent(id)}`); }
  renameKey(id: string, name: string): Promise<{ key: ApiKeyInfo }> { return this.json("PATCH", `/api/keys/${encodeURIComponent(id)}`, { body: { name } }); }

  // --- users (the owner) ---
  listUsers(): Promise<UserListResponse> { return this.json("GET", "/api/admin/users"); }
  createUser(input: { email: string; password: string; name?: string }): Promise<{ user: UserInfo }> {
    return this.json("POST", "/api/admin/users", { body: input });
  }
  /** Removes the account and everything it owns (not the owner's own: that is `DELETE /api/me`). */
  deleteUser(id: string): Promise<{ ok: true }> { return this.json("DELETE", `/api/admin/users/${encodeURIComponent(id)}`); }
  deleteMyData(): Promise<{ ok: true; sessions: number }> { return this.json("DELETE", "/api/me/data"); }
  /** The caller's recent API calls, newest first. */
  myLogs(limit?: number): Promise<{ logs: ApiLogRow[] }> { return this.json("GET", "/api/me/logs", { query: { limit } }); }
}
