import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { StatsGroup } from "@opensync/protocol";
import { tzOffsetMinutes } from "../lib/format";
import { client } from "./client";
import { keys } from "./keys";

/** `/api/stats` over a range, optionally grouped; days are cut in the viewer's timezone. */
export function useStats(range: { from?: number; to?: number; groupBy?: StatsGroup }) {
  return useQuery({
    queryKey: keys.stats(range),
    queryFn: () => client.stats({ ...range, tzOffset: tzOffsetMinutes() }),
    placeholderData: keepPreviousData,
  });
}
