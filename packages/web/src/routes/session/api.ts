import { useCallback } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Message, Session } from "@opensync/protocol";
import { client } from "../../api/client";
import { keys } from "../../api/keys";

/**
 * The viewer's one seam to the server. Until the paged `GET /api/sessions/:id/messages` lands in
 * the typed client, the session comes whole from `getSession` and is handed out as one page; the
 * viewer already asks for pages (`loadMore`, `hasMore`), so paging is a change here only.
 */
export interface SessionMessages {
  session: Session | undefined;
  messages: Message[];
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
  isPending: boolean;
  error: unknown;
  refetch: () => void;
}

const NO_MESSAGES: Message[] = [];

export function useSessionMessages(id: string): SessionMessages {
  const query = useQuery({ queryKey: keys.session(id), queryFn: () => client.getSession(id) });
  const loadMore = useCallback(() => undefined, []);
  return {
    session: query.data?.session,
    messages: query.data?.messages ?? NO_MESSAGES,
    hasMore: false,
    loadingMore: false,
    loadMore,
    isPending: query.isPending,
    error: query.error,
    refetch: () => void query.refetch(),
  };
}

export function useDeleteSession() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => client.deleteSession(id),
    onSuccess: (_r, id) => {
      qc.removeQueries({ queryKey: keys.session(id) });
      void qc.invalidateQueries({ queryKey: keys.sessionsAll });
      void qc.invalidateQueries({ queryKey: keys.statsAll });
    },
  });
}

/** The session as Markdown, rendered by the server's export (the same text `opensync export` gives). */
export async function sessionMarkdown(id: string): Promise<{ text: string; filename: string }> {
  const res = await client.exportText({ id, format: "markdown" });
  return { text: res.text, filename: res.filename ?? `session-${id}.md` };
}

/** The public address of a shared session. */
export const publicUrl = (slug: string) => `${window.location.origin}/s/${encodeURIComponent(slug)}`;

/**
 * Turning sharing on or off. The share API comes with a later server change (issue 10 builds the
 * page only); until the typed client has it this says so instead of guessing an endpoint.
 */
export function useShareSession(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (_share: boolean): Promise<void> => {
      throw new Error("This server cannot share sessions yet.");
    },
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.session(id) }),
  });
}
