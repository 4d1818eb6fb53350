import { useTheme } from "../../lib/theme";
import { Icon } from "../ui/icons";

const LABEL = { system: "Theme: system", dark: "Theme: dark", light: "Theme: light" } as const;

export function ThemeToggle({ className = "" }: { className?: string }) {
  const { choice, cycle } = useTheme();
  return (
    <button type="button" onClick={cycle} className={`btn px-2 ${className}`} aria-label={`${LABEL[choice]} (switch)`} title={`${LABEL[choice]} (t to switch)`}>
      <Icon name={choice === "system" ? "monitor" : choice === "dark" ? "moon" : "sun"} />
    </button>
  );
}
