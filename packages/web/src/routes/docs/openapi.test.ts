import { describe, expect, it } from "vitest";
import { curlExample, endpointsByTag, groupOf, type OpenApiDocument } from "./openapi";

const doc: OpenApiDocument = {
  tags: [{ name: "Sessions" }, { name: "Empty" }],
  paths: {
    "/api/sessions/{id}": { get: { tags: ["Sessions"], summary: "One session" }, delete: { tags: ["Sessions"] } },
    "/api/search": { get: { tags: ["Search"], parameters: [{ name: "q", in: "query", required: true }, { name: "limit", in: "query" }] } },
    "/api/auth/login": { post: { security: [], requestBody: { content: { "application/json": { example: { email: "a@b.co", password: "it's" } } } } } },
  },
};

describe("endpointsByTag", () => {
  it("groups operations by first tag in the document's tag order, dropping empty tags", () => {
    expect(endpointsByTag(doc).map(([tag, eps]) => [tag, eps.map((e) => `${e.method} ${e.path}`)])).toEqual([
      ["Sessions", ["GET /api/sessions/{id}", "DELETE /api/sessions/{id}"]],
      ["Search", ["GET /api/search"]],
      ["Sign-in", ["POST /api/auth/login"]],
    ]);
  });
});

describe("groupOf", () => {
  it("names an untagged path's group after its first segment past /api", () => {
    expect(["/api/keys/{id}", "/sync/batch", "/api/me/logs", "/.well-known/{kind}", "/api/openapi.json", "/api/unheard"].map(groupOf)).toEqual([
      "API keys", "Sync (agents and plugins)", "Account", "MCP", "Health", "Unheard",
    ]);
  });
});

describe("curlExample", () => {
  const eps = endpointsByTag(doc).flatMap(([, e]) => e);
  it("uses the reader's origin, path placeholders, required query parameters and the key header", () => {
    expect(curlExample("https://os.example", eps[0])).toBe(`curl 'https://os.example/api/sessions/<id>' \\\n  -H "Authorization: Bearer $OPENSYNC_API_KEY"`);
    expect(curlExample("https://os.example", eps[2])).toBe(`curl 'https://os.example/api/search?q=<q>' \\\n  -H "Authorization: Bearer $OPENSYNC_API_KEY"`);
  });
  it("sends the JSON example quoted for the shell, without a key for public endpoints", () => {
    expect(curlExample("http://127.0.0.1:8790", eps[3])).toBe(
      `curl -X POST 'http://127.0.0.1:8790/api/auth/login' \\\n  -H 'Content-Type: application/json' \\\n  -d '{"email":"a@b.co","password":"it'\\''s"}'`,
    );
  });
});
