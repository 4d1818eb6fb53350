import { useId, useState } from "react";
import { Link, Navigate, useNavigate, useSearchParams } from "react-router";
import { useAuthStatus, useLogin, useMe, useSignup } from "../../api/auth";
import { errorMessage } from "../../api/client";
import { AuthFrame } from "../../components/layout/auth-frame";

/** Only same-app paths are followed after sign-in (never `//evil.example` or a full URL). */
export function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}

export default function LoginPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const me = useMe();
  const status = useAuthStatus();
  const login = useLogin();
  const signup = useSignup();
  const [creating, setCreating] = useState(false);
  const navigate = useNavigate();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const emailId = useId();
  const passwordId = useId();
  const linkFailed = params.get("link") === "invalid";

  if (me.data) return <Navigate to={next} replace />;

  return (
    <AuthFrame title={creating ? "Create an account" : "Sign in"} subtitle="Your sessions, searchable and costed.">
      {linkFailed && (
        <p role="alert" className="mb-4 rounded-lg bg-amber-50 p-3 text-sm text-amber-900 dark:bg-amber-900/30 dark:text-amber-100">
          That sign-in link is invalid, expired or already used. Sign in with your password, or run <code className="font-mono">opensync up</code> again for a new link.
        </p>
      )}
      {status.data?.trustedHeader && (
        <p className="mb-4 rounded-lg bg-zinc-100 p-3 text-sm dark:bg-zinc-800">
          This server signs people in through its reverse proxy. If you see this form, the proxy did not send your identity: open OpenSync through the proxy's address.
        </p>
      )}
      {status.data && !status.data.hasOwner && (
        <p className="mb-4 rounded-lg bg-accent-50 p-3 text-sm text-accent-700 dark:bg-accent-500/15 dark:text-accent-400">
          No account exists yet. Open the claim link the server printed when it started to create the owner account.
        </p>
      )}
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          const done = { onSuccess: () => navigate(next, { replace: true }) };
          if (creating) signup.mutate({ email, password }, done);
          else login.mutate({ email, password }, done);
        }}
      >
        <div>
          <label htmlFor={emailId} className="label">
            Email
          </label>
          <input id={emailId} className="input" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        </div>
        <div>
          <label htmlFor={passwordId} className="label">
            Password
          </label>
          <input id={passwordId} className="input" type="password" autoComplete={creating ? "new-password" : "current-password"} required minLength={creating ? 8 : undefined} value={password} onChange={(e) => setPassword(e.target.value)} />
          {creating && <p className="mt-1 text-xs muted">At least 8 characters.</p>}
        </div>
        {(creating ? signup : login).isError && (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {errorMessage((creating ? signup : login).error)}
          </p>
        )}
        <button type="submit" className="btn-primary w-full py-2" disabled={login.isPending || signup.isPending}>
          {creating ? (signup.isPending ? "Creating…" : "Create account") : login.isPending ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {status.data?.allowSignup && (
        <p className="mt-4 text-center text-sm muted">
          {creating ? "Have an account? " : "New here? "}
          <button type="button" className="font-medium text-accent-600 underline dark:text-accent-400" onClick={() => setCreating(!creating)}>
            {creating ? "Sign in" : "Create an account"}
          </button>
        </p>
      )}
      <p className="mt-5 text-xs muted">
        Running OpenSync on this machine? <code className="font-mono">opensync up</code> prints a one-time sign-in link. The local account it creates can get a password in{" "}
        <Link className="underline" to="/settings">
          Settings
        </Link>
        .
      </p>
    </AuthFrame>
  );
}
