import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Where the built web app is: `OPENSYNC_WEB_DIR`, else packages/web/dist beside this package
 * (the same path from `src/web` under vitest and from `dist/web` when built).
 */
export function webDirFrom(env: Record<string, string | undefined> = process.env): string {
  return env.OPENSYNC_WEB_DIR?.trim() || resolve(dirname(fileURLToPath(import.meta.url)), "../../../web/dist");
}
