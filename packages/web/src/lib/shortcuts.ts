import { useEffect, useRef } from "react";

/** What `?` lists. Pages with their own keys add a group here (the viewer's j/k, for instance). */
export const SHORTCUT_HELP: { group: string; items: { keys: string[]; description: string }[] }[] = [
  {
    group: "Everywhere",
    items: [
      { keys: ["Ctrl/⌘", "K"], description: "Command palette: search sessions, jump to pages, run actions" },
      { keys: ["/"], description: "Focus the page's search or filter box" },
      { keys: ["?"], description: "Show these shortcuts" },
      { keys: ["t"], description: "Switch theme (system → dark → light)" },
    ],
  },
  {
    group: "Go to",
    items: [
      { keys: ["g", "o"], description: "Overview" },
      { keys: ["g", "s"], description: "Sessions" },
      { keys: ["g", "f"], description: "Search" },
      { keys: ["g", "a"], description: "Analytics" },
      { keys: ["g", "w"], description: "Daily summary" },
      { keys: ["g", ","], description: "Settings" },
    ],
  },
  {
    group: "Sessions list",
    items: [
      { keys: ["j"], description: "Next session" },
      { keys: ["k"], description: "Previous session" },
      { keys: ["Enter"], description: "Open the selected session" },
      { keys: ["x"], description: "Select or unselect it" },
    ],
  },
  {
    group: "Session viewer",
    items: [{ keys: ["j", "k"], description: "Next / previous message" }],
  },
];

/** True when a key press is meant for a text field, not for a shortcut. */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
}

/**
 * Single-key and two-key ("g s") shortcuts outside text fields, without modifiers.
 * `bindings` maps a key sequence ("?", "g s") to its action.
 */
export function useKeySequences(bindings: Record<string, () => void>, enabled = true): void {
  const ref = useRef(bindings);
  ref.current = bindings;
  useEffect(() => {
    if (!enabled) return;
    let prefix = "";
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.metaKey || e.ctrlKey || e.altKey || isTyping(e.target)) return;
      if (document.querySelector("dialog[open]")) return; // a modal owns the keyboard
      const seq = prefix ? `${prefix} ${e.key}` : e.key;
      const action = ref.current[seq];
      if (action) {
        e.preventDefault();
        prefix = "";
        action();
        return;
      }
      // Start a sequence if some binding begins with this key.
      if (!prefix && Object.keys(ref.current).some((k) => k.startsWith(`${e.key} `))) {
        prefix = e.key;
        clearTimeout(timer);
        timer = setTimeout(() => (prefix = ""), 1200);
      } else prefix = "";
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
      clearTimeout(timer);
    };
  }, [enabled]);
}
