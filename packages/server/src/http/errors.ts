import { describeIssues, type ErrorBody, type ErrorCode } from "@opensync/protocol";
import type { Context } from "hono";
import type { ZodError } from "zod";

/** An error with an HTTP status that routes throw and the app turns into PROTOCOL.md's error body. */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  body(): ErrorBody {
    return this.details === undefined ? { error: this.message, code: this.code } : { error: this.message, code: this.code, details: this.details };
  }
}

export const notFound = (what = "not found") => new ApiError(404, "not_found", what);
export const unauthorized = (why = "authentication required") => new ApiError(401, "unauthorized", why);

export function invalidInput(error: ZodError, prefix?: string): ApiError {
  const issues = error.issues.map((i) => ({ ...i, path: prefix ? [prefix, ...i.path] : i.path }));
  return new ApiError(400, "invalid_input", describeIssues(issues), {
    issues: issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
  });
}

/** The JSON 404 of a path no route answers (unknown `/api/*` and `/sync/*` paths included). */
export const noRoute = (c: Context) => c.json({ error: `no route for ${c.req.method} ${c.req.path}`, code: "not_found" as const }, 404);
