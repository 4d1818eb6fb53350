import { createHash } from "node:crypto";
import {
  normalizeSource,
  type Highlight,
  type SearchFilters,
  type SearchGrouping,
  type SearchHit,
  type SearchResponse,
  type SearchResult,
  type SearchStatus,
  type SearchType,
} from "@opensync/protocol";
import { ApiError } from "../http/errors.js";
import { messageTexts } from "../search/document.js";
import type { FulltextIndex, MessageDetail, SessionInfo } from "../search/fulltext-index.js";
import { IndexFulltextRetriever, resolveMatch } from "../search/fulltext-retriever.js";
import { parseQuery, type ParsedQuery } from "../search/query.js";
import { groupBySession, reciprocalRankFusion, type FusedHit } from "../search/rrf.js";
import { makeSnippet } from "../search/snippet.js";
import type { FulltextRetriever, SemanticRetriever } from "../search/types.js";

export interface SearchRequest {
  q: string;
  type: SearchType;
  groupBy: SearchGrouping;
  limit: number;
  cursor?: string;
  filters: SearchFilters;
}

/** Hits cited per session result. */
const HITS_PER_SESSION = 3;
/** Candidates each retriever contributes to a fused (hybrid) list, at least and at most. */
const FUSION_MIN = 100;
const FUSION_MAX = 500;

export const NO_PROVIDER = "no embedding provider";

/** A ranked hit of any retriever, before it is read: a message or a session's title. */
interface RankedHit {
  sessionId: string;
  messageId?: string;
  score: number;
  /** A semantic hit's chunk: the excerpt when the query's words are not in the message. */
  chunkText?: string;
}
interface RankedGroup { sessionId: string; score: number; hits: RankedHit[] }

/** Candidates of a query by type, fused when hybrid; what context and search build on. */
export interface Candidates {
  hits: RankedHit[];
  parsed: ParsedQuery;
  degraded?: string;
}

/**
 * Search (issue 9): full-text through the dialect's index (exact totals, offset pages over
 * BM25 order), semantic through the embeddings' retriever, hybrid as their reciprocal rank fusion
 * (`search/rrf.ts`). Results cite session, message, position, role, time and a highlighted snippet.
 */
export class SearchService {
  readonly fulltextRetriever: FulltextRetriever;

