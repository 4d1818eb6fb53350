import type { FulltextIndex, FulltextMatch, FulltextRanking, FulltextScope, ScoredDoc } from "./fulltext-index.js";
import { anyOf, meaningful, parseQuery, type ParsedQuery } from "./query.js";
import { makeSnippet } from "./snippet.js";
import type { FulltextRetriever, RetrievalHit, RetrievalRequest } from "./types.js";

/**
 * The full-text match for a query and its ranking: every term, or, when no document has them all,
 * any of the meaningful ones (a question in plain words). Null: the query has no searchable term.
 */
export async function resolveMatch(index: FulltextIndex, query: ParsedQuery, scope: FulltextScope): Promise<{ match: FulltextMatch; ranking: FulltextRanking } | null> {
  if (query.terms.length === 0) return null;
  const all: FulltextMatch = { query: meaningful(query), mode: "all" };
  const ranking = await index.rank(all, scope);
  const loose = anyOf(query);
  if (ranking.counts.documents > 0 || !loose) return { match: all, ranking };
  const any: FulltextMatch = { query: loose, mode: "any" };
  return { match: any, ranking: await index.rank(any, scope) };
}

/** `FulltextRetriever` over a dialect's index: ranked candidates for fusion and context. */
export class IndexFulltextRetriever implements FulltextRetriever {
  constructor(private readonly index: FulltextIndex) {}

  /**
   * Candidates for fusion and context: the documents with every term first, then (when those do
   * not fill `limit`) the documents with any meaningful term, so context gets several excerpts.
   */
  async search(request: RetrievalRequest): Promise<RetrievalHit[]> {
    const scope = { userId: request.userId, filters: request.filters, now: Date.now() };
    const parsed = parseQuery(request.query);
    if (parsed.terms.length === 0) return [];
    let docs = (await this.index.rank({ query: meaningful(parsed), mode: "all" }, scope)).docs.slice(0, request.limit);
    const loose = anyOf(parsed);
    if (docs.length < request.limit && loose) {
      const seen = new Set(docs.map(docKey));
      const more = (await this.index.rank({ query: loose, mode: "any" }, scope)).docs;
      docs = docs.concat(more.filter((d) => !seen.has(docKey(d)))).slice(0, request.limit);
    }
    // Which part matched is known once the message is read (the search service does it for a page).
    return docs.map((d) => ({ sessionId: d.sessionId, messageId: d.messageId, score: d.score, field: d.messageId ? "text" : "title" }));
  }

  snippet(text: string, query: string, maxChars?: number) {
    const { snippet, highlights } = makeSnippet(text, parseQuery(query), maxChars);
    return { snippet, highlights };
  }
}

const docKey = (d: ScoredDoc) => d.messageId ?? `title:${d.sessionId}`;
