import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OpenSyncClient } from "@opensync/protocol";
import { expectError, prng } from "../harness/expect.js";
import { startServer, type ServerProcess } from "../harness/server-process.js";

/** Whatever a client sends, the answer is a 4xx JSON error naming the problem, never a 500. */
const LIMIT = 256 * 1024;
let server: ServerProcess;
let key: string;
let api: OpenSyncClient;

beforeAll(async () => {
  server = await startServer({ env: { OPENSYNC_MAX_BODY_BYTES: String(LIMIT) } });
  key = await server.createKey("fuzz@example.com");
  api = server.client(key);
});
afterAll(() => server?.cleanup());

const post = (path: string, body: unknown, headers: Record<string, string> = {}) => server.request(path, { key, body, headers });

describe("wrong types and missing ids", () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ["/sync/session", {}, /^externalId: /],
    ["/sync/session", { externalId: "" }, /^externalId: /],
    ["/sync/session", { externalId: "   " }, /^externalId: /],
    ["/sync/session", { externalId: { id: 1 } }, /^externalId: /],
    ["/sync/session", { externalId: "s", promptTokens: "100" }, /^promptTokens: /],
    ["/sync/session", { externalId: "s", completionTokens: -5 }, /^completionTokens: /],
    ["/sync/session", { externalId: "s", cost: "free" }, /^cost: /],
    ["/sync/session", { externalId: "s", title: 12 }, /^title: /],
    ["/sync/session", { externalId: "s", tokenUsage: { input: "x" } }, /^tokenUsage\.input: /],
    ["/sync/session", { externalId: "s", metadata: [1, 2] }, /^metadata: /],
    ["/sync/session", { externalId: "s", createdAt: true }, /^createdAt: /],
    ["/sync/session", { externalId: "s", updatedAt: "31/12/2024" }, /^updatedAt: /],
    ["/sync/message", {}, /sessionExternalId: .*externalId: /],
    ["/sync/message", { sessionExternalId: "s" }, /^externalId: /],
    ["/sync/message", { externalId: "m" }, /^sessionExternalId: /],
    ["/sync/message", { sessionExternalId: "s", externalId: "m", role: ["user"] }, /^role: /],
    ["/sync/message", { sessionExternalId: "s", externalId: "m", textContent: 5 }, /^textContent: /],
    ["/sync/message", { sessionExternalId: "s", externalId: "m", parts: "text" }, /^parts: /],
    ["/sync/message", { sessionExternalId: "s", externalId: "m", parts: [{ content: "x" }] }, /^parts\.0\.type: /],
    ["/sync/message", { sessionExternalId: "s", externalId: "m", parts: [null] }, /^parts\.0: /],
    ["/sync/message", { sessionExternalId: "s", externalId: "m", cacheReadTokens: Number.MAX_VALUE }, /^cacheReadTokens: /],
    ["/sync/session", { externalId: "s", createdAt: 1e20 }, /^createdAt: .*ISO-8601/],
    ["/sync/session", { externalId: "s", createdAt: -1 }, /^createdAt: /],
    ["/sync/session", { externalId: "s", updatedAt: "+275760-09-13T00:00:00.001Z" }, /^updatedAt: /],
    ["/sync/session", { externalId: "s", promptTokens: 1e13 }, /^promptTokens: /],
    ["/sync/session", { externalId: "s", cost: 1e10 }, /^cost: /],
    ["/sync/session", { externalId: "s", durationMs: 1e13 }, /^durationMs: /],
    ["/sync/message", { sessionExternalId: "s", externalId: "m", createdAt: 8.64e15 + 1 }, /^createdAt: /],
    ["/api/keys", {}, /^name: /],
    ["/api/keys", { name: "" }, /^name: /],
    ["/api/keys", { name: 7 }, /^name: /],
  ];
  test.each(cases)("%s %j -> 400 naming the field", async (path, body, mentions) => {
    const error = await expectError(await post(path, body), 400, "invalid_input", mentions);
    expect(error.details).toMatchObject({ issues: expect.any(Array) });
  });

  test("non-object bodies", async () => {
    for (const body of ["[]", "null", "42", '"text"', "true"]) {
      for (const path of ["/sync/session", "/sync/message", "/sync/batch", "/api/keys"]) {
        await expectError(await post(path, body, { "content-type": "application/json" }), 400, "invalid_input");
      }
    }
  });
});

