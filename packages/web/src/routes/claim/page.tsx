import { useId, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useAuthStatus, useClaim } from "../../api/auth";
import { errorMessage } from "../../api/client";
import { AuthFrame } from "../../components/layout/auth-frame";
import { Spinner } from "../../components/ui/states";

/** First run: the link the server printed (`/claim?token=…`) creates the owner account. */
export default function ClaimPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const status = useAuthStatus();
  const claim = useClaim();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const ids = { name: useId(), email: useId(), password: useId() };

  if (status.isPending) {
    return (
      <AuthFrame title="Create the owner account">
        <Spinner />
      </AuthFrame>
    );
  }
  if (status.data?.hasOwner && !claim.isSuccess) {
    return (
      <AuthFrame title="Already claimed" subtitle="This server already has an owner.">
        <Link to="/login" className="btn-primary w-full py-2">
          Sign in
        </Link>
      </AuthFrame>
    );
  }
  if (!token) {
    return (
      <AuthFrame title="Claim link needed" subtitle="Open the full claim link that the server printed when it started (it ends with ?token=…)." >
        <Link to="/login" className="btn w-full">
          Go to sign in
        </Link>
      </AuthFrame>
    );
  }
  return (
    <AuthFrame title="Create the owner account" subtitle="You are the first person here: this account will own the server.">
      <form
        className="space-y-4"
        onSubmit={(e) => {
          e.preventDefault();
          claim.mutate({ token, email, password, name }, { onSuccess: () => navigate("/", { replace: true }) });
        }}
      >
        <div>
          <label htmlFor={ids.name} className="label">
            Name <span className="font-normal muted">(optional)</span>
          </label>
          <input id={ids.name} className="input" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div>
          <label htmlFor={ids.email} className="label">
            Email
          </label>
          <input id={ids.email} className="input" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div>
          <label htmlFor={ids.password} className="label">
            Password
          </label>
          <input id={ids.password} className="input" type="password" autoComplete="new-password" required minLength={8} value={password} onChange={(e) => setPassword(e.target.value)} aria-describedby={`${ids.password}-hint`} />
          <p id={`${ids.password}-hint`} className="mt-1 text-xs muted">
            At least 8 characters.
          </p>
        </div>
        {claim.isError && (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {errorMessage(claim.error)}
          </p>
        )}
        <button type="submit" className="btn-primary w-full py-2" disabled={claim.isPending}>
          {claim.isPending ? "Creating…" : "Create account"}
        </button>
      </form>
    </AuthFrame>
  );
}
