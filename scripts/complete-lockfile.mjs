#!/usr/bin/env node
/**
 * Adds lockfile entries for optional platform packages the registry reachable here does not serve.
 *
 * opencode-ai (a pinned dev dependency) lists one optional binary package per platform; only the
 * linux-x64 ones exist on this registry, so `npm install` leaves the others out of
 * package-lock.json and `npm ci` then refuses the lockfile as "out of sync". An entry with the
 * platform's `os`/`cpu`/`libc` and no tarball is what npm needs: it skips the package on every
 * other platform without fetching it. Run after upgrading opencode-ai: `node scripts/complete-lockfile.mjs`.
 */
import { readFileSync, writeFileSync } from "node:fs";

const LOCK = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(LOCK, "utf8"));
const packages = lock.packages;

function platformOf(name) {
  const os = name.includes("darwin") ? "darwin" : name.includes("windows") || name.includes("win32") ? "win32" : "linux";
  const cpu = name.includes("arm64") ? "arm64" : "x64";
  return { os: [os], cpu: [cpu], ...(name.includes("musl") ? { libc: ["musl"] } : {}) };
}

let added = 0;
for (const [path, entry] of Object.entries({ ...packages })) {
  if (!entry.optionalDependencies || !path.startsWith("node_modules/")) continue;
  for (const [name, version] of Object.entries(entry.optionalDependencies)) {
    const key = `node_modules/${name}`;
    if (packages[key]) continue;
    packages[key] = { version, ...platformOf(name), dev: entry.dev ?? undefined, optional: true };
    added++;
  }
}
writeFileSync(LOCK, JSON.stringify(lock, null, 2) + "\n");
process.stdout.write(`package-lock.json: ${added} optional platform entr${added === 1 ? "y" : "ies"} added\n`);
