import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AccountsService } from "./accounts.js";
import type { Store, UserRecord } from "../store/types.js";

/**
 * Zero-configuration local mode (`opensync up`): the first run creates the owner and a device key
 * for this machine's own sync; later runs reuse them. The key is kept (0600) in the data dir,
 * because a key is only ever shown once.
 */
export interface DeviceIdentity {
  owner: UserRecord;
  apiKey: string;
  createdKey: boolean;
}

export const deviceKeyPath = (dataDir: string) => join(dataDir, "device-key.json");

/**
 * `<user>@localhost` for the local owner, under the one email rule (protocol `isEmailAddress`): a
 * login name with other characters (`DOMAIN\\me`, spaces) keeps its letters, digits and `._+-`.
 */
export function localOwnerEmail(username: string): string {
  const local = username.toLowerCase().replace(/[^a-z0-9_+.-]+/g, "-").replace(/\.{2,}/g, ".").replace(/^[.-]+|[.-]+$/g, "");
  return `${local || "owner"}@localhost`;
}

export async function ensureLocalOwner(store: Store, accounts: AccountsService, email: string): Promise<UserRecord> {
  const users = await store.users.list();
  return users.find((u) => u.role === "owner") ?? users[0] ?? (await accounts.createUser({ email, role: "owner" }));
}

export async function ensureDeviceKey(
  store: Store,
  accounts: AccountsService,
  options: { dataDir: string; email: string; keyName: string; write: (path: string, text: string) => void },
): Promise<DeviceIdentity> {
  const owner = await ensureLocalOwner(store, accounts, options.email);
  const path = deviceKeyPath(options.dataDir);
  try {
    const saved = JSON.parse(readFileSync(path, "utf8")) as { apiKey?: string };
    if (saved.apiKey) {
      const user = await accounts.userForKey(saved.apiKey);
      if (user?.id === owner.id) return { owner, apiKey: saved.apiKey, createdKey: false };
    }
  } catch {
    /* first run, or an unreadable file: make a new key */
  }
  const created = await accounts.createKey(owner.id, options.keyName);
  options.write(path, JSON.stringify({ apiKey: created.key, userId: owner.id, createdAt: created.createdAt }, null, 2) + "\n");
  return { owner, apiKey: created.key, createdKey: true };
}
