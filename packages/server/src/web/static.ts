import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { extname, join, resolve, sep } from "node:path";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm",
};

/**
 * Vite writes every bundled file as `assets/<name>-<content hash>.<ext>`: its name changes when
 * its bytes do, so a browser may keep it for a year. Anything else (index.html, favicon) must be
 * revalidated, or a deploy would leave browsers on an index.html that names deleted bundles.
 */
export const IMMUTABLE_CACHE = "public, max-age=31536000, immutable";
export const REVALIDATE_CACHE = "no-cache";

export interface StaticFile {
  body: ReadableStream<Uint8Array>;
  headers: Record<string, string>;
}

/** The built app's files (packages/web/dist), read from disk on each request. */
export class StaticSite {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The file a URL path names inside the root, or undefined (missing, a folder, or outside the root). */
  async file(urlPath: string): Promise<StaticFile | undefined> {
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return undefined;
    }
    if (decoded.includes("\0")) return undefined;
    const path = resolve(join(this.root, decoded));
    // `..` segments or an absolute path must not reach outside the build folder.
    if (path !== this.root && !path.startsWith(this.root + sep)) return undefined;
    let size: number;
    let mtime: Date;
    try {
      const info = await stat(path);
      if (!info.isFile()) return undefined;
      size = info.size;
      mtime = info.mtime;
    } catch {
      return undefined;
    }
    const relative = path.slice(this.root.length + 1).split(sep).join("/");
    return {
      body: Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>,
      headers: {
        "content-type": CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream",
        "content-length": String(size),
        "last-modified": mtime.toUTCString(),
        "cache-control": relative.startsWith("assets/") ? IMMUTABLE_CACHE : REVALIDATE_CACHE,
      },
    };
  }

  /** `index.html`, served for every app route (the app routes in the browser). */
  index(): Promise<StaticFile | undefined> {
    return this.file("/index.html");
  }
}
