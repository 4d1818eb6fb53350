import { API_KEY_PREFIX, type ApiKeyInfo, type CreatedApiKey, type UserInfo } from "@opensync/protocol";
import { hashPassword, randomToken, sha256, verifyPassword } from "../auth/crypto.js";
import { ApiError, notFound, unauthorized } from "../http/errors.js";
import { newId } from "../store/ids.js";
import { DuplicateEmailError, type Store, type UserRecord } from "../store/types.js";

const DAY = 86_400_000;
export const COOKIE_SESSION_TTL_MS = 30 * DAY;
const CLAIM_TTL_MS = 7 * DAY;
const LOGIN_LINK_TTL_MS = DAY;
/** last_used_at is written at most this often per key, so syncing does not write on every call. */
const KEY_TOUCH_INTERVAL_MS = 60_000;

export function toUserInfo(user: UserRecord): UserInfo {
  return { id: user.id, email: user.email, name: user.name, role: user.role, createdAt: user.createdAt };
}

/** Users, passwords, cookie sessions, one-time links and API keys. */
export class AccountsService {
  private readonly keyTouchedAt = new Map<string, number>();

  constructor(private readonly store: Store) {}

  async createUser(input: { email: string; password?: string; name?: string; role?: "owner" | "member" }): Promise<UserRecord> {
    const taken = () => new ApiError(409, "conflict", `a user with email ${input.email} already exists`);
    if (await this.store.users.byEmail(input.email)) throw taken();
    const role = input.role ?? ((await this.store.users.count()) === 0 ? "owner" : "member");
    try {
      return await this.store.users.create({
        email: input.email,
        name: input.name ?? null,
        passwordHash: input.password ? await hashPassword(input.password) : null,
        role,
      });
    } catch (err) {
      if (err instanceof DuplicateEmailError) throw taken();
      throw err;
    }
  }

  /** The user with this email, created if missing (trusted header, admin CLI); safe under races. */
  findUser(email: string): Promise<UserRecord | undefined> {
    return this.store.users.byEmail(email);
  }

  async ensureUser(email: string): Promise<UserRecord> {
    const found = await this.store.users.byEmail(email);
    if (found) return found;
    try {
      return await this.createUser({ email });
    } catch (err) {
      const raced = err instanceof ApiError && err.status === 409 ? await this.store.users.byEmail(email) : undefined;
      if (raced) return raced;
      throw err;
    }
  }

  async setPassword(userId: string, password: string): Promise<void> {
    await this.store.users.setPassword(userId, await hashPassword(password));
  }

  /** Sets a new password; a user who has one must prove it first. */
  async changePassword(user: UserRecord, currentPassword: string | undefined, newPassword: string): Promise<void> {
    if (user.passwordHash && !(await verifyPassword(currentPassword ?? "", user.passwordHash))) {
      throw new ApiError(400, "invalid_input", "currentPassword: does not match the current password");
    }
    await this.setPassword(user.id, newPassword);
  }

  async verifyCredentials(email: string, password: string): Promise<UserRecord> {
    const user = await this.store.users.byEmail(email);
    // Hash even for unknown emails so timing does not reveal which accounts exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    if (!user || !ok) throw unauthorized("email or password is wrong");
    return user;
  }

  /** Starts a cookie session; returns the cookie value (only its hash is stored). */
  async startSession(userId: string): Promise<string> {
    const token = randomToken();
    await this.store.auth.createSession(sha256(token), userId, Date.now() + COOKIE_SESSION_TTL_MS);
    return token;
  }

  async userForSession(token: string): Promise<UserRecord | undefined> {
    return this.store.auth.sessionUser(sha256(token), Date.now());
  }

  async endSession(token: string): Promise<void> {
    await this.store.auth.deleteSession(sha256(token));
  }

  /** A claim link for the first account; only meaningful while no user exists. */
  async createClaimToken(): Promise<string> {
    const token = randomToken();
    await this.store.auth.createToken(sha256(token), "claim", null, Date.now() + CLAIM_TTL_MS);
    return token;
  }

