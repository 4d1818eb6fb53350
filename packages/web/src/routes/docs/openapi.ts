/**
 * The few parts of an OpenAPI 3.1 document the Docs page reads (the document itself is generated
 * by the server at `/api/openapi.json`; this is the standard's shape, not a protocol type).
 */
export interface OpenApiDocument {
  info?: { title?: string; version?: string; description?: string };
  paths?: Record<string, Record<string, OpenApiOperation | unknown>>;
  tags?: { name: string; description?: string }[];
}
export interface OpenApiOperation {
  summary?: string;
  description?: string;
  tags?: string[];
  operationId?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: { type?: string | string[]; enum?: unknown[] } }[];
  requestBody?: { content?: Record<string, { example?: unknown; schema?: unknown }> };
  responses?: Record<string, { description?: string }>;
}

export const METHODS = ["get", "post", "put", "patch", "delete"] as const;

export interface Endpoint { method: string; path: string; op: OpenApiOperation; tag: string }

const GROUP_NAMES: Record<string, string> = {
  sync: "Sync (agents and plugins)", sessions: "Sessions", public: "Shared sessions", stats: "Stats", export: "Export",
  events: "Realtime", search: "Search", context: "Context", auth: "Sign-in", me: "Account", keys: "API keys",
  admin: "Users (owner)", mcp: "MCP", health: "Health", openapi: "Health", "well-known": "MCP",
};

/** An untagged path's group, from its first meaningful segment (`/api/keys/{id}` → "API keys"). */
export function groupOf(path: string): string {
  const segments = path.split("/").filter((p) => p && p !== "api");
  const first = (segments[0] ?? "").replace(/^\./, "").replace(/\.json$/, "");
  return GROUP_NAMES[first] ?? (first ? first[0].toUpperCase() + first.slice(1) : "Other");
}

/** Every operation, grouped by its first tag (untagged ones by path), in document order. */
export function endpointsByTag(doc: OpenApiDocument): [string, Endpoint[]][] {
  const groups = new Map<string, Endpoint[]>();
  for (const t of doc.tags ?? []) groups.set(t.name, []);
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method] as OpenApiOperation | undefined;
      if (!op) continue;
      const tag = op.tags?.[0] ?? groupOf(path);
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag)!.push({ method: method.toUpperCase(), path, op, tag });
    }
  }
  return [...groups.entries()].filter(([, eps]) => eps.length > 0);
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A curl line for an endpoint against the reader's own server, with a placeholder key. */
export function curlExample(origin: string, e: Endpoint): string {
  const isPublic = Array.isArray(e.op.security) && e.op.security.length === 0;
  const query = (e.op.parameters ?? []).filter((p) => p.in === "query" && p.required);
  const path = e.path.replace(/\{(\w+)\}/g, (_, name: string) => `<${name}>`);
  const qs = query.length ? `?${query.map((p) => `${p.name}=<${p.name}>`).join("&")}` : "";
  const parts = [`curl${e.method === "GET" ? "" : ` -X ${e.method}`} ${shellQuote(origin + path + qs)}`];
  if (!isPublic) parts.push(`-H "Authorization: Bearer $OPENSYNC_API_KEY"`);
  const json = e.op.requestBody?.content?.["application/json"];
  if (json) {
    parts.push(`-H 'Content-Type: application/json'`);
    parts.push(`-d ${shellQuote(JSON.stringify(json.example ?? {}))}`);
  }
  return parts.join(" \\\n  ");
}
