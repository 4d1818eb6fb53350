import { useState } from "react";
import { useNavigate } from "react-router";
import type { Session } from "@opensync/protocol";
import { errorMessage } from "../../api/client";
import { copyText, CopyButton } from "../../components/ui/copy-button";
import { ConfirmDialog, Dialog } from "../../components/ui/dialog";
import { Icon } from "../../components/ui/icons";
import { publicUrl, sessionMarkdown, useDeleteSession, useShareSession } from "./api";

/** Copy or download as Markdown, share, delete. */
export function SessionActions({ session }: { session: Session }) {
  const [busy, setBusy] = useState<"copy" | "download" | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState(false);
  const [shareOpen, setShareOpen] = useState(false);
  const del = useDeleteSession();
  const navigate = useNavigate();

  const run = async (kind: "copy" | "download") => {
    setBusy(kind);
    setError(null);
    try {
      const { text, filename } = await sessionMarkdown(session.id);
      if (kind === "copy") await copyText(text);
      else download(text, filename);
      setDone(kind === "copy" ? "Copied as Markdown" : "Downloaded");
      setTimeout(() => setDone(null), 1800);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <button type="button" className="btn" disabled={busy !== null} onClick={() => void run("copy")}>
        {busy === "copy" ? "Copying…" : "Copy as Markdown"}
      </button>
      <button type="button" className="btn" disabled={busy !== null} onClick={() => void run("download")}>
        <Icon name="download" /> {busy === "download" ? "Preparing…" : "Download"}
      </button>
      <button type="button" className="btn" aria-haspopup="dialog" onClick={() => setShareOpen(true)}>
        <Icon name="external" /> {session.isPublic ? "Shared" : "Share"}
      </button>
      <button type="button" className="btn text-red-700 dark:text-red-400" onClick={() => setConfirm(true)}>
        <Icon name="trash" /> Delete
      </button>
      <span role="status" aria-live="polite" className="text-xs muted">
        {done}
      </span>
      {error && (
        <p role="alert" className="w-full text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      )}
      <ShareDialog session={session} open={shareOpen} onClose={() => setShareOpen(false)} />
      <ConfirmDialog
        open={confirm}
        title="Delete this session?"
        body={<>“{session.title || "Untitled session"}” and its {session.messageCount.toLocaleString("en-US")} messages are removed from the server. This cannot be undone (the agent's own files are not touched).</>}
        confirmLabel="Delete session"
        busy={del.isPending}
        error={del.error ? errorMessage(del.error) : null}
        onClose={() => setConfirm(false)}
        onConfirm={() => del.mutate(session.id, { onSuccess: () => navigate("/sessions", { replace: true }) })}
      />
    </>
  );
}

function ShareDialog({ session, open, onClose }: { session: Session; open: boolean; onClose: () => void }) {
  const share = useShareSession(session.id);
  // The last answer of the share API is the truth until the session refetches with it.
  const isPublic = share.isPending ? share.variables === true : (share.data?.isPublic ?? session.isPublic);
  const slug = share.data ? share.data.publicSlug : session.publicSlug;
  const link = isPublic && slug ? publicUrl(slug) : null;
  return (
    <Dialog open={open} onClose={onClose} title="Share this session">
      <div className="space-y-3 text-sm">
        <label className="flex items-center gap-2">
          <input type="checkbox" className="size-4 accent-accent-600" checked={isPublic} disabled={share.isPending} onChange={(e) => share.mutate(e.target.checked)} />
          Anyone with the link can read it (without your name, email or machine)
        </label>
        {link ? (
          <div className="flex items-center gap-2">
            <input className="input font-mono text-xs" readOnly value={link} aria-label="Public link" onFocus={(e) => e.target.select()} />
            <CopyButton text={link} label="Copy link" />
          </div>
        ) : (
          <p className="muted">Not shared: only you can see it.</p>
        )}
        {share.error && <p role="alert" className="text-red-600 dark:text-red-400">{errorMessage(share.error)}</p>}
        <div className="flex justify-end">
          <button type="button" className="btn" onClick={onClose}>Close</button>
        </div>
      </div>
    </Dialog>
  );
}

function download(text: string, filename: string) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/markdown;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