describe("sizes", () => {
  test("huge strings and ids are refused by field, under the body limit", async () => {
    await expectError(await post("/sync/session", { externalId: "x".repeat(513) }), 400, "invalid_input", /^externalId: /);
    await expectError(await post("/sync/session", { externalId: "s", title: "t".repeat(2001) }), 400, "invalid_input", /^title: /);
    await expectError(await post("/sync/session", { externalId: "s", projectPath: "/p".repeat(2049) }), 400, "invalid_input", /^projectPath: /);
    await expectError(await post("/sync/message", { sessionExternalId: "s".repeat(600), externalId: "m" }), 400, "invalid_input", /^sessionExternalId: /);
    await expectError(await post("/sync/session", { externalId: "s", source: "a".repeat(65) }), 400, "invalid_input", /^source: /);
    // Just under the limits is fine.
    expect((await post("/sync/session", { externalId: "x".repeat(512), title: "t".repeat(2000) })).status).toBe(200);
  });

  test("JSON nested deeper than 100 levels is refused before it reaches the store", async () => {
    const nest = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
    const deep = 100_000;
    await expectError(await post("/sync/session", `{"externalId":"deep","x":${nest(deep)}}`, { "content-type": "application/json" }), 400, "invalid_json", /nested more than 100/);
    await expectError(await post("/sync/message", `{"sessionExternalId":"deep","externalId":"m","parts":[{"type":"text","content":${nest(deep)}}]}`, { "content-type": "application/json" }), 400, "invalid_json", /nested/);
    await expectError(await post("/sync/batch", `{"sessions":[{"externalId":"deep","x":${nest(200)}}]}`, { "content-type": "application/json" }), 400, "invalid_json", /nested/);
    // Ordinary nesting (tool arguments, metadata) is fine.
    expect((await post("/sync/session", `{"externalId":"nested-ok","x":${nest(90)}}`, { "content-type": "application/json" })).status).toBe(200);
    await expectError(await server.request("/api/sessions/get?id=deep", { key }), 404, "not_found");
  });

  test("the extremes of every range are stored and read back everywhere", async () => {
    const max = "9999-12-31T23:59:59.999Z";
    await api.syncSession({ externalId: "extremes", createdAt: 0, updatedAt: max, promptTokens: 1e12, cost: 1e9, durationMs: 1e12 });
    await api.syncMessage({ sessionExternalId: "extremes", externalId: "m", role: "user", createdAt: max, completionTokens: 1e12, cost: 1e9 });
    const { session } = await api.getSession("extremes");
    expect(session).toMatchObject({ createdAt: 0, updatedAt: Date.parse(max), promptTokens: 1e12, completionTokens: 1e12, totalTokens: 2e12, cost: 1e9 });
    for (const format of ["json", "markdown", "jsonl"]) expect((await server.request(`/api/export?id=extremes&format=${format}`, { key })).status).toBe(200);
    expect((await api.stats({ groupBy: "day" })).groups!.map((g) => g.key)).toContain("1970-01-01");
    await api.deleteSession("extremes");
  });

  test("a body over OPENSYNC_MAX_BODY_BYTES -> 413, with or without content-length", async () => {
    const big = { externalId: "big", title: "t", blob: "b".repeat(LIMIT) };
    await expectError(await post("/sync/session", big), 413, "payload_too_large", String(LIMIT));
    // Streamed without a content-length header.
    const text = JSON.stringify(big);
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(text);
        for (let i = 0; i < bytes.length; i += 16_384) controller.enqueue(bytes.slice(i, i + 16_384));
        controller.close();
      },
    });
    const res = await fetch(`${server.url}/sync/batch`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: streamed,
      duplex: "half",
    } as RequestInit);
    await expectError(res, 413, "payload_too_large");
  });

  test("gzip bodies are accepted; a gzip bomb is a 413; broken gzip a 400; unknown encodings a 415", async () => {
    const body = gzipSync(JSON.stringify({ externalId: "gz-1", title: "gzipped" }));
    const ok = await post("/sync/session", body, { "content-type": "application/json", "content-encoding": "gzip" });
    expect(ok.status).toBe(200);
    expect((await api.getSession("gz-1")).session.title).toBe("gzipped");
    // The typed client's gzip option.
    expect(await api.syncBatch({ sessions: [{ externalId: "gz-2" }] }, { gzip: true })).toMatchObject({ ok: true, sessions: 1 });

    const bomb = gzipSync(Buffer.concat([Buffer.from('{"externalId":"bomb","x":"'), Buffer.alloc(20 * 1024 * 1024, 0x61), Buffer.from('"}')]));
    expect(bomb.length).toBeLessThan(LIMIT);
    await expectError(await post("/sync/session", bomb, { "content-type": "application/json", "content-encoding": "gzip" }), 413, "payload_too_large");
    await expectError(await post("/sync/session", Buffer.from("not gzip at all"), { "content-type": "application/json", "content-encoding": "gzip" }), 400, "invalid_input", /gzip/);
    await expectError(await post("/sync/session", "{}", { "content-type": "application/json", "content-encoding": "compress" }), 415, "unsupported_media_type", /compress/);
  });
});

