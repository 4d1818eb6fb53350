// The client module alone (no zod schemas): it is on every page's first load.
import { OpenSyncClient, OpenSyncError } from "@opensync/protocol/client";

/**
 * The one client of the dashboard: same origin, the session cookie rides along (fetch's default
 * `credentials: "same-origin"`), no API key in the browser.
 */
export const client = new OpenSyncClient({ baseUrl: window.location.origin, timeoutMs: 30_000 });

export { OpenSyncError };

/** 401: the cookie is missing or expired (the guard sends the user to /login). */
export const isUnauthorized = (err: unknown) => err instanceof OpenSyncError && err.status === 401;

/** Status 0: the request never got an answer (server down, network gone). */
export const isNetworkError = (err: unknown) => err instanceof OpenSyncError && err.status === 0;

/** 4xx: asking again will not help. */
export const isClientError = (err: unknown) => err instanceof OpenSyncError && err.status >= 400 && err.status < 500;

/** A message fit for a toast or an error state. */
export function errorMessage(err: unknown): string {
  if (err instanceof OpenSyncError) return err.status === 0 ? "Cannot reach the server." : err.message;
  return err instanceof Error ? err.message : String(err);
}
