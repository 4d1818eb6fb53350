// The collectors' price table and its name matching (normalize.ts): one table for the costs the
// collectors compute and the savings the server reports. This subpath imports only node:fs and
// pure code, none of the collectors' native dependencies.
import { findPrice } from "@opensync/collectors/pricing/index";
import type { PriceLookup } from "./cache-savings.js";

/** List prices of a model by the name a session recorded, or undefined when it has none. */
export const listPrices: PriceLookup = (model) => {
  const entry = findPrice(model);
  return entry ? { input: entry.input, cacheRead: entry.cacheRead, cacheWrite: entry.cacheWrite } : undefined;
};