describe("malformed requests", () => {
  test("invalid JSON, empty body, wrong content type", async () => {
    for (const path of ["/sync/session", "/sync/message", "/sync/batch", "/api/keys"]) {
      await expectError(await post(path, '{"externalId": "x",', { "content-type": "application/json" }), 400, "invalid_json", /JSON/);
      await expectError(await post(path, "", { "content-type": "application/json" }), 400, "invalid_json", /empty/);
      await expectError(await server.request(path, { method: "POST", key }), 400, "invalid_json", /empty/);
      await expectError(await post(path, "externalId=x", { "content-type": "application/x-www-form-urlencoded" }), 415, "unsupported_media_type", /application\/json/);
      await expectError(await post(path, '{"externalId":"x"}', { "content-type": "text/plain" }), 415, "unsupported_media_type", /text\/plain/);
    }
    // Without any content type the body is read as JSON (curl -d, simple scripts).
    expect((await post("/sync/session", new TextEncoder().encode('{"externalId":"no-ct"}'))).status).toBe(200);
  });

  test("malformed cursors and bad query parameters -> 400 naming the parameter", async () => {
    const get = (path: string) => server.request(path, { key });
    for (const cursor of ["!!!", "abc", Buffer.from("[1]").toString("base64url"), Buffer.from('["x","y"]').toString("base64url"), "a".repeat(1001)]) {
      await expectError(await get(`/api/sessions?cursor=${encodeURIComponent(cursor)}`), 400, "invalid_input", /cursor/);
    }
    const bad: Array<[string, RegExp]> = [
      ["/api/sessions?limit=abc", /limit/],
      ["/api/sessions?limit=0", /limit/],
      ["/api/sessions?limit=100000", /limit/],
      ["/api/sessions?limit=1.5", /limit/],
      ["/api/sessions?sort=title", /sort/],
      ["/api/sessions?order=sideways", /order/],
      ["/api/sessions?from=yesterday", /from/],
      ["/api/sessions?to=2025-13-45", /to/],
      ["/api/stats?groupBy=fortnight", /groupBy/],
      ["/api/stats?tzOffset=9999", /tzOffset/],
      ["/api/stats?from=soon", /from/],
      ["/api/export?format=pdf", /format/],
      ["/api/export?format=json", /id/],
      ["/api/sessions/get", /id/],
      ["/api/sessions/get?id=", /id/],
      ["/api/me/logs?limit=abc", /limit/],
      ["/api/me/logs?limit=0", /limit/],
    ];
    for (const [path, mentions] of bad) await expectError(await get(path), 400, "invalid_input", mentions);
  });

  test("unknown routes and methods are JSON 404s", async () => {
    await expectError(await server.request("/sync/nothing", { key }), 404, "not_found");
    await expectError(await server.request("/api/nothing", { key }), 404, "not_found");
    await expectError(await server.request("/sync/session", { key }), 404, "not_found");
  });
});

