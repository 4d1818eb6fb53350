import { useEffect, useId, useMemo, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { useLogout } from "../../api/auth";
import { client } from "../../api/client";
import { useRecentSessions } from "../../api/sessions";
import { formatRelative, shortProject } from "../../lib/format";
import { useTheme } from "../../lib/theme";
import { NAV_ITEMS } from "../layout/nav-items";
import { Dialog } from "../ui/dialog";
import { arrange, type PaletteItem } from "./palette-items";

/**
 * Cmd/Ctrl+K from every page (and the window event "opensync:palette"): search sessions, jump to
 * pages, run actions. Arrow keys move, Enter runs, Esc closes.
 */
export default function CommandPalette() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.metaKey || e.ctrlKey) && !e.altKey && e.key.toLowerCase() === "k") {
        e.preventDefault();
        setOpen((o) => !o);
      }
    };
    const onOpen = () => setOpen(true);
    window.addEventListener("keydown", onKey);
    window.addEventListener("opensync:palette", onOpen);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener("opensync:palette", onOpen);
    };
  }, []);
  return (
    <Dialog open={open} onClose={() => setOpen(false)} title="Command palette" wide>
      {open && <PaletteBody close={() => setOpen(false)} />}
    </Dialog>
  );
}

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

function PaletteBody({ close }: { close: () => void }) {
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const navigate = useNavigate();
  const theme = useTheme();
  const logout = useLogout();
  const listId = useId();
  const inputId = useId();
  const listRef = useRef<HTMLDivElement>(null);
  const q = useDebounced(query.trim(), 150);

  const recent = useRecentSessions(6);
  const found = useQuery({
    queryKey: ["palette-search", q],
    queryFn: () => client.search({ q, type: "fulltext", groupBy: "session", limit: 6 }),
    enabled: q.length > 0,
    retry: false,
    staleTime: 10_000,
  });

  const go = (to: string) => () => {
    close();
    navigate(to);
  };
  const items = useMemo(() => {
    // While the typed text waits for its search, no stale list is shown (Enter would open it).
    const searching = query.trim().length > 0;
    const settled = q === query.trim() && !found.isFetching;
    const sessions: PaletteItem[] = searching
      ? (settled ? found.data?.results ?? [] : []).map((r) => ({
          id: `s-${r.sessionId}`,
          group: "Sessions" as const,
          label: r.title || "Untitled session",
          hint: r.snippet.slice(0, 90),
          run: go(`/sessions/${encodeURIComponent(r.sessionId)}${r.messageId ? `#m-${encodeURIComponent(r.messageId)}` : ""}`),
        }))
      : (recent.data?.sessions ?? []).map((s) => ({
          id: `s-${s.id}`,
          group: "Sessions" as const,
          label: s.title || "Untitled session",
          hint: `${shortProject(s.projectPath)} · ${formatRelative(s.updatedAt)}`,
          run: go(`/sessions/${encodeURIComponent(s.id)}`),
        }));
    const pages: PaletteItem[] = NAV_ITEMS.map((n) => ({ id: `p-${n.to}`, group: "Pages", label: n.label, hint: `Go to ${n.to}`, run: go(n.to) }));
    const actions: PaletteItem[] = [
      ...(query.trim() ? [{ id: "a-search", group: "Actions" as const, label: `Search all messages for “${query.trim()}”`, run: go(`/search?q=${encodeURIComponent(query.trim())}`) }] : []),
      { id: "a-context", group: "Actions", label: "Preview agent context", hint: "context", run: go("/context") },
      { id: "a-theme", group: "Actions", label: theme.isDark ? "Switch to light theme" : "Switch to dark theme", hint: "theme dark light", run: () => { theme.cycle(); close(); } },
      { id: "a-key", group: "Actions", label: "Create an API key", hint: "settings key", run: go("/settings") },
      {
        id: "a-shortcuts",
        group: "Actions",
        label: "Show keyboard shortcuts",
        hint: "help ?",
        run: () => {
          close();
          // The shell owns the shortcuts dialog and opens it on "?".
          setTimeout(() => window.dispatchEvent(new KeyboardEvent("keydown", { key: "?" })), 0);
        },
      },
      { id: "a-logout", group: "Actions", label: "Sign out", hint: "logout", run: () => { close(); logout.mutate(); } },
    ];
    return arrange(sessions, pages, actions, query);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [q, query, found.data, found.isFetching, recent.data, theme.isDark]);
  const busy = query.trim().length > 0 && (q !== query.trim() || found.isFetching);

  useEffect(() => setActive(0), [query]);
  useEffect(() => setActive((a) => Math.min(a, Math.max(0, items.length - 1))), [items.length]);
  useEffect(() => {
    listRef.current?.querySelector(`[data-index="${active}"]`)?.scrollIntoView({ block: "nearest" });
  }, [active]);

  const onKey = (e: React.KeyboardEvent) => {
    if (e.key === "ArrowDown") setActive((a) => Math.min(items.length - 1, a + 1));
    else if (e.key === "ArrowUp") setActive((a) => Math.max(0, a - 1));
    else if (e.key === "Home") setActive(0);
    else if (e.key === "End") setActive(items.length - 1);
    else if (e.key === "Enter") items[active]?.run();
    else return;
    e.preventDefault();
  };

  const groups = (["Sessions", "Pages", "Actions"] as const)
    .map((g) => ({ group: g, entries: items.map((item, index) => ({ item, index })).filter((e) => e.item.group === g) }))
    .filter((g) => g.entries.length > 0)
    .sort((a, b) => a.entries[0]!.index - b.entries[0]!.index);
  return (
    <div>
      <label htmlFor={inputId} className="sr-only">Search sessions, pages and actions</label>
      <input
        id={inputId}
        autoFocus
        role="combobox"
        aria-expanded="true"
        aria-controls={listId}
        aria-activedescendant={items[active] ? `${listId}-${active}` : undefined}
        aria-autocomplete="list"
        className="input py-2 text-base"
        placeholder="Search sessions, pages, actions…"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={onKey}
      />
      <div ref={listRef} id={listId} role="listbox" aria-label="Results" aria-busy={busy} className="mt-3 max-h-[60vh] overflow-y-auto">
        {groups.map(({ group, entries }) => (
          <div key={group} role="group" aria-labelledby={`${listId}-${group}`}>
            <div id={`${listId}-${group}`} className="px-3 pb-1 pt-2 text-[11px] font-semibold uppercase tracking-wide muted">{group}</div>
            {entries.map(({ item, index: i }) => (
              <div
                key={item.id}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === active}
                data-index={i}
                className={`cursor-pointer rounded-lg px-3 py-2 text-sm ${i === active ? "bg-accent-50 text-accent-700 dark:bg-accent-500/15 dark:text-accent-400" : "hover:bg-zinc-100 dark:hover:bg-zinc-800"}`}
                onMouseMove={() => setActive(i)}
                onClick={() => item.run()}
              >
                <div className="truncate font-medium">{item.label}</div>
                {item.hint && <div className="truncate text-xs muted">{item.hint}</div>}
              </div>
            ))}
          </div>
        ))}
      </div>
      {items.length === 0 && <p className="px-3 py-4 text-sm muted">{found.isFetching ? "Searching…" : "Nothing matches."}</p>}
      {busy && <p className="mt-2 text-xs muted" role="status">Searching…</p>}
    </div>
  );
}
