import { useCallback } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { client } from "../../api/client";
import { keys } from "../../api/keys";
import { usePagedMessages, type PageParam } from "../../components/viewer/use-paged-messages";

/** The session and its messages, paged (`GET /api/sessions/:id/messages`), starting around `targetId` when given. */
export function useSessionMessages(id: string, targetId: string | null) {
  const fetchPage = useCallback((q: PageParam & { limit: number }) => client.sessionMessages(id, q), [id]);
  return usePagedMessages(keys.session(id), fetchPage, targetId);
}

/** Per-message role, time, tools and errors of the whole session: the timeline beside the viewer. */
export function useSessionTimeline(id: string) {
  return useQuery({ queryKey: [...keys.session(id), "timeline"], queryFn: () => client.sessionTimeline(id), retry: false });
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

/** Turns sharing on (a new link each time) or off; the session refetches with its new slug. */
export function useShareSession(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (share: boolean) => client.shareSession(id, share),
    onSuccess: () => void qc.invalidateQueries({ queryKey: keys.session(id) }),
  });
}
