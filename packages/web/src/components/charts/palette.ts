/** Series colours that read on white and on near-black (checked in both themes' screenshots). */
export const SERIES_COLORS = ["#6366f1", "#10b981", "#f59e0b", "#ec4899", "#06b6d4", "#8b5cf6", "#84cc16", "#f97316", "#64748b"];

export const TOKEN_KIND_COLORS = { input: "#6366f1", output: "#10b981", cacheRead: "#94a3b8", cacheWrite: "#f59e0b" } as const;
export const TOKEN_KIND_LABELS = { input: "Input", output: "Output", cacheRead: "Cache read", cacheWrite: "Cache write" } as const;

export function axisColors(isDark: boolean) {
  return { grid: isDark ? "#27272a" : "#e4e4e7", text: isDark ? "#a1a1aa" : "#52525b", cursor: isDark ? "#3f3f46" : "#f4f4f5" };
}
