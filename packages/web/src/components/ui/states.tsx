import type { ReactNode } from "react";
import { errorMessage } from "../../api/client";

export function Spinner({ label = "Loading" }: { label?: string }) {
  return (
    <span role="status" className="inline-flex items-center gap-2 text-sm muted">
      <span aria-hidden className="size-4 animate-spin rounded-full border-2 border-zinc-300 border-t-accent-500 dark:border-zinc-700" />
      {label}…
    </span>
  );
}

/** A page-sized loading placeholder (skeleton blocks keep the layout from jumping). */
export function LoadingBlock({ rows = 3, label = "Loading" }: { rows?: number; label?: string }) {
  return (
    <div role="status" aria-label={label} className="space-y-3">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="h-16 animate-pulse rounded-xl bg-zinc-200/70 dark:bg-zinc-800/70" />
      ))}
    </div>
  );
}

export function ErrorState({ error, retry, title = "Something went wrong" }: { error: unknown; retry?: () => void; title?: string }) {
  return (
    <div role="alert" className="card border-red-200 p-5 dark:border-red-900/60">
      <p className="font-medium text-red-700 dark:text-red-400">{title}</p>
      <p className="mt-1 text-sm muted">{errorMessage(error)}</p>
      {retry && (
        <button type="button" className="btn mt-3" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="card flex flex-col items-center gap-2 px-6 py-10 text-center">
      <h2 className="text-base font-semibold">{title}</h2>
      {children && <div className="max-w-xl text-sm muted">{children}</div>}
      {action && <div className="mt-2">{action}</div>}
    </div>
  );
}

export function PageHeader({ title, description, actions }: { title: string; description?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-5 flex flex-wrap items-end justify-between gap-3">
      <div className="min-w-0">
        <h1 className="text-xl font-semibold tracking-tight sm:text-2xl">{title}</h1>
        {description && <p className="mt-1 text-sm muted">{description}</p>}
      </div>
      {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
    </div>
  );
}
