import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { gzipSync } from "node:zlib";
import { OpenSyncClient, OpenSyncError } from "@opensync/protocol";
import { createByteBodyFetch } from "./byte-body-fetch.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

describe("createByteBodyFetch", () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
        if (req.url === "/gzip") {
          res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
          res.end(gzipSync(JSON.stringify({ zipped: true })));
        } else if (req.url === "/empty") {
          res.writeHead(204).end();
        } else if (req.url!.startsWith("/busy/")) {
          res.writeHead(503, { "content-type": "application/json", "retry-after": "7" }).end(JSON.stringify({ error: "busy", code: "busy" }));
        } else if (req.url === "/slow") {
          setTimeout(() => res.writeHead(200).end("{}"), 2_000);
        } else {
          res.writeHead(200, { "content-type": "application/json", "x-many": ["a", "b"] });
          res.end(JSON.stringify({ ok: true, sessions: 0, messages: 1, errors: [], features: ["tool-text-from-output"], echoed: chunks.length > 0 }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address() as { port: number };
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("posts a byte body as it is, with its length, and gives back a Response", async () => {
    const f = createByteBodyFetch();
    const body = Buffer.from('{"messages":["é ✓ 日本 🙂"]}', "utf8");
    const res = await f(new URL(`${base}/sync/batch`), { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer k" }, body });
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.headers.get("x-many")).toBe("a, b");
    expect(await res.json()).toMatchObject({ messages: 1, echoed: true });
    const last = seen.at(-1)!;
    expect(last.body.equals(body)).toBe(true);
    expect(last.headers["content-length"]).toBe(String(body.length));
    expect(last.headers.authorization).toBe("Bearer k");
    expect(last.method).toBe("POST");
  });

  it("decodes a compressed response and allows a bodiless status", async () => {
    const f = createByteBodyFetch();
    const zipped = await f(new URL(`${base}/gzip`), { method: "POST", body: Buffer.from("{}") });
    expect(await zipped.json()).toEqual({ zipped: true });
    const empty = await f(new URL(`${base}/empty`), { method: "POST", body: Buffer.from("{}") });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe("");
  });

  it("leaves every other request to the fallback fetch", async () => {
    const calls: unknown[] = [];
    const fallback = (async (input: unknown, init?: RequestInit) => {
      calls.push([String(input), init?.body]);
      return new Response("{}");
    }) as typeof fetch;
    const f = createByteBodyFetch(fallback);
    await f(new URL(`${base}/health`), { method: "GET" });
    await f(`${base}/sync/batch`, { method: "POST", body: "text" });
    expect(calls).toEqual([[`${base}/health`, undefined], [`${base}/sync/batch`, "text"]]);
  });

  it("rejects when the request is aborted or the server cannot be reached", async () => {
    const f = createByteBodyFetch();
    await expect(f(new URL(`${base}/slow`), { method: "POST", body: Buffer.from("{}"), signal: AbortSignal.timeout(100) })).rejects.toThrow();
    await expect(f(new URL("http://127.0.0.1:9/sync/batch"), { method: "POST", body: Buffer.from("{}") })).rejects.toThrow();
  });

  it("serves OpenSyncClient's encoded batches: answers, errors with Retry-After, and network failures", async () => {
    const client = new OpenSyncClient({ baseUrl: base, apiKey: "k", fetch: createByteBodyFetch() });
    const data = Buffer.from('{"sessions":[],"messages":[]}');
    expect(await client.syncBatchEncoded({ data })).toMatchObject({ ok: true, messages: 1, features: ["tool-text-from-output"] });
    expect(seen.at(-1)!.headers["content-type"]).toBe("application/json");
    // The client appends its path: a base under which every path answers 503.
    const busy = new OpenSyncClient({ baseUrl: `${base}/busy`, apiKey: "k", fetch: createByteBodyFetch() });
    const error = await busy.syncBatchEncoded({ data }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenSyncError);
    expect(error).toMatchObject({ status: 503, code: "busy", retryAfter: 7 });
    const down = new OpenSyncClient({ baseUrl: "http://127.0.0.1:9", apiKey: "k", fetch: createByteBodyFetch() });
    await expect(down.syncBatchEncoded({ data })).rejects.toMatchObject({ code: "network_error" });
  });
});
