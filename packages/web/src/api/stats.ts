import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { StatsGroup, StatsSplit } from "@opensync/protocol";
import { tzOffsetMinutes } from "../lib/format";
import { client } from "./client";
import { keys } from "./keys";

/** `/api/stats/blocks`: 5-hour usage blocks (ccusage's rule, computed by the server over messages). */
export function useUsageBlocks(range: { from?: number; to?: number }) {
  return useQuery({
    queryKey: [...keys.statsAll, "blocks", range],
    queryFn: () => client.statsBlocks(range),
    placeholderData: keepPreviousData,
  });
}

/**
 * `/api/stats` over a range, optionally grouped (and, by day, week or month, split by model or
 * agent); days are cut in the viewer's timezone. `enabled: false` holds the request.
 */
export function useStats(range: { from?: number; to?: number; groupBy?: StatsGroup; splitBy?: StatsSplit }, enabled = true) {
  return useQuery({
    enabled,
    queryKey: keys.stats(range),
    queryFn: () => client.stats({ ...range, tzOffset: tzOffsetMinutes() }),
    placeholderData: keepPreviousData,
  });
}
