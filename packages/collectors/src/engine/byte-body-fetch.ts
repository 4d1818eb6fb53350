import http from "node:http";
import https from "node:https";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";

/** Statuses whose Response may not have a body. */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * A `fetch` for the sync engine's client. A request whose body is bytes (the uploader's batches,
 * up to 4 MiB each) is sent with node:http(s), which writes the bytes to the socket as they are;
 * Node's fetch (undici) copies every such body before sending it, which cost 0.13 s of CPU per
 * 100 MB of tool-heavy history (issue 8). Everything else, and every URL that is not http(s), goes
 * to the global fetch. No redirect is followed for such a request: the sync API has none, and a
 * 3xx then fails the request as any unexpected status does.
 */
export function createByteBodyFetch(fallback: typeof fetch = globalThis.fetch.bind(globalThis)): typeof fetch {
  const agents = { "http:": new http.Agent({ keepAlive: true }), "https:": new https.Agent({ keepAlive: true }) };
  return (input, init) => {
    const body = init?.body;
    const url = input instanceof URL ? input : typeof input === "string" ? new URL(input) : undefined;
    if (!(body instanceof Uint8Array) || !url || (url.protocol !== "http:" && url.protocol !== "https:")) return fallback(input, init);
    const headers: Record<string, string> = { ...flatHeaders(init?.headers), "content-length": String(body.byteLength) };
    const send = url.protocol === "https:" ? https.request : http.request;
    return new Promise<Response>((resolve, reject) => {
      const req = send(url, { method: init?.method ?? "POST", headers, agent: agents[url.protocol as "http:" | "https:"], signal: init?.signal ?? undefined }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          try {
            const status = res.statusCode ?? 0;
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(res.headers)) {
              for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, v);
            }
            const raw = Buffer.concat(chunks);
            const decoded = decode(raw, res.headers["content-encoding"]);
            if (decoded !== raw) {
              responseHeaders.delete("content-encoding");
              responseHeaders.delete("content-length");
            }
            resolve(new Response(NULL_BODY.has(status) ? null : decoded, { status, statusText: res.statusMessage ?? "", headers: responseHeaders }));
          } catch (err) {
            reject(err);
          }
        });
      });
      req.on("error", reject);
      req.end(body);
    });
  };
}

function flatHeaders(headers: ConstructorParameters<typeof Headers>[0]): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(headers).forEach((value, name) => (out[name] = value));
  return out;
}

/** The response body as fetch gives it: decoded from the content encodings Node's fetch decodes. */
function decode(body: Buffer, encoding: string | undefined): Buffer {
  const codings = (encoding ?? "").split(",").map((c) => c.trim().toLowerCase()).filter((c) => c && c !== "identity");
  let out = body;
  for (const coding of codings.reverse()) {
    if (coding === "gzip" || coding === "x-gzip") out = gunzipSync(out);
    else if (coding === "deflate") out = inflateSync(out);
    else if (coding === "br") out = brotliDecompressSync(out);
    else throw new Error(`unsupported content-encoding: ${coding}`);
  }
  return out;
}
