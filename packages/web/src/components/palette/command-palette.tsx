import { useEffect, useState } from "react";
import { useNavigate } from "react-router";
import { Dialog } from "../ui/dialog";
import { NAV_ITEMS } from "../layout/nav-items";

/*
 * PLACEHOLDER (owned by the viewer/search engineer, who replaces it with the full palette:
 * session search, modes, actions). Contract with the shell: default export, mounted once,
 * opens on Ctrl/Cmd+K and on the window event "opensync:palette".
 */
export default function CommandPalette() {
  const [open, setOpen] = useState(false);
  const navigate = useNavigate();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.metaKey || e.ctrlKey) && e.key.toLowerCase() === "k") {
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
    <Dialog open={open} onClose={() => setOpen(false)} title="Go to">
      <ul className="space-y-1">
        {NAV_ITEMS.map((item) => (
          <li key={item.to}>
            <button
              type="button"
              className="w-full rounded-lg px-3 py-2 text-left text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800"
              onClick={() => {
                setOpen(false);
                navigate(item.to);
              }}
            >
              {item.label}
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
