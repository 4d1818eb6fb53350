import { useEffect } from "react";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import type { SessionEvent } from "@opensync/protocol";
import { client } from "./client";
import { getConnection, setConnection } from "./connection";
import { keys } from "./keys";

/*
 * Realtime: `GET /api/events` (Server-Sent Events). A stream is not a request/response call, so it
 * is the one place the dashboard talks to the server without `OpenSyncClient`; the event type is
 * still the protocol's `SessionEvent`.
 */

const COALESCE_MS = 250;
const PROBE_MS = 3_000;

/** Refetches what a change touches, coalescing bursts (a sync sends many events at once). */
function invalidator(qc: QueryClient) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const touched = new Set<string>();
  return (event: SessionEvent) => {
    touched.add(event.sessionId);
    clearTimeout(timer);
    timer = setTimeout(() => {
      void qc.invalidateQueries({ queryKey: keys.sessionsAll });
      void qc.invalidateQueries({ queryKey: keys.statsAll });
      for (const id of touched) void qc.invalidateQueries({ queryKey: keys.session(id) });
      touched.clear();
    }, COALESCE_MS);
  };
}

/** Mount once (in the signed-in shell): live updates plus the connection-lost/recovered cycle. */
export function useLiveUpdates(enabled: boolean): void {
  const qc = useQueryClient();
  useEffect(() => {
    if (!enabled || typeof EventSource === "undefined") return;
    const onChange = invalidator(qc);
    let source: EventSource | undefined;
    let probe: ReturnType<typeof setInterval> | undefined;
    let closed = false;

    const recovered = () => {
      if (getConnection() === "offline") {
        setConnection("online");
        // Whatever happened while we were away: refetch everything that is on screen.
        void qc.invalidateQueries();
      }
    };
    const startProbe = () => {
      if (probe) return;
      probe = setInterval(() => {
        client.health().then(() => {
          clearInterval(probe);
          probe = undefined;
          recovered();
          if (!closed) open();
        }, () => undefined);
      }, PROBE_MS);
    };
    const open = () => {
      source?.close();
      source = new EventSource("/api/events");
      source.addEventListener("ready", recovered);
      for (const type of ["session.upserted", "session.deleted"] as const) {
        source.addEventListener(type, (e) => {
          try {
            onChange(JSON.parse((e as MessageEvent<string>).data) as SessionEvent);
          } catch {
            /* a malformed event is ignored; the next one refreshes anyway */
          }
        });
      }
      source.onerror = () => {
        // The browser retries by itself, but gives up on a non-200 (e.g. 401 after sign-out or a
        // proxy error): we probe health and reopen ourselves.
        setConnection("offline");
        source?.close();
        startProbe();
      };
    };
    open();
    return () => {
      closed = true;
      source?.close();
      clearInterval(probe);
    };
  }, [enabled, qc]);
}
