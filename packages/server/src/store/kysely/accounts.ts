import type { Kysely } from "kysely";
import { newId } from "../ids.js";
import type { Database, UsersTable } from "../schema.js";
import { DuplicateEmailError, type ApiKeyRecord, type AuthRepo, type KeysRepo, type OneTimeTokenKind, type UserRecord, type UsersRepo } from "../types.js";
import { num } from "./rows.js";

function toUser(row: UsersTable): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    role: row.role,
    createdAt: num(row.created_at),
  };
}

export class KyselyUsersRepo implements UsersRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async count(): Promise<number> {
    const row = await this.db.selectFrom("users").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
    return num(row.n);
  }

  async create(user: { email: string; name?: string | null; passwordHash?: string | null; role: "owner" | "member" }): Promise<UserRecord> {
    const row: UsersTable = {
      id: newId(),
      email: user.email.toLowerCase(),
      name: user.name ?? null,
      password_hash: user.passwordHash ?? null,
      role: user.role,
      created_at: Date.now(),
    };
    // ON CONFLICT instead of a prior lookup: two concurrent sign-ups of one email cannot both pass.
    const res = await this.db.insertInto("users").values(row).onConflict((oc) => oc.column("email").doNothing()).executeTakeFirst();
    if (num(res.numInsertedOrUpdatedRows) === 0) throw new DuplicateEmailError(row.email);
    return toUser(row);
  }

  async byEmail(email: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom("users").selectAll().where("email", "=", email.toLowerCase()).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async byId(id: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async list(): Promise<UserRecord[]> {
    const rows = await this.db.selectFrom("users").selectAll().orderBy("created_at").execute();
    return rows.map(toUser);
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    await this.db.updateTable("users").set({ password_hash: passwordHash }).where("id", "=", id).execute();
  }

  async delete(id: string): Promise<void> {
    // Sessions cascade to messages and parts; keys and cookie sessions cascade from users.
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom("sessions").where("user_id", "=", id).execute();
      await trx.deleteFrom("users").where("id", "=", id).execute();
    });
  }
}

export class KyselyAuthRepo implements AuthRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async createSession(idHash: string, userId: string, expiresAt: number): Promise<void> {
    await this.db.insertInto("auth_sessions").values({ id_hash: idHash, user_id: userId, created_at: Date.now(), expires_at: expiresAt }).execute();
  }

  async sessionUser(idHash: string, now: number): Promise<UserRecord | undefined> {
    const row = await this.db
      .selectFrom("auth_sessions")
      .innerJoin("users", "users.id", "auth_sessions.user_id")
      .selectAll("users")
      .where("auth_sessions.id_hash", "=", idHash)
      .where("auth_sessions.expires_at", ">", now)
      .executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.deleteFrom("auth_sessions").where("id_hash", "=", idHash).execute();
  }

  async createToken(tokenHash: string, kind: OneTimeTokenKind, userId: string | null, expiresAt: number): Promise<void> {
    await this.db
      .insertInto("one_time_tokens")
      .values({ token_hash: tokenHash, kind, user_id: userId, created_at: Date.now(), expires_at: expiresAt, used_at: null })
      .execute();
  }

  async consumeToken(tokenHash: string, kind: OneTimeTokenKind, now: number): Promise<{ userId: string | null } | undefined> {
    // The conditional UPDATE is the atomic "use once": two concurrent uses cannot both succeed.
    const res = await this.db
      .updateTable("one_time_tokens")
      .set({ used_at: now })
      .where("token_hash", "=", tokenHash)
      .where("kind", "=", kind)
      .where("used_at", "is", null)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    if (num(res.numUpdatedRows) === 0) return undefined;
    const row = await this.db.selectFrom("one_time_tokens").select("user_id").where("token_hash", "=", tokenHash).executeTakeFirstOrThrow();
    return { userId: row.user_id };
  }

  async pruneExpired(now: number): Promise<void> {
    await this.db.deleteFrom("auth_sessions").where("expires_at", "<=", now).execute();
    await this.db.deleteFrom("one_time_tokens").where("expires_at", "<=", now).execute();
  }
}

export class KyselyKeysRepo implements KeysRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async create(key: { id: string; userId: string; name: string; keyHash: string; prefix: string; createdAt: number }): Promise<void> {
    await this.db
      .insertInto("api_keys")
      .values({
        id: key.id,
        user_id: key.userId,
        name: key.name,
        key_hash: key.keyHash,
        prefix: key.prefix,
        created_at: key.createdAt,
        last_used_at: null,
        revoked_at: null,
      })
      .execute();
  }

  async list(userId: string): Promise<ApiKeyRecord[]> {
    const rows = await this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .orderBy("created_at", "desc")
      .execute();
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      name: r.name,
      prefix: r.prefix,
      createdAt: num(r.created_at),
      lastUsedAt: r.last_used_at === null ? null : num(r.last_used_at),
    }));
  }

  async revoke(userId: string, id: string, now: number): Promise<boolean> {
    const res = await this.db
      .updateTable("api_keys")
      .set({ revoked_at: now })
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return num(res.numUpdatedRows) > 0;
  }

  async findActive(keyHash: string) {
    const row = await this.db
      .selectFrom("api_keys")
      .innerJoin("users", "users.id", "api_keys.user_id")
      .selectAll("users")
      .select("api_keys.id as key_id")
      .where("api_keys.key_hash", "=", keyHash)
      .where("api_keys.revoked_at", "is", null)
      .executeTakeFirst();
    if (!row) return undefined;
    const { key_id, ...user } = row;
    return { user: toUser(user as UsersTable), keyId: key_id };
  }

  async rename(userId: string, id: string, name: string): Promise<ApiKeyRecord | undefined> {
    const res = await this.db
      .updateTable("api_keys")
      .set({ name })
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (num(res.numUpdatedRows) === 0) return undefined;
    return (await this.list(userId)).find((k) => k.id === id);
  }

  async touch(keyId: string, at: number): Promise<void> {
    await this.db.updateTable("api_keys").set({ last_used_at: at }).where("id", "=", keyId).execute();
  }
}
