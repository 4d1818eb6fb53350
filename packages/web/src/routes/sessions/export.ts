import { client } from "../../api/client";

/** Downloads text as a file (a Blob URL: nothing leaves the browser). */
export function downloadText(text: string, filename: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The selected sessions through `/api/export`, as one Markdown document or one JSON array. */
export async function exportSessions(ids: string[], format: "markdown" | "json"): Promise<void> {
  const parts: string[] = [];
  for (const id of ids) parts.push((await client.exportText({ id, format })).text);
  const stamp = new Date().toISOString().slice(0, 10);
  if (format === "markdown") {
    downloadText(parts.join("\n\n---\n\n"), `opensync-${ids.length}-sessions-${stamp}.md`, "text/markdown");
  } else {
    const docs = parts.map((p) => JSON.parse(p) as unknown);
    downloadText(JSON.stringify(docs.length === 1 ? docs[0] : docs, null, 2), `opensync-${ids.length}-sessions-${stamp}.json`, "application/json");
  }
}
