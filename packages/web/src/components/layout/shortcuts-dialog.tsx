import { SHORTCUT_HELP } from "../../lib/shortcuts";
import { Dialog } from "../ui/dialog";

export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} onClose={onClose} title="Keyboard shortcuts" wide>
      <div className="grid gap-5 sm:grid-cols-2">
        {SHORTCUT_HELP.map((g) => (
          <section key={g.group}>
            <h3 className="mb-2 text-xs font-semibold uppercase tracking-wide muted">{g.group}</h3>
            <dl className="space-y-1.5">
              {g.items.map((item) => (
                <div key={item.description} className="flex items-center justify-between gap-3 text-sm">
                  <dt className="muted">{item.description}</dt>
                  <dd className="flex shrink-0 gap-1">
                    {item.keys.map((k) => (
                      <kbd key={k} className="kbd">
                        {k}
                      </kbd>
                    ))}
                  </dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
      <div className="mt-5 flex justify-end">
        <button type="button" className="btn" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
