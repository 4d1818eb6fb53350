import { Suspense, lazy, useState } from "react";
import { NavLink, Outlet, useLocation, useNavigate } from "react-router";
import type { UserInfo } from "@opensync/protocol";
import { useLogout } from "../../api/auth";
import { useLiveUpdates } from "../../api/events";
import { useKeySequences } from "../../lib/shortcuts";
import { useTheme } from "../../lib/theme";
import { Icon } from "../ui/icons";
import { LoadingBlock } from "../ui/states";
import { ConnectionBanner } from "./connection-banner";
import { NAV_ITEMS } from "./nav-items";
import { ShortcutsDialog } from "./shortcuts-dialog";
import { ThemeToggle } from "./theme-toggle";

// The palette is its own chunk: it loads after the page, not before it.
const CommandPalette = lazy(() => import("../palette/command-palette"));

/** The signed-in frame: sidebar (a drawer below 1024 px), top bar, banner, shortcuts, palette. */
export function AppShell({ user }: { user: UserInfo }) {
  const [menuOpen, setMenuOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const navigate = useNavigate();
  const location = useLocation();
  const theme = useTheme();
  useLiveUpdates(true);

  const bindings: Record<string, () => void> = {
    "?": () => setHelpOpen(true),
    t: theme.cycle,
    "/": () => document.querySelector<HTMLInputElement>("[data-page-search]")?.focus(),
  };
  for (const item of NAV_ITEMS) if (item.shortcut) bindings[item.shortcut] = () => navigate(item.to);
  useKeySequences(bindings);

  return (
    <div className="min-h-dvh">
      <a href="#main" className="sr-only focus:not-sr-only focus:fixed focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 dark:focus:bg-zinc-900">
        Skip to content
      </a>
      <ConnectionBanner />
      {/* Top bar (phones and tablets) */}
      <header className="sticky top-0 z-30 flex h-14 items-center gap-2 border-b border-zinc-200 bg-white/90 px-3 backdrop-blur lg:hidden dark:border-zinc-800 dark:bg-zinc-900/90">
        <button type="button" className="btn px-2" aria-label="Open menu" aria-expanded={menuOpen} onClick={() => setMenuOpen(true)}>
          <Icon name="menu" />
        </button>
        <Brand />
        <div className="ml-auto flex items-center gap-2">
          <button type="button" className="btn px-2" aria-label="Open command palette" onClick={() => window.dispatchEvent(new Event("opensync:palette"))}>
            <Icon name="search" />
          </button>
          <ThemeToggle />
        </div>
      </header>
      {menuOpen && <div className="fixed inset-0 z-40 bg-black/40 lg:hidden" aria-hidden onClick={() => setMenuOpen(false)} />}
      <aside
        aria-label="Main navigation"
        className={`fixed inset-y-0 left-0 z-50 flex w-64 flex-col border-r border-zinc-200 bg-white transition-transform dark:border-zinc-800 dark:bg-zinc-900 lg:z-20 lg:w-56 lg:translate-x-0 ${menuOpen ? "translate-x-0" : "-translate-x-full"}`}
      >
        <div className="flex h-14 items-center justify-between px-4">
          <Brand />
          <button type="button" className="btn px-2 lg:hidden" aria-label="Close menu" onClick={() => setMenuOpen(false)}>
            <Icon name="close" />
          </button>
        </div>
        <button
          type="button"
          onClick={() => window.dispatchEvent(new Event("opensync:palette"))}
          className="mx-3 mb-3 flex items-center gap-2 rounded-lg border border-zinc-200 px-2.5 py-1.5 text-left text-sm muted hover:bg-zinc-100 dark:border-zinc-800 dark:hover:bg-zinc-800"
        >
          <Icon name="search" />
          <span className="flex-1">Search…</span>
          <kbd className="kbd">Ctrl K</kbd>
        </button>
        <nav className="flex-1 space-y-0.5 overflow-y-auto px-2">
          {NAV_ITEMS.map((item) => (
            <NavLink
              key={item.to}
              to={item.to}
              end={item.to === "/"}
              onClick={() => setMenuOpen(false)}
              className={({ isActive }) =>
                `flex items-center gap-2.5 rounded-lg px-2.5 py-1.5 text-sm font-medium ${
                  isActive
                    ? "bg-accent-50 text-accent-700 dark:bg-accent-500/15 dark:text-accent-400"
                    : "text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
                }`
              }
            >
              <Icon name={item.icon} />
              {item.label}
            </NavLink>
          ))}
        </nav>
        <div className="border-t border-zinc-200 p-3 dark:border-zinc-800">
          <p className="truncate text-xs muted" title={user.email}>
            {user.email}
          </p>
          <div className="mt-2 flex items-center gap-2">
            <ThemeToggle />
            <button type="button" className="btn px-2" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" onClick={() => setHelpOpen(true)}>
              <Icon name="keyboard" />
            </button>
            <SignOut />
          </div>
        </div>
      </aside>
      <main id="main" className="min-w-0 px-4 py-5 sm:px-6 lg:ml-56 lg:px-8 lg:py-7">
        <div className="mx-auto max-w-7xl">
          {/* A key per path: an error or a loading state of one page never sticks to the next. */}
          <Suspense key={location.pathname} fallback={<LoadingBlock rows={4} label="Loading page" />}>
            <Outlet />
          </Suspense>
        </div>
      </main>
      <ShortcutsDialog open={helpOpen} onClose={() => setHelpOpen(false)} />
      <Suspense fallback={null}>
        <CommandPalette />
      </Suspense>
    </div>
  );
}

function Brand() {
  return (
    <NavLink to="/" className="flex items-center gap-2 text-base font-semibold tracking-tight">
      <span aria-hidden className="grid size-6 place-items-center rounded-md bg-accent-600 text-xs font-bold text-white">
        OS
      </span>
      OpenSync
    </NavLink>
  );
}

function SignOut() {
  const logout = useLogout();
  const navigate = useNavigate();
  return (
    <button
      type="button"
      className="btn ml-auto"
      onClick={() => logout.mutate(undefined, { onSuccess: () => navigate("/login") })}
      disabled={logout.isPending}
    >
      <Icon name="logout" />
      Sign out
    </button>
  );
}