  constructor(
    private readonly index: FulltextIndex,
    readonly semantic: SemanticRetriever,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {
    this.fulltextRetriever = new IndexFulltextRetriever(index);
  }

  async search(userId: string, request: SearchRequest): Promise<SearchResponse> {
    const started = performance.now();
    const filters = normalizeFilters(request.filters);
    const offset = decodeCursor(request.cursor, request, filters);
    const parsed = parseQuery(request.q);
    let type = request.type;
    let degraded: string | undefined;
    if (type !== "fulltext" && !this.semantic.available()) {
      if (type === "semantic") throw semanticUnavailable(this.semantic);
      type = "fulltext";
      degraded = NO_PROVIDER;
    }

    let page: RankedGroup[];
    let total: number;
    // Results there are to page through (full-text: those ranked, which a total beyond the rank window exceeds).
    let pageable: number;
    let totalIsEstimate = false;
    if (type === "fulltext") {
      ({ page, total, pageable, totalIsEstimate } = await this.fulltextPage(userId, parsed, filters, request.groupBy, request.limit, offset));
    } else {
      const wanted = Math.min(FUSION_MAX, Math.max(FUSION_MIN, (offset + request.limit) * 5));
      const candidates = await this.candidates(userId, request.q, type, filters, wanted);
      degraded = candidates.degraded;
      const groups = request.groupBy === "session"
        ? groupBySession(candidates.hits).map((g) => ({ ...g, hits: g.hits.slice(0, HITS_PER_SESSION) }))
        : candidates.hits.map((h) => ({ sessionId: h.sessionId, score: h.score, hits: [h] }));
      total = pageable = groups.length;
      page = groups.slice(offset, offset + request.limit);
    }

    const results = await this.results(userId, page, parsed);
    const next = offset + request.limit;
    return {
      type: request.type,
      results,
      total,
      ...(totalIsEstimate ? { totalIsEstimate } : {}),
      nextCursor: next < pageable ? encodeCursor(next, request, filters) : null,
      ...(degraded ? { degraded } : {}),
      tookMs: Math.round(performance.now() - started),
    };
  }

  /**
   * Full-text alone: one ranking of the query (`FulltextIndex.rank`), grouped and paged here. The
   * total is exact up to `COUNT_CAP` matching documents, a lower bound beyond (`totalIsEstimate`).
   */
  private async fulltextPage(userId: string, parsed: ParsedQuery, filters: SearchFilters, groupBy: SearchGrouping, limit: number, offset: number) {
    const scope = { userId, filters, now: Date.now() };
    const resolved = await resolveMatch(this.index, parsed, scope);
    if (!resolved || resolved.ranking.counts.documents === 0) return { page: [], total: 0, pageable: 0, totalIsEstimate: false };
    const { counts, docs } = resolved.ranking;
    const groups: RankedGroup[] = groupBy === "message"
      ? docs.map((d) => ({ sessionId: d.sessionId, score: d.score, hits: [d] }))
      : groupBySession(docs);
    const page = groups.slice(offset, offset + limit).map((g) => ({ ...g, hits: g.hits.slice(0, HITS_PER_SESSION) }));
    return { page, total: groupBy === "message" ? counts.documents : counts.sessions, pageable: groups.length, totalIsEstimate: counts.estimated };
  }

  /**
   * Ranked candidates of `type` (semantic must be available for `semantic`; hybrid without it is
   * full-text, `degraded`). A semantic failure in hybrid degrades too, with its reason.
   */
  async candidates(userId: string, q: string, type: SearchType, filters: SearchFilters, limit: number): Promise<Candidates> {
    const parsed = parseQuery(q);
    const request = { userId, query: q, filters: normalizeFilters(filters), limit };
    if (type === "semantic") {
      if (!this.semantic.available()) throw semanticUnavailable(this.semantic);
      return { parsed, hits: await this.semanticHits(request) };
    }
    const fulltext = (await this.fulltextRetriever.search(request)).map((h) => ({ sessionId: h.sessionId, messageId: h.messageId, score: h.score }));
    if (type === "fulltext") return { parsed, hits: fulltext };
    if (!this.semantic.available()) return { parsed, hits: fulltext, degraded: NO_PROVIDER };
    let semantic: RankedHit[];
    try {
      semantic = await this.semanticHits(request);
    } catch (err) {
      return { parsed, hits: fulltext, degraded: `semantic search failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    const fused = reciprocalRankFusion([fulltext.map(asRetrievalHit), semantic.map(asRetrievalHit)]);
    return { parsed, hits: fused.map(fromFused) };
  }

  private async semanticHits(request: { userId: string; query: string; filters: SearchFilters; limit: number }): Promise<RankedHit[]> {
    const hits = await this.semantic.search(request);
    return hits.map((h) => ({ sessionId: h.sessionId, messageId: h.messageId, score: h.score, chunkText: h.chunkText }));
  }

  async status(userId: string): Promise<SearchStatus> {
    const fulltext = await this.index.status(userId);
    const semantic = this.semantic.status
      ? await this.semantic.status(userId)
      : { provider: "off" as const, model: null, dimensions: null, indexed: 0, pending: 0, failed: 0, lastError: null, available: this.semantic.available(), reason: this.semantic.unavailableReason() };
    return { fulltext, ...semantic };
  }

  /** Reads what a page cites: sessions, messages (with their position), snippets. */
  private async results(userId: string, page: RankedGroup[], parsed: ParsedQuery): Promise<SearchResult[]> {
    const sessions = await this.index.sessionInfo(userId, page.map((g) => g.sessionId));
    const messageIds = page.flatMap((g) => g.hits.map((h) => h.messageId).filter((id): id is string => id !== undefined));
    const details = await this.index.messageDetails(userId, messageIds);
    const out: SearchResult[] = [];
    for (const group of page) {
      const session = sessions.get(group.sessionId);
      if (!session) continue; // deleted since it was matched
      const hits: SearchHit[] = [];
      for (const h of group.hits) {
        const detail = h.messageId ? details.get(h.messageId) : undefined;
        if (detail) hits.push(citeHit(detail, h, parsed));
      }
      const best = hits[0];
      const title = makeSnippet(session.title ?? "", parsed);
      const titleFirst = !best || (group.hits[0] && group.hits[0].messageId === undefined);
      out.push({
        ...sessionFields(session),
        ...(best ? { messageId: best.messageId } : {}),
        snippet: titleFirst ? title.snippet : best.snippet,
        highlights: titleFirst ? title.highlights : best.highlights,
        score: group.score,
        hits,
      });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.onClose();
  }
}

function sessionFields(s: SessionInfo) {
  return {
    sessionId: s.id,
    sessionExternalId: s.externalId,
    title: s.title,
    source: s.source,
    model: s.model,
    projectName: s.projectName,
    projectPath: s.projectPath,
    machine: s.machine,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

type HitField = SearchHit["field"];

/** The part of a message that matched best, as a snippet: its text, a tool call, tool output or reasoning. */
export function bestField(detail: MessageDetail, parsed: ParsedQuery, maxChars = 240, chunkText?: string): { field: HitField; snippet: string; highlights: Highlight[] } {
  const t = messageTexts(detail);
  const fields: Array<[HitField, string]> = [
    [detail.role === "tool" ? "tool-output" : "text", t.text],
    ["tool-call", t.toolCall],
    ["tool-output", t.toolOutput],
    ["reasoning", t.reasoning],
  ];
  let best: { field: HitField; snippet: string; highlights: Highlight[]; matches: number } | undefined;
  for (const [field, text] of fields) {
    if (!text) continue;
    const s = makeSnippet(text, parsed, maxChars);
    if (!best || s.matches > best.matches) best = { field, ...s };
  }
  if (chunkText && (!best || best.matches === 0)) return { field: best?.field ?? "text", ...makeSnippet(chunkText, parsed, maxChars) };
  return best ?? { field: "text", snippet: "", highlights: [] };
}

function citeHit(detail: MessageDetail, hit: RankedHit, parsed: ParsedQuery): SearchHit {
  const { field, snippet, highlights } = bestField(detail, parsed, 240, hit.chunkText);
  return {
    messageId: detail.id,
    messageExternalId: detail.externalId,
    position: detail.position,
    role: detail.role,
    createdAt: detail.createdAt,
    snippet,
    highlights,
    score: hit.score,
    field,
  };
}

const asRetrievalHit = (h: RankedHit) => ({ sessionId: h.sessionId, messageId: h.messageId, score: h.score, field: "text" as const, chunkText: h.chunkText });
const fromFused = (f: FusedHit): RankedHit => ({
  sessionId: f.sessionId,
  messageId: f.messageId,
  score: f.score,
  chunkText: f.from.find((h) => h?.chunkText)?.chunkText,
});

function semanticUnavailable(semantic: SemanticRetriever): ApiError {
  const reason = semantic.unavailableReason() ?? NO_PROVIDER;
  return new ApiError(409, "conflict", `semantic search is unavailable: ${reason}`, { reason });
}

/** Sources are stored folded (`cursor` is `cursor-sync`): filter the same way. */
function normalizeFilters(filters: SearchFilters): SearchFilters {
  return filters.source !== undefined ? { ...filters, source: normalizeSource(filters.source) } : filters;
}

/**
 * Cursors are opaque: the next offset and a hash of what was asked (query, type, grouping,
 * filters), so a cursor is refused on another query instead of paging it wrongly.
 */
function queryHash(request: SearchRequest, filters: SearchFilters): string {
  const sorted = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b)));
  return createHash("sha256").update(JSON.stringify([request.q, request.type, request.groupBy, sorted])).digest("base64url").slice(0, 12);
}

function encodeCursor(offset: number, request: SearchRequest, filters: SearchFilters): string {
  return Buffer.from(JSON.stringify([offset, queryHash(request, filters)])).toString("base64url");
}

function decodeCursor(cursor: string | undefined, request: SearchRequest, filters: SearchFilters): number {
  if (!cursor) return 0;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || !Number.isSafeInteger(value[0]) || value[0] < 0 || typeof value[1] !== "string") {
    throw new ApiError(400, "invalid_input", "cursor: not one this server issued");
  }
  if (value[1] !== queryHash(request, filters)) throw new ApiError(400, "invalid_input", "cursor: issued for another query or other filters");
  return value[0];
}
