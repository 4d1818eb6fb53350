import { useSyncExternalStore } from "react";

/**
 * Whether the server answers. Set offline by a request that got no answer (status 0) or a broken
 * event stream; set online again by the health probe or the stream reopening. One tiny store,
 * read by the banner, so every page shows the same truth.
 */
export type ConnectionState = "online" | "offline";

let state: ConnectionState = "online";
const listeners = new Set<() => void>();

export function setConnection(next: ConnectionState): void {
  if (next === state) return;
  state = next;
  for (const l of listeners) l();
}

export function getConnection(): ConnectionState {
  return state;
}

export function subscribeConnection(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useConnection(): ConnectionState {
  return useSyncExternalStore(subscribeConnection, getConnection, getConnection);
}
