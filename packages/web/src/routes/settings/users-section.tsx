import { useId, useState } from "react";
import type { UserInfo } from "@opensync/protocol";
import { useCreateUser, useDeleteUser, useUsers } from "../../api/account";
import { useAuthStatus } from "../../api/auth";
import { errorMessage } from "../../api/client";
import { ConfirmDialog } from "../../components/ui/dialog";
import { ErrorState, LoadingBlock } from "../../components/ui/states";
import { formatDate } from "../../lib/format";
import { Section } from "./section";

/** The owner's view of every account: create, remove; whether sign-up is open. */
export function UsersSection({ me }: { me: UserInfo }) {
  const users = useUsers(true);
  const status = useAuthStatus();
  const create = useCreateUser();
  const remove = useDeleteUser();
  const [form, setForm] = useState({ email: "", password: "", name: "" });
  const [removing, setRemoving] = useState<UserInfo | null>(null);
  const ids = { email: useId(), password: useId(), name: useId() };
  return (
    <Section
      id="users"
      title="Users"
      description={
        <>
          Sign-up is <strong>{status.data?.allowSignup ? "open" : "closed"}</strong>
          {status.data?.allowSignup ? " (anyone who reaches this server can create an account)" : ": only you create accounts"}. Set <code className="font-mono">OPENSYNC_ALLOW_SIGNUP</code> to change it.
        </>
      }
    >
      {users.isPending ? (
        <LoadingBlock rows={2} label="Loading users" />
      ) : users.isError ? (
        <ErrorState error={users.error} retry={() => void users.refetch()} />
      ) : (
        <ul className="divide-y divide-zinc-100 rounded-lg border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800" aria-label="Users">
          {users.data.map((u) => (
            <li key={u.id} className="flex flex-wrap items-center gap-3 px-3 py-2.5">
              <div className="min-w-0 flex-1">
                <p className="truncate text-sm font-medium">
                  {u.email} {u.id === me.id && <span className="text-xs font-normal muted">(you)</span>}
                </p>
                <p className="text-xs muted">
                  {u.name ? `${u.name} · ` : ""}
                  <span className="capitalize">{u.role}</span> · since {formatDate(u.createdAt)}
                </p>
              </div>
              {u.id !== me.id && u.role !== "owner" && (
                <button type="button" className="btn" onClick={() => setRemoving(u)} aria-label={`Remove ${u.email}`}>
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <form
        className="mt-5 grid gap-3 sm:grid-cols-3"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ email: form.email, password: form.password, name: form.name || undefined }, { onSuccess: () => setForm({ email: "", password: "", name: "" }) });
        }}
      >
        <h3 className="text-sm font-semibold sm:col-span-3">Add a user</h3>
        <div>
          <label htmlFor={ids.email} className="label">Email</label>
          <input id={ids.email} className="input" type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} autoComplete="off" />
        </div>
        <div>
          <label htmlFor={ids.name} className="label">Name <span className="font-normal muted">(optional)</span></label>
          <input id={ids.name} className="input" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} autoComplete="off" />
        </div>
        <div>
          <label htmlFor={ids.password} className="label">Initial password</label>
          <input id={ids.password} className="input" type="password" minLength={8} required value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} autoComplete="new-password" />
        </div>
        {create.isError && <p role="alert" className="text-sm text-red-600 sm:col-span-3 dark:text-red-400">{errorMessage(create.error)}</p>}
        {create.isSuccess && <p role="status" className="text-sm text-emerald-700 sm:col-span-3 dark:text-emerald-400">User {create.data.user.email} created.</p>}
        <div className="sm:col-span-3">
          <button type="submit" className="btn-primary" disabled={create.isPending}>
            Create user
          </button>
        </div>
      </form>
      <ConfirmDialog
        open={removing !== null}
        title={`Remove ${removing?.email ?? ""}?`}
        body="Their account, keys and every session they synced are deleted."
        confirmLabel="Remove user"
        confirmText={removing?.email}
        busy={remove.isPending}
        error={remove.isError ? errorMessage(remove.error) : null}
        onClose={() => setRemoving(null)}
        onConfirm={() => removing && remove.mutate(removing.id, { onSuccess: () => setRemoving(null) })}
      />
    </Section>
  );
}
