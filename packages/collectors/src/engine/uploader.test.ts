import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { OpenSyncClient } from "@opensync/protocol";
import { Uploader, UploadUnavailableError } from "./uploader.js";

interface Call { body: { sessions: unknown[]; messages: Array<{ externalId: string }> }; gzip: boolean }

/** A scripted server: each call answers with the next status (200 once the script runs out). */
function fakeServer(script: Array<number | { status: number; retryAfter?: string }> = []) {
  const calls: Call[] = [];
  const fetchImpl = (async (_url: URL, init: RequestInit) => {
    const gz = (init.headers as Record<string, string>)["content-encoding"] === "gzip";
    const raw = gz ? gunzipSync(Buffer.from(init.body as Uint8Array)).toString() : String(init.body);
    const body = JSON.parse(raw) as Call["body"];
    calls.push({ body, gzip: gz });
    const step = script.shift() ?? 200;
    const { status, retryAfter } = typeof step === "number" ? { status: step, retryAfter: undefined } : step;
    if (status === -1) throw new TypeError("fetch failed");
    if (status !== 200) {
      return new Response(JSON.stringify({ error: `status ${status}`, code: "x" }), { status, headers: retryAfter ? { "retry-after": retryAfter } : {} });
    }
    return Response.json({ ok: true, sessions: body.sessions.length, messages: body.messages.length, errors: [] });
  }) as unknown as typeof fetch;
  return { calls, client: new OpenSyncClient({ baseUrl: "http://example.test", apiKey: "osk_x", fetch: fetchImpl }) };
}

const msgs = (n: number, prefix = "m") => Array.from({ length: n }, (_, i) => ({ sessionExternalId: "s", externalId: `${prefix}${i}`, role: "user", textContent: "x".repeat(100) }));
const sleeps: number[] = [];
const sleep = async (ms: number) => void sleeps.push(ms);

