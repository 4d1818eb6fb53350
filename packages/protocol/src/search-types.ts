// No zod here: `opensync search` imports this module by its own path (`@opensync/protocol/search-types`).

export const SEARCH_TYPES = ["fulltext", "semantic", "hybrid"] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];