describe("fuzz", () => {
  const KEYS = [
    "externalId", "sessionId", "sessionExternalId", "title", "role", "textContent", "parts", "type", "content",
    "promptTokens", "completionTokens", "cost", "createdAt", "updatedAt", "tokenUsage", "metadata", "source",
    "sessions", "messages", "name", "email", "password", "token", "__proto__", "constructor", "toString",
  ];
  function randomValue(rand: () => number, depth: number): unknown {
    const pick = Math.floor(rand() * (depth > 3 ? 9 : 12));
    switch (pick) {
      case 0: return null;
      case 1: return rand() < 0.5;
      case 2: return Math.floor(rand() * 2e6) - 1e6;
      case 3: return [0, -0, 1e308, -1e308, 5e-324, 1e20, 8.64e15, 8.64e15 + 1, 2 ** 53, 2 ** 63, 1.5][Math.floor(rand() * 11)];
      case 4: return ["", " ", "x", "2025-01-01", "1e400", "\u0000", "\ud800", "💥".repeat(50), "a".repeat(3000), "user", "text", "cursor", "osk_x", "a@b.co", "🙂@🙂"][Math.floor(rand() * 15)];
      case 5: return Math.random().toString(36).slice(2);
      case 6: return rand() * 1e6;
      case 7: return -1;
      case 8: return String(Math.floor(rand() * 1e13));
      case 9:
      case 10: {
        const o: Record<string, unknown> = {};
        const n = Math.floor(rand() * 6);
        for (let i = 0; i < n; i++) o[KEYS[Math.floor(rand() * KEYS.length)]] = randomValue(rand, depth + 1);
        return o;
      }
      default:
        return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
    }
  }
  /** Mostly well-formed envelopes with random contents: the interesting half of the input space. */
  function randomBody(rand: () => number, path: string): unknown {
    const r = rand();
    if (r < 0.2) return randomValue(rand, 0);
    const obj = randomValue(rand, 1);
    const base = obj && typeof obj === "object" && !Array.isArray(obj) ? (obj as Record<string, unknown>) : {};
    if (path === "/sync/batch") {
      return { sessions: Array.from({ length: 3 }, () => ({ externalId: "fz", ...(randomValue(rand, 1) as object) })), messages: Array.from({ length: 3 }, () => ({ sessionExternalId: "fz", externalId: "m", ...(randomValue(rand, 1) as object) })), ...(r < 0.3 ? base : {}) };
    }
    if (path === "/sync/message") return { sessionExternalId: "fz", externalId: `m${Math.floor(rand() * 5)}`, ...base };
    if (path === "/sync/session") return { externalId: `fz${Math.floor(rand() * 5)}`, ...base };
    return base;
  }

  const endpoints = ["/sync/session", "/sync/message", "/sync/batch", "/api/keys", "/api/auth/login", "/api/auth/signup", "/api/auth/claim"];
  test.each(endpoints)("200 random JSON bodies to %s: never a 5xx, the server stays up", async (path) => {
    const rand = prng(path.length * 7919);
    const failures: string[] = [];
    for (let batch = 0; batch < 20; batch++) {
      const bodies = Array.from({ length: 10 }, () => randomBody(rand, path));
      const statuses = await Promise.all(
        bodies.map(async (body) => {
          const res = await post(path, JSON.stringify(body), { "content-type": "application/json" });
          const text = await res.text();
          if (res.status >= 500) failures.push(`${res.status} ${text} <- ${JSON.stringify(body).slice(0, 300)}`);
          if (res.status >= 400) expect(JSON.parse(text)).toMatchObject({ error: expect.any(String), code: expect.any(String) });
          return res.status;
        }),
      );
      expect(statuses.every((s) => s < 500)).toBe(true);
    }
    expect(failures).toEqual([]);
    expect((await api.health()).status).toBe("ok");
  });

  test("after the fuzzing the data still reads back: lists, stats, every export", async () => {
    let cursor: string | undefined;
    const ids: string[] = [];
    do {
      const page = await api.listSessions({ limit: 7, cursor });
      ids.push(...page.sessions.map((s) => s.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    for (const groupBy of ["day", "model", "provider", "project", "source", "machine"] as const) expect((await api.stats({ groupBy })).groups).toBeDefined();
    expect((await api.exportText({ format: "csv" })).text.split("\r\n").length).toBe(ids.length + 2);
    for (const id of ids) {
      for (const format of ["json", "markdown", "jsonl"]) expect((await server.request(`/api/export?id=${id}&format=${format}`, { key })).status).toBe(200);
    }
  });
});