describe("Uploader", () => {
  it("splits by message count and acknowledges each group only after its requests succeeded, in order", async () => {
    const { calls, client } = fakeServer();
    const up = new Uploader(client, { maxMessages: 4, sleep });
    const acked: string[] = [];
    await up.push({ sessions: [{ externalId: "s" }], messages: msgs(6, "a") }, () => void acked.push("a"));
    await up.push({ sessions: [], messages: msgs(3, "b") }, () => void acked.push("b"));
    await up.flush();
    // Two requests run at once and each is gzipped on its own, so the first two can reach the server in either order.
    expect(calls.map((c) => c.body.messages.length)).toEqual([4, 4, 1]);
    const carrying = (id: string) => calls.find((c) => c.body.messages.some((m) => m.externalId === id))!;
    expect(carrying("a0").body.sessions).toHaveLength(1);
    // The second request holds a4 and a5 (session s, pushed with them) and b0, b1 (pushed without a session).
    expect(carrying("a4").body.sessions).toHaveLength(1);
    expect(carrying("b2").body.sessions).toHaveLength(0);
    expect(acked).toEqual(["a", "b"]);
    expect(up.totals.messages).toBe(9);
  });

  it("bounds requests by bytes", async () => {
    const { calls, client } = fakeServer();
    const up = new Uploader(client, { maxBytes: 1_000, sleep });
    await up.push({ sessions: [], messages: msgs(20) }, () => {});
    await up.flush();
    expect(calls.length).toBeGreaterThan(3);
    for (const c of calls) expect(JSON.stringify(c.body).length).toBeLessThan(1_400);
  });

  it("gzips bodies for a remote server and not for loopback", async () => {
    const remote = fakeServer();
    await new Uploader(remote.client, { sleep }).push({ sessions: [], messages: msgs(1) }, () => {});
    const remoteUp = new Uploader(remote.client, { sleep });
    await remoteUp.push({ sessions: [], messages: msgs(1) }, () => {});
    await remoteUp.flush();
    expect(remote.calls.at(-1)!.gzip).toBe(true);
    const local = fakeServer();
    const localClient = new OpenSyncClient({ baseUrl: "http://127.0.0.1:8790", fetch: (local.client as unknown as { fetchImpl: typeof fetch }).fetchImpl });
    const localUp = new Uploader(localClient, { sleep });
    await localUp.push({ sessions: [], messages: msgs(1) }, () => {});
    await localUp.flush();
    expect(local.calls[0].gzip).toBe(false);
  });

  it("retries 5xx and network errors with growing backoff, and honours 429 Retry-After", async () => {
    sleeps.length = 0;
    const { calls, client } = fakeServer([503, -1, { status: 429, retryAfter: "7" }]);
    const up = new Uploader(client, { sleep });
    let acked = false;
    await up.push({ sessions: [], messages: msgs(2) }, () => void (acked = true));
    await up.flush();
    expect(calls).toHaveLength(4);
    expect(acked).toBe(true);
    expect(sleeps[0]).toBeGreaterThanOrEqual(250);
    expect(sleeps[1]).toBeGreaterThan(sleeps[0] * 0.6);
    expect(sleeps[2]).toBe(7_000);
  });

  it("gives up after the attempts with UploadUnavailableError and acknowledges nothing", async () => {
    const { client } = fakeServer([-1, -1, -1]);
    const up = new Uploader(client, { attempts: 3, sleep });
    let acked = false;
    await up.push({ sessions: [], messages: msgs(2) }, () => void (acked = true));
    await expect(up.flush()).rejects.toBeInstanceOf(UploadUnavailableError);
    expect(acked).toBe(false);
  });

  it("a later batch's acknowledgement never runs when an earlier batch failed", async () => {
    const { client } = fakeServer([401]);
    const up = new Uploader(client, { maxMessages: 1, concurrency: 2, sleep });
    const acked: number[] = [];
    await up.push({ sessions: [], messages: msgs(1) }, () => void acked.push(1));
    await up.push({ sessions: [], messages: msgs(1, "x") }, () => void acked.push(2)).catch(() => {});
    await expect(up.flush()).rejects.toMatchObject({ status: 401 });
    expect(acked).toEqual([]);
  });

  it("halves a batch the server finds too large (413)", async () => {
    const { calls, client } = fakeServer([413]);
    const up = new Uploader(client, { sleep });
    const big = msgs(10).map((m) => ({ ...m, textContent: "x".repeat(10_000) }));
    await up.push({ sessions: [{ externalId: "s" }], messages: big }, () => {});
    await up.flush();
    expect(calls.map((c) => c.body.sessions.length + c.body.messages.length)).toEqual([11, 6, 5]);
    expect(calls[1].body.sessions).toHaveLength(1);
    expect(calls[2].body.sessions).toHaveLength(0);
  });

  it("counts request bytes in UTF-8, not UTF-16 characters", async () => {
    const { calls, client } = fakeServer();
    const up = new Uploader(client, { maxBytes: 10_000, sleep });
    const cjk = Array.from({ length: 6 }, (_, i) => ({ sessionExternalId: "s", externalId: `c${i}`, role: "user", textContent: "漢".repeat(1000) }));
    await up.push({ sessions: [], messages: cjk }, () => {});
    await up.flush();
    for (const c of calls) expect(Buffer.byteLength(JSON.stringify(c.body))).toBeLessThan(10_500);
    expect(calls.length).toBeGreaterThanOrEqual(2);
  });
});

/** A server enforcing limits the way ours does: a body limit, a session cap, per-item validation. */
function strictServer(limits: { maxBody: number; maxSessions: number; bad?: (m: { externalId: string }) => boolean }) {
  const received = { sessions: 0, messages: new Set<string>() };
  const statuses: number[] = [];
  const fetchImpl = (async (_url: URL, init: RequestInit) => {
    const raw = String(init.body);
    const answer = (status: number, body: unknown) => (statuses.push(status), Response.json(body, { status }));
    if (Buffer.byteLength(raw) > limits.maxBody) return answer(413, { error: "too large", code: "payload_too_large" });
    const body = JSON.parse(raw) as Call["body"];
    if (body.sessions.length > limits.maxSessions) return answer(400, { error: "sessions: too many", code: "invalid_request" });
    const errors: Array<{ kind: string; index: number; error: string }> = [];
    body.messages.forEach((m, index) => {
      if (limits.bad?.(m)) errors.push({ kind: "message", index, error: "textContent: too long" });
      else received.messages.add(m.externalId);
    });
    received.sessions += body.sessions.length;
    return answer(200, { ok: true, sessions: body.sessions.length, messages: body.messages.length - errors.length, errors });
  }) as unknown as typeof fetch;
  return { received, statuses, client: new OpenSyncClient({ baseUrl: "http://127.0.0.1:1", apiKey: "osk_x", fetch: fetchImpl }) };
}

