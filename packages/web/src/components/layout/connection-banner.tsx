import { useConnection } from "../../api/connection";

/** Shown while the server does not answer; disappears (and the data refreshes) when it does again. */
export function ConnectionBanner() {
  const state = useConnection();
  if (state === "online") return null;
  return (
    <div role="status" aria-live="polite" className="sticky top-0 z-40 flex items-center justify-center gap-2 bg-amber-100 px-4 py-2 text-sm text-amber-900 dark:bg-amber-900/40 dark:text-amber-100">
      <span aria-hidden className="size-2 animate-pulse rounded-full bg-amber-500" />
      Connection to the server lost. Reconnecting… what you see may be out of date.
    </div>
  );
}
