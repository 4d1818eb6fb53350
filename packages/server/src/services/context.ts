import type { ContextMessage, ContextQuery, ContextResponse, ContextSource, SearchFilters } from "@opensync/protocol";
import type { FulltextIndex, MessageDetail, SessionInfo } from "../search/fulltext-index.js";
import { groupBySession } from "../search/rrf.js";
import { TOKENIZER, tokenCount, truncateToTokens } from "../search/tokens.js";
import { bestField, type SearchService } from "./search.js";

/** Candidates retrieved before sessions are chosen. */
const CANDIDATES = 100;
/** Excerpts per session at most, and the characters of one. */
const EXCERPTS_PER_SESSION = 6;
const EXCERPT_CHARS = 700;
/** Framing tokens of one chat message (role and separators), counted in `messages` answers. */
export const MESSAGE_OVERHEAD_TOKENS = 4;

interface Excerpt { detail: MessageDetail; text: string }
interface SessionExcerpts { session: SessionInfo; excerpts: Excerpt[] }

/**
 * Context for agents (issue 9): the best sessions for a query (the same hybrid retrieval as
 * search), several excerpts from each ordered as they happened, cut to a token budget counted
 * with a real tokenizer (`search/tokens.ts`). Every excerpt cites its session and message.
 */
export class ContextService {
  constructor(
    private readonly search: SearchService,
    private readonly index: FulltextIndex,
  ) {}

  async context(userId: string, query: ContextQuery): Promise<ContextResponse> {
    const filters: SearchFilters = {
      source: query.source, project: query.project, model: query.model, role: query.role,
      machine: query.machine, from: query.from, to: query.to, sessionId: query.sessionId,
    };
    const candidates = await this.search.candidates(userId, query.q, query.type, filters, CANDIDATES);
    const groups = groupBySession(candidates.hits).slice(0, query.limit);
    const sessions = await this.index.sessionInfo(userId, groups.map((g) => g.sessionId));
    const ids = groups.flatMap((g) => g.hits.slice(0, EXCERPTS_PER_SESSION).flatMap((h) => (h.messageId ? [h.messageId] : [])));
    const details = await this.index.messageDetails(userId, ids);

    const picked: SessionExcerpts[] = [];
    for (const g of groups) {
      const session = sessions.get(g.sessionId);
      if (!session) continue;
      const excerpts: Excerpt[] = [];
      for (const h of g.hits.slice(0, EXCERPTS_PER_SESSION)) {
        const detail = h.messageId ? details.get(h.messageId) : undefined;
        if (!detail) continue;
        const text = bestField(detail, candidates.parsed, EXCERPT_CHARS, h.chunkText).snippet;
        if (text) excerpts.push({ detail, text });
      }
      // Merged and ordered as the conversation went.
      excerpts.sort((a, b) => a.detail.position - b.detail.position);
      picked.push({ session, excerpts });
    }

    const base = { maxTokens: query.maxTokens, tokenizer: TOKENIZER, ...(candidates.degraded ? { degraded: candidates.degraded } : {}) };
    if (query.format === "messages") {
      const { messages, used, tokens } = fitMessages(picked, query.maxTokens);
      return { format: "messages", messages, sessionCount: used.length, tokenCount: tokens, sources: sourcesOf(used), ...base };
    }
    const { text, used } = fitText(picked, query.maxTokens);
    return { format: "text", text, sessionCount: used.length, tokenCount: tokenCount(text), sources: sourcesOf(used), ...base };
  }
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function sessionHeading(s: SessionInfo): string {
  const facts = [s.projectName ?? s.projectPath, s.model, day(s.createdAt)].filter(Boolean).join(" · ");
  return `## ${s.title ?? "(untitled)"} — ${facts} (session ${s.id})`;
}

const excerptLine = (e: Excerpt) => `> [message ${e.detail.id}, ${e.detail.role}] ${e.text}`;

/**
 * The text document, session by session, each piece added only if the whole still fits; a first
 * excerpt too long for what is left is cut on a token boundary rather than dropped.
 */
function fitText(picked: SessionExcerpts[], maxTokens: number): { text: string; used: Array<SessionExcerpts> } {
  const pieces: string[] = [];
  const used: SessionExcerpts[] = [];
  let tokens = 0;
  // Pieces are joined by blank lines; a piece and its separator are counted together.
  const fits = (piece: string) => tokens + tokenCount((pieces.length ? "\n\n" : "") + piece) <= maxTokens;
  const add = (piece: string) => {
    tokens += tokenCount((pieces.length ? "\n\n" : "") + piece);
    pieces.push(piece);
  };
  for (const p of picked) {
    const heading = sessionHeading(p.session);
    if (!fits(heading)) break;
    add(heading);
    const kept: Excerpt[] = [];
    for (const e of p.excerpts) {
      const line = excerptLine(e);
      if (fits(line)) {
        add(line);
        kept.push(e);
      } else if (kept.length === 0) {
        const room = maxTokens - tokens - 2;
        const cut = room > 12 ? truncateToTokens(line, room) + "…" : "";
        if (cut && fits(cut)) {
          add(cut);
          kept.push(e);
        }
        break;
      } else break;
    }
    used.push({ session: p.session, excerpts: kept });
  }
  let text = pieces.join("\n\n");
  // Token counts of pieces add up to at most a token or two off the whole; make sure.
  while (text && tokenCount(text) > maxTokens) text = truncateToTokens(text, maxTokens - 1);
  return { text, used };
}

function chatRole(role: string): ContextMessage["role"] {
  return role === "user" || role === "system" ? role : "assistant";
}

function fitMessages(picked: SessionExcerpts[], maxTokens: number): { messages: ContextMessage[]; used: SessionExcerpts[]; tokens: number } {
  const messages: ContextMessage[] = [];
  const used: SessionExcerpts[] = [];
  let tokens = 0;
  outer: for (const p of picked) {
    const kept: Excerpt[] = [];
    for (const [i, e] of p.excerpts.entries()) {
      // The first excerpt of a session says which session it is.
      const content = (i === 0 ? sessionHeading(p.session) + "\n" : "") + (e.detail.role === "tool" ? `[tool output] ${e.text}` : e.text);
      const cost = tokenCount(content) + MESSAGE_OVERHEAD_TOKENS;
      if (tokens + cost > maxTokens) {
        if (kept.length) used.push({ session: p.session, excerpts: kept });
        break outer;
      }
      tokens += cost;
      kept.push(e);
      messages.push({ role: chatRole(e.detail.role), content, metadata: { sessionId: p.session.id, sessionTitle: p.session.title, messageId: e.detail.id } });
    }
    if (kept.length) used.push({ session: p.session, excerpts: kept });
  }
  return { messages, used, tokens };
}

function sourcesOf(used: SessionExcerpts[]): ContextSource[] {
  return used.map(({ session: s, excerpts }) => ({
    sessionId: s.id,
    sessionExternalId: s.externalId,
    title: s.title,
    projectName: s.projectName,
    model: s.model,
    source: s.source,
    createdAt: s.createdAt,
    messageIds: excerpts.map((e) => e.detail.id),
  }));
}
