import { sql, type RawBuilder } from "kysely";

/**
 * A SUM that cannot raise. SQLite's SUM over integers throws "integer overflow" past 2^63, and one
 * absurd stored value must not turn every stats request into a 500 forever. Summing as double
 * precision (a spelling SQLite and PostgreSQL both accept) is exact up to 2^53, far beyond any
 * real total, and past that only loses precision. NULL (no rows) reads as 0 through `num`.
 */
export function overflowFreeSum(column: string): RawBuilder<number> {
  return sql<number>`sum(cast(${sql.ref(column)} as double precision))`;
}
