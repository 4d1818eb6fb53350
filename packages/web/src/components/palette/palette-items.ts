/** One entry of the palette: a page, an action or a session. */
export interface PaletteItem {
  id: string;
  group: "Sessions" | "Pages" | "Actions";
  label: string;
  hint?: string;
  run: () => void;
}

/** Case-insensitive match of every word of the query, anywhere in the label or the hint. */
export function matches(item: Pick<PaletteItem, "label" | "hint">, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const hay = `${item.label} ${item.hint ?? ""}`.toLowerCase();
  return words.every((w) => hay.includes(w));
}

/** The list as shown: sessions first when searching, then pages and actions that match. */
export function arrange(sessions: PaletteItem[], pages: PaletteItem[], actions: PaletteItem[], query: string): PaletteItem[] {
  const q = query.trim();
  if (!q) return [...actions, ...pages, ...sessions];
  return [...sessions, ...pages.filter((p) => matches(p, q)), ...actions.filter((a) => matches(a, q))];
}
