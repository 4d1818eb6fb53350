import { promisify } from "node:util";
import { gunzip, inflate, brotliDecompress } from "node:zlib";
import { decodeUtf8 } from "@opensync/protocol/utf8";
import { ApiError } from "./errors.js";

const decoders: Record<string, (buf: Buffer, opts: { maxOutputLength: number }) => Promise<Buffer>> = {
  gzip: promisify(gunzip) as never,
  "x-gzip": promisify(gunzip) as never,
  deflate: promisify(inflate) as never,
  br: promisify(brotliDecompress) as never,
};

const tooLarge = (limit: number) =>
  new ApiError(413, "payload_too_large", `request body is larger than the ${limit}-byte limit`, { limitBytes: limit });

function checkContentType(contentType: string | null): void {
  if (!contentType) return; // curl -d without -H and some scripts send none: accept as JSON.
  const mime = contentType.split(";")[0].trim().toLowerCase();
  if (mime === "application/json" || (mime.startsWith("application/") && mime.endsWith("+json"))) return;
  throw new ApiError(415, "unsupported_media_type", `content-type must be application/json, got "${mime}"`);
}

/** Reads a JSON request body with a byte limit that also bounds the decompressed size. */
export async function readJsonBody(request: Request, limit: number): Promise<unknown> {
  checkContentType(request.headers.get("content-type"));
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);

  let bytes: Buffer = Number.isFinite(declared) ? Buffer.from(await request.arrayBuffer()) : await readLimited(request, limit);

  const encoding = (request.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding !== "identity" && encoding !== "") {
    const decode = decoders[encoding];
    if (!decode) throw new ApiError(415, "unsupported_media_type", `content-encoding "${encoding}" is not supported (use gzip)`);
    try {
      bytes = await decode(bytes, { maxOutputLength: limit });
    } catch (err) {
      if (err instanceof RangeError || (err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge(limit);
      throw new ApiError(400, "invalid_input", `body is not valid ${encoding} data`);
    }
  }
  if (bytes.length === 0) throw new ApiError(400, "invalid_json", "request body is empty: expected a JSON object");
  let value: unknown;
  try {
    // A sync batch is megabytes of tool output, rarely pure ASCII: decoded at twice V8's speed.
    value = JSON.parse(decodeUtf8(bytes));
  } catch (err) {
    throw new ApiError(400, "invalid_json", `request body is not valid JSON: ${(err as Error).message}`);
  }
  if (tooDeep(value, MAX_JSON_DEPTH)) {
    throw new ApiError(400, "invalid_json", `request body is nested more than ${MAX_JSON_DEPTH} levels deep`);
  }
  return value;
}

/**
 * A body without a declared length (chunked), read chunk by chunk so that the limit stops it early.
 * With a `content-length` (checked against the limit first, and enforced by the HTTP parser) the
 * body is read whole instead: @hono/node-server then reads it straight from the Node request, not
 * through a web-stream adapter that copies every chunk (issue 8: the sync path's bodies are MBs).
 */
async function readLimited(request: Request, limit: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge(limit);
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks, size);
}

/**
 * Deeper JSON than this is refused: storing it means JSON.stringify, which recurses and would
 * overflow the stack on a body like `[[[[…]]]]` (a few hundred KB is enough).
 */
export const MAX_JSON_DEPTH = 100;

/** Whether arrays/objects nest deeper than `limit`; iterative, and cheap: it visits containers only. */
function tooDeep(root: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== "object") continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return false;
}