describe("defect 6: more than 5,000 sessions in one request wedge sync forever", () => {
  it("bounds sessions per request, and bisects a request refused as a whole instead of failing the run", async () => {
    const server = strictServer({ maxBody: 16 << 20, maxSessions: 5000 });
    const sessions = Array.from({ length: 12_000 }, (_, i) => ({ externalId: `s${i}`, source: "claude-code" }));
    // Even an uploader configured with a session cap above the server's finishes: 400 is bisected.
    const up = new Uploader(server.client, { maxSessions: 20_000, sleep });
    let acked = false;
    await up.push({ sessions, messages: [{ sessionExternalId: "s1", externalId: "real", role: "user", textContent: "hi" }] }, () => void (acked = true));
    await up.flush();
    expect(acked).toBe(true);
    expect(server.received.sessions).toBe(12_000);
    expect(server.received.messages.has("real")).toBe(true);
    const defaults = strictServer({ maxBody: 16 << 20, maxSessions: 5000 });
    const up2 = new Uploader(defaults.client, { sleep });
    await up2.push({ sessions, messages: [] }, () => {});
    await up2.flush();
    expect(defaults.statuses.every((s) => s === 200)).toBe(true);
  });
});

describe("defect 7: one message over the body limit in UTF-8 wedges sync forever", () => {
  it("a single message refused with 413 is cut until it fits, and the run goes on", async () => {
    const server = strictServer({ maxBody: 300_000, maxSessions: 5000 });
    const up = new Uploader(server.client, { sleep });
    const huge = { sessionExternalId: "s", externalId: "huge", role: "user", textContent: "漢".repeat(400_000), parts: [{ type: "text", content: { text: "漢".repeat(400_000) } }] };
    let acked = false;
    await up.push({ sessions: [{ externalId: "s" }], messages: [huge, ...msgs(3)] }, () => void (acked = true));
    await up.flush();
    expect(acked).toBe(true);
    expect(server.received.messages).toEqual(new Set(["huge", "m0", "m1", "m2"]));
    expect(up.totals.rejected).toBe(0);
  });
});

describe("rejected items are reported, never skipped in silence", () => {
  it("reports each item the server rejected with its ids and origin, and acknowledges the batch", async () => {
    const server = strictServer({ maxBody: 16 << 20, maxSessions: 5000, bad: (m) => m.externalId === "m1" });
    const rejected: unknown[] = [];
    const up = new Uploader(server.client, { sleep, onRejected: (items) => rejected.push(...items) });
    let acked = false;
    await up.push({ sessions: [], messages: msgs(3) }, () => void (acked = true), { unitKey: "claude-code:/t.jsonl", agent: "claude-code" });
    await up.flush();
    expect(acked).toBe(true);
    expect(rejected).toEqual([{ kind: "message", sessionExternalId: "s", externalId: "m1", unitKey: "claude-code:/t.jsonl", agent: "claude-code", error: "textContent: too long" }]);
    expect(up.totals.rejected).toBe(1);
  });
});

describe("requests that land out of order", () => {
  it("an older session version applied after a newer one is corrected by re-sending the latest", async () => {
    const titles: string[] = [];
    let calls = 0;
    const fetchImpl = (async (_url: URL, init: RequestInit) => {
      const body = JSON.parse(String(init.body)) as { sessions: Array<{ title: string }>; messages: unknown[] };
      // The first request is slow (or retried): it lands after the second.
      if (calls++ === 0) await new Promise((r) => setTimeout(r, 50));
      for (const s of body.sessions) titles.push(s.title);
      return Response.json({ ok: true, sessions: body.sessions.length, messages: body.messages.length, errors: [] });
    }) as unknown as typeof fetch;
    const client = new OpenSyncClient({ baseUrl: "http://127.0.0.1:1", apiKey: "osk_x", fetch: fetchImpl });
    const up = new Uploader(client, { maxMessages: 1, concurrency: 2, sleep });
    await up.push({ sessions: [{ externalId: "s", title: "older" }], messages: msgs(1, "a") }, () => {});
    await up.push({ sessions: [{ externalId: "s", title: "newer" }], messages: msgs(1, "b") }, () => {});
    await up.flush();
    expect(titles.slice(0, 2)).toEqual(["newer", "older"]);
    expect(titles.at(-1)).toBe("newer");
  });
});

describe("a 413 for a request far below any sane body limit", () => {
  it("stops the run (nothing acknowledged, nothing rejected) instead of dropping items", async () => {
    const server = strictServer({ maxBody: 200, maxSessions: 5000 });
    const rejected: unknown[] = [];
    const up = new Uploader(server.client, { sleep, onRejected: (items) => rejected.push(...items) });
    let acked = false;
    await up.push({ sessions: [], messages: msgs(3) }, () => void (acked = true));
    await expect(up.flush()).rejects.toBeInstanceOf(UploadUnavailableError);
    expect(acked).toBe(false);
    expect(rejected).toEqual([]);
  });
});
