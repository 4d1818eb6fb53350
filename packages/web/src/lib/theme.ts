import { useCallback, useEffect, useSyncExternalStore } from "react";

/** The user's choice; "system" follows `prefers-color-scheme` live. */
export type ThemeChoice = "system" | "light" | "dark";
const STORAGE_KEY = "opensync.theme"; // also read by public/theme-init.js before the first paint

const media = () => window.matchMedia("(prefers-color-scheme: dark)");
const listeners = new Set<() => void>();

function readChoice(): ThemeChoice {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === "light" || v === "dark" ? v : "system";
  } catch {
    return "system";
  }
}

export function applyTheme(choice: ThemeChoice = readChoice()): void {
  const dark = choice === "dark" || (choice === "system" && media().matches);
  document.documentElement.classList.toggle("dark", dark);
}

export function setThemeChoice(choice: ThemeChoice): void {
  try {
    if (choice === "system") localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, choice);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
  applyTheme(choice);
  for (const l of listeners) l();
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

/** The current choice and whether dark is in effect (charts pick their colours from it). */
export function useTheme() {
  const choice = useSyncExternalStore(subscribe, readChoice, () => "system" as ThemeChoice);
  const isDark = useSyncExternalStore(
    subscribe,
    () => document.documentElement.classList.contains("dark"),
    () => false,
  );
  useEffect(() => {
    if (choice !== "system") return;
    const m = media();
    const onChange = () => {
      applyTheme("system");
      for (const l of listeners) l();
    };
    m.addEventListener("change", onChange);
    return () => m.removeEventListener("change", onChange);
  }, [choice]);
  const cycle = useCallback(() => {
    setThemeChoice(choice === "system" ? (isDark ? "light" : "dark") : choice === "dark" ? "light" : "system");
  }, [choice, isDark]);
  return { choice, isDark, setChoice: setThemeChoice, cycle };
}
