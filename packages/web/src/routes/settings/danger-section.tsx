import { useState } from "react";
import { useNavigate } from "react-router";
import type { UserInfo } from "@opensync/protocol";
import { useDeleteAccount, useDeleteMyData } from "../../api/account";
import { errorMessage } from "../../api/client";
import { ConfirmDialog } from "../../components/ui/dialog";
import { Section } from "./section";

export function DangerSection({ user }: { user: UserInfo }) {
  const deleteData = useDeleteMyData();
  const deleteAccount = useDeleteAccount();
  const navigate = useNavigate();
  const [open, setOpen] = useState<"data" | "account" | null>(null);
  return (
    <Section id="danger" title="Danger zone">
      <div className="space-y-4">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <div className="min-w-0">
            <p className="text-sm font-medium">Delete all my data</p>
            <p className="text-sm muted">Every session and message you synced. Your account and keys stay.</p>
          </div>
          <button type="button" className="btn-danger" onClick={() => setOpen("data")}>
            Delete all data
          </button>
        </div>
        {deleteData.isSuccess && <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">{deleteData.data.sessions} sessions deleted.</p>}
        <div className="flex flex-wrap items-center justify-between gap-3 border-t border-zinc-200 pt-4 dark:border-zinc-800">
          <div className="min-w-0">
            <p className="text-sm font-medium">Delete my account</p>
            <p className="text-sm muted">Your account, keys and all your data. You are signed out.</p>
          </div>
          <button type="button" className="btn-danger" onClick={() => setOpen("account")}>
            Delete account
          </button>
        </div>
      </div>
      <ConfirmDialog
        open={open === "data"}
        title="Delete all your data?"
        body="All your sessions and messages are deleted. A later sync from your machines would upload them again."
        confirmLabel="Delete all data"
        confirmText="delete my data"
        busy={deleteData.isPending}
        error={deleteData.isError ? errorMessage(deleteData.error) : null}
        onClose={() => setOpen(null)}
        onConfirm={() => deleteData.mutate(undefined, { onSuccess: () => setOpen(null) })}
      />
      <ConfirmDialog
        open={open === "account"}
        title="Delete your account?"
        body="Your account, its keys and all its data are deleted for good."
        confirmLabel="Delete account"
        confirmText={user.email}
        busy={deleteAccount.isPending}
        error={deleteAccount.isError ? errorMessage(deleteAccount.error) : null}
        onClose={() => setOpen(null)}
        onConfirm={() => deleteAccount.mutate(undefined, { onSuccess: () => navigate("/login") })}
      />
    </Section>
  );
}
