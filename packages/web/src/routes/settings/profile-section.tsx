import { useId, useState } from "react";
import type { UserInfo } from "@opensync/protocol";
import { useChangePassword } from "../../api/account";
import { errorMessage } from "../../api/client";
import { formatDate } from "../../lib/format";
import { Section } from "./section";

export function ProfileSection({ user }: { user: UserInfo }) {
  const change = useChangePassword();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const ids = { current: useId(), next: useId() };
  const isLocalOwner = user.email.endsWith("@localhost");
  return (
    <Section id="profile" title="Profile and password">
      <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[8rem_1fr]">
        <dt className="muted">Email</dt>
        <dd className="break-all font-medium">{user.email}</dd>
        <dt className="muted">Name</dt>
        <dd>{user.name || "—"}</dd>
        <dt className="muted">Role</dt>
        <dd className="capitalize">{user.role}</dd>
        <dt className="muted">Member since</dt>
        <dd>{formatDate(user.createdAt)}</dd>
      </dl>
      <form
        className="mt-5 grid max-w-md gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          change.mutate({ newPassword: next, currentPassword: current }, { onSuccess: () => { setCurrent(""); setNext(""); } });
        }}
      >
        <h3 className="text-sm font-semibold">{isLocalOwner ? "Set a password" : "Change password"}</h3>
        {isLocalOwner && (
          <p className="text-xs muted">
            This is the local account <code className="font-mono">opensync up</code> created. With a password you can also sign in at <code className="font-mono">/login</code> as {user.email}.
          </p>
        )}
        <div>
          <label htmlFor={ids.current} className="label">
            Current password <span className="font-normal muted">(leave empty if none is set)</span>
          </label>
          <input id={ids.current} className="input" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
        </div>
        <div>
          <label htmlFor={ids.next} className="label">
            New password
          </label>
          <input id={ids.next} className="input" type="password" autoComplete="new-password" minLength={8} required value={next} onChange={(e) => setNext(e.target.value)} />
          <p className="mt-1 text-xs muted">At least 8 characters.</p>
        </div>
        {change.isError && <p role="alert" className="text-sm text-red-600 dark:text-red-400">{errorMessage(change.error)}</p>}
        {change.isSuccess && <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">Password saved.</p>}
        <div>
          <button type="submit" className="btn-primary" disabled={change.isPending}>
            {change.isPending ? "Saving…" : "Save password"}
          </button>
        </div>
      </form>
    </Section>
  );
}
