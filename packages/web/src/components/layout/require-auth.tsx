import { Navigate, useLocation } from "react-router";
import { useMe } from "../../api/auth";
import { ErrorState, Spinner } from "../ui/states";
import { AppShell } from "./app-shell";

/**
 * Every app page sits behind this: signed out → /login (remembering where to come back to).
 * Trusted-header mode needs no form: `/api/me` already answers with the user.
 */
export function RequireAuth() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) {
    return (
      <div className="grid min-h-dvh place-items-center">
        <Spinner />
      </div>
    );
  }
  if (me.isError) {
    return (
      <div className="mx-auto max-w-md p-6">
        <ErrorState title="Cannot load your account" error={me.error} retry={() => void me.refetch()} />
      </div>
    );
  }
  if (!me.data) {
    const next = location.pathname + location.search + location.hash;
    return <Navigate to={next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <AppShell user={me.data} />;
}
