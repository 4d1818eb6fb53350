import type { ReactNode } from "react";

export function Section({ id, title, description, children }: { id: string; title: string; description?: ReactNode; children: ReactNode }) {
  return (
    <section id={id} aria-labelledby={`${id}-title`} className="card min-w-0 scroll-mt-20 p-4 sm:p-5">
      <h2 id={`${id}-title`} className="text-base font-semibold">
        {title}
      </h2>
      {description && <p className="mt-1 text-sm muted">{description}</p>}
      <div className="mt-4">{children}</div>
    </section>
  );
}
