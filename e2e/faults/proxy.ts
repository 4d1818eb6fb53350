import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * A loopback HTTP proxy between the CLI and the real server that misbehaves on plan. Only
 * `POST /sync/batch` requests count and can fail; everything else (health checks, reads) passes.
 *
 * - `status`: answers 503 (optionally with Retry-After), 413 or 500 without forwarding.
 * - `body-limit`: a front proxy with a small body limit: 413 for bodies over `maxBytes`, others pass.
 * - `stall`: never answers (the client waits until it is killed or times out).
 * - `drop-request`: destroys the socket before the request reaches the server.
 * - `drop-response`: forwards the request, lets the server apply it, then destroys the socket
 *   instead of answering: the write happened but the client never hears so. The dangerous one.
 */
export type Fault =
  | { kind: "status"; status: 413 | 500 | 503; retryAfter?: number }
  | { kind: "body-limit"; maxBytes: number }
  | { kind: "stall" }
  | { kind: "drop-request" }
  | { kind: "drop-response" };

export interface FaultPlan {
  /** Batch requests forwarded normally before the fault starts (0: the first one fails). */
  after: number;
  fault: Fault;
  /** How many batch requests get the fault before it heals by itself (default: until `heal()`). */
  times?: number;
}

export function describeFault(f: Fault): string {
  if (f.kind === "status") return `${f.status}${f.retryAfter !== undefined ? ` retry-after ${f.retryAfter}` : ""}`;
  return f.kind === "body-limit" ? `body-limit ${Math.round(f.maxBytes / 1024)}k` : f.kind;
}

export class FaultProxy {
  /** Batch requests seen (whatever happened to them). */
  batches = 0;
  /** Batch requests the server answered and the client got the answer of. */
  delivered = 0;
  faulted = 0;
  private plan: FaultPlan | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly listeners: Array<(n: number) => void> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private target: URL,
  ) {}

  static async start(targetUrl: string): Promise<FaultProxy> {
    let self: FaultProxy | undefined;
    const server = createServer((req, res) => self!.handle(req, res));
    server.on("connection", (s) => {
      self?.sockets.add(s);
      s.once("close", () => self?.sockets.delete(s));
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const { port } = server.address() as AddressInfo;
    self = new FaultProxy(server, `http://127.0.0.1:${port}`, new URL(targetUrl));
    return self;
  }

  /** Arms a plan; counts restart from now. */
  arm(plan: FaultPlan): void {
    this.plan = plan;
    this.batches = this.delivered = this.faulted = 0;
  }

  /** Pass-through from now on (stalled requests stay stalled until their client goes). */
  heal(): void {
    this.plan = undefined;
  }

  /** Points the proxy at a restarted server. */
  retarget(targetUrl: string): void {
    this.target = new URL(targetUrl);
  }

  /** Calls `fn(n)` when the n-th batch request (1-based) arrives, before it is handled. */
  onBatch(fn: (n: number) => void): void {
    this.listeners.push(fn);
  }

  /** Resolves when `n` batch requests have arrived. */
  waitForBatches(n: number, timeoutMs = 30_000): Promise<boolean> {
    if (this.batches >= n) return Promise.resolve(true);
    return new Promise((done) => {
      const timer = setTimeout(() => done(false), timeoutMs);
      this.onBatch((seen) => {
        if (seen >= n) {
          clearTimeout(timer);
          done(true);
        }
      });
    });
  }

  private faultFor(): Fault | undefined {
    const plan = this.plan;
    if (!plan || this.batches <= plan.after) return undefined;
    if (plan.times !== undefined && this.faulted >= plan.times) return undefined;
    this.faulted++;
    return plan.fault;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const isBatch = req.method === "POST" && (req.url ?? "").startsWith("/sync/batch");
    let fault: Fault | undefined;
    if (isBatch) {
      this.batches++;
      const n = this.batches;
      fault = this.faultFor();
      for (const fn of this.listeners) fn(n);
    }
    if (fault?.kind === "body-limit") {
      const declared = Number(req.headers["content-length"] ?? Number.NaN);
      if (!(declared > fault.maxBytes)) fault = undefined;
      else fault = { kind: "status", status: 413 };
    }
    if (fault?.kind === "status") {
      req.resume();
      req.once("end", () => {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
        res.writeHead(fault.status, headers);
        res.end(JSON.stringify({ error: `injected ${fault.status}`, code: fault.status === 413 ? "payload_too_large" : "unavailable" }));
      });
      return;
    }
    if (fault?.kind === "stall") {
      req.resume();
      return;
    }
    if (fault?.kind === "drop-request") {
      req.socket.destroy();
      return;
    }
    const upstream = httpRequest(
      { host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers: { ...req.headers, host: this.target.host } },
      (answer) => {
        if (fault?.kind === "drop-response") {
          // Let the server finish its work (the batch is committed once it answers), then hang up.
          answer.resume();
          answer.once("end", () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        if (isBatch) answer.once("end", () => this.delivered++);
      },
    );
    upstream.on("error", () => {
      // The server is down (killed mid-batch): the client sees its connection dropped.
      req.socket.destroy();
    });
    req.pipe(upstream);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }
}