  /** Members may exist before the owner (sign-up open, trusted header): the claim is about the owner. */
  async hasOwner(): Promise<boolean> {
    if ((await this.store.users.count()) === 0) return false;
    return (await this.store.users.list()).some((u) => u.role === "owner");
  }

  async claim(token: string, email: string, password: string, name?: string): Promise<UserRecord> {
    // Checked before the token is used, so a refused claim does not burn the link.
    if (await this.hasOwner()) throw new ApiError(409, "conflict", "this server already has an owner");
    if (await this.store.users.byEmail(email)) throw new ApiError(409, "conflict", `email: a user with email ${email} already exists`);
    const used = await this.store.auth.consumeToken(sha256(token), "claim", Date.now());
    if (!used) throw new ApiError(400, "invalid_input", "token: this claim link is invalid, expired or already used");
    return this.createUser({ email, password, name, role: "owner" });
  }

  /** A one-time login link for a user (`opensync up` prints one). */
  async createLoginToken(userId: string): Promise<string> {
    const token = randomToken();
    await this.store.auth.createToken(sha256(token), "login", userId, Date.now() + LOGIN_LINK_TTL_MS);
    return token;
  }

  async consumeLoginToken(token: string): Promise<UserRecord | undefined> {
    const used = await this.store.auth.consumeToken(sha256(token), "login", Date.now());
    return used?.userId ? this.store.users.byId(used.userId) : undefined;
  }

  // --- API keys ---

  async createKey(userId: string, name: string): Promise<CreatedApiKey> {
    const key = API_KEY_PREFIX + randomToken(32);
    const id = newId();
    const createdAt = Date.now();
    const prefix = key.slice(0, API_KEY_PREFIX.length + 4);
    await this.store.keys.create({ id, userId, name, keyHash: sha256(key), prefix, createdAt });
    return { id, name, key, prefix, createdAt };
  }

  async listKeys(userId: string): Promise<ApiKeyInfo[]> {
    const keys = await this.store.keys.list(userId);
    return keys.map(({ id, name, prefix, createdAt, lastUsedAt }) => ({ id, name, prefix, createdAt, lastUsedAt }));
  }

  async revokeKey(userId: string, id: string): Promise<void> {
    if (!(await this.store.keys.revoke(userId, id, Date.now()))) throw notFound("no such API key");
  }

  /** The user behind a bearer key (`osk_…`, or a legacy `os_…` key present in the database). */
  async userForKey(key: string): Promise<UserRecord | undefined> {
    return (await this.resolveKey(key))?.user;
  }

  /** The user and the key's id (the request log names the key a call used). */
  async resolveKey(key: string): Promise<{ user: UserRecord; keyId: string } | undefined> {
    const found = await this.store.keys.findActive(sha256(key));
    if (!found) return undefined;
    const now = Date.now();
    const last = this.keyTouchedAt.get(found.keyId) ?? 0;
    if (now - last > KEY_TOUCH_INTERVAL_MS) {
      this.keyTouchedAt.set(found.keyId, now);
      await this.store.keys.touch(found.keyId, now);
    }
    return found;
  }

  async renameKey(userId: string, id: string, name: string): Promise<ApiKeyInfo> {
    const renamed = await this.store.keys.rename(userId, id, name);
    if (!renamed) throw notFound("no such API key");
    const { prefix, createdAt, lastUsedAt } = renamed;
    return { id, name: renamed.name, prefix, createdAt, lastUsedAt };
  }

  /** The owner removes another account and everything it owns; their own goes through `DELETE /api/me`. */
  async deleteUserAsOwner(owner: UserRecord, userId: string): Promise<void> {
    if (userId === owner.id) throw new ApiError(400, "invalid_input", "id: the owner's own account is deleted with DELETE /api/me");
    if (!(await this.store.users.byId(userId))) throw notFound("no such user");
    await this.store.users.delete(userId);
  }

  async deleteAccount(userId: string): Promise<void> {
    await this.store.users.delete(userId);
  }
}
