import type { IconName } from "../ui/icons";

/** The app's pages in the sidebar (and in the palette's "Go to" list). */
export const NAV_ITEMS: { to: string; label: string; icon: IconName; shortcut?: string }[] = [
  { to: "/", label: "Overview", icon: "overview", shortcut: "g o" },
  { to: "/sessions", label: "Sessions", icon: "sessions", shortcut: "g s" },
  { to: "/search", label: "Search", icon: "search", shortcut: "g f" },
  { to: "/context", label: "Context", icon: "context" },
  { to: "/analytics", label: "Analytics", icon: "analytics", shortcut: "g a" },
  { to: "/wrapped", label: "Daily summary", icon: "wrapped", shortcut: "g w" },
  { to: "/settings", label: "Settings", icon: "settings", shortcut: "g ," },
  { to: "/docs", label: "Docs", icon: "docs" },
];
