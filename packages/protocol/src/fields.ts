import { z } from "zod";

/** Limits shared by the validator and the clients, so both agree on what "too big" means. */
export const LIMITS = {
  idLength: 512,
  shortText: 2_000,
  pathLength: 4_096,
  /** One message's text; a tool output can be long, a whole body is capped separately (413). */
  textContent: 8 * 1024 * 1024,
  partsPerMessage: 5_000,
  batchSessions: 5_000,
  batchMessages: 20_000,
  /** Upper bounds that keep sums exact in SQL (no 64-bit overflow) and every value printable. */
  maxTokens: 1e12,
  maxCost: 1e9,
  maxDurationMs: 1e12,
  /**
   * A count a client declares (`messageCount`, `toolCallCount`): far above any real session, and
   * small enough that summing it over billions of sessions stays an exact 64-bit integer.
   */
  maxCount: 1e9,
  /** 9999-12-31T23:59:59.999Z: the last instant an ISO-8601 date with a 4-digit year can show. */
  maxTimestampMs: 253_402_300_799_999,
} as const;

/** Epoch milliseconds. Values below 1e11 are taken as epoch seconds (some agents write those). */
export function toEpochMs(value: number): number {
  return value < 1e11 ? Math.round(value * 1000) : Math.round(value);
}

const TIMESTAMP_HELP = "must be epoch milliseconds or an ISO-8601 date between 1970 and 9999";

/** A timestamp as the plugins send it: epoch ms (or seconds) or an ISO-8601 string. */
export const timestamp = z.union([z.number(), z.string().max(64)]).transform((value, ctx) => {
  let ms = Number.NaN;
  if (typeof value === "number") ms = Number.isFinite(value) ? toEpochMs(value) : Number.NaN;
  else {
    const trimmed = value.trim();
    // A number in a string is read as one: Date.parse would take "-1" as 2001-01-01 (V8's legacy parser).
    ms = /^[+-]?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(trimmed) ? toEpochMs(Number(trimmed)) : Date.parse(trimmed);
  }
  // Out-of-range values would break every date rendering later (exports, day buckets).
  if (!(ms >= 0 && ms <= LIMITS.maxTimestampMs)) {
    ctx.addIssue({ code: "custom", message: TIMESTAMP_HELP });
    return z.NEVER;
  }
  return ms;
});

/**
 * Absent or null ("not sent"; Python plugins send None as null), left as is: the hot sync schemas
 * use this and drop nulls in their normalisers, since a transform per field doubles validation cost.
 */
export const maybe = <T extends z.ZodType>(schema: T) => schema.nullish();

/** Absent, null and undefined all mean "not sent" (Python plugins send None as null). */
export const optional = <T extends z.ZodType>(schema: T) =>
  schema.nullish().transform((v) => (v === null ? undefined : v));

/** Numbers of the sync schemas: checked here, rounded by the normalisers (no per-field transform). */
export const tokenValue = z.number().nonnegative().max(LIMITS.maxTokens);
export const durationValue = z.number().nonnegative().max(LIMITS.maxDurationMs);
export const money = z.number().nonnegative().max(LIMITS.maxCost);
/** A declared count. `int()` would add a second "too big" issue (its safe-integer range) to one absurd value. */
export const countValue = z.number().nonnegative().max(LIMITS.maxCount).refine(Number.isInteger, "must be an integer");
/** An id as sent: a non-blank string or an integer. Normalisers turn it into a trimmed string (`idText`). */
export const externalId = z.union([z.string().max(LIMITS.idLength).regex(/\S/, "must not be empty"), z.number().int()]);
export const idText = (id: string | number): string => (typeof id === "number" ? String(id) : id.trim());
export const shortText = z.string().max(LIMITS.shortText);
export const pathText = z.string().max(LIMITS.pathLength);
