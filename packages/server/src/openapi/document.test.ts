import { describe, expect, test } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../app.js";
import { loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { openSqliteStore } from "../store/sqlite/open.js";
import { openApiDocument, ROUTES } from "./document.js";

/** `METHOD /path` of every route the Hono app registered (middleware and the app's catch-all left out). */
async function appRoutes(): Promise<Set<string>> {
  const dataDir = mkdtempSync(join(tmpdir(), "opensync-openapi-"));
  const config = loadConfig({ dataDir }, { OPENSYNC_EMBEDDINGS: "off" });
  const store = await openSqliteStore({ path: join(dataDir, "opensync.db") });
  const { app } = createApp(config, store, createLogger("silent"));
  const routes = new Set<string>();
  for (const r of app.routes) {
    if (r.method === "ALL" || r.path === "*" || r.path.endsWith("/*")) continue;
    routes.add(`${r.method} ${r.path.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}")}`);
  }
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
  return routes;
}

describe("the OpenAPI document", () => {
  test("lists every route of the app, and only those", async () => {
    const documented = new Set(ROUTES.map((r) => `${r.method.toUpperCase()} ${r.path}`));
    const registered = await appRoutes();
    expect([...registered].filter((r) => !documented.has(r)), "undocumented routes").toEqual([]);
    expect([...documented].filter((r) => !registered.has(r)), "documented routes the app does not have").toEqual([]);
  });

  test("is OpenAPI 3.1 with the routes' own schemas", () => {
    const doc = openApiDocument() as { openapi: string; paths: Record<string, Record<string, any>> };
    expect(doc.openapi).toBe("3.1.0");
    const stats = doc.paths["/api/stats"].get;
    expect(stats.parameters.map((p: { name: string }) => p.name)).toEqual(["from", "to", "groupBy", "tzOffset", "cumulative", "splitBy"]);
    expect(stats.parameters.find((p: { name: string }) => p.name === "groupBy").schema.anyOf?.[0]?.enum ?? stats.parameters.find((p: { name: string }) => p.name === "groupBy").schema.enum).toContain("hourOfWeek");
    const login = doc.paths["/api/auth/login"].post;
    expect(login.security).toEqual([]);
    expect(login.requestBody.content["application/json"].schema.required).toEqual(["email", "password"]);
    expect(doc.paths["/api/sessions/{id}/messages"].get.parameters[0]).toMatchObject({ name: "id", in: "path", required: true });
  });
});
