import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { OpenSyncError } from "@opensync/protocol";
import { expectError } from "../harness/expect.js";
import { startServer, type ServerProcess } from "../harness/server-process.js";

/**
 * What the app's first run, sign-in and Settings pages need: one email rule everywhere (the
 * local owner `<user>@localhost` included), the auth status, and the owner's user management.
 */
let local: ServerProcess;
let open: ServerProcess;

beforeAll(async () => {
  [local, open] = await Promise.all([
    startServer(),
    startServer({ env: { OPENSYNC_ALLOW_SIGNUP: "true", OPENSYNC_TRUSTED_HEADER: "Remote-Email", OPENSYNC_TRUSTED_PROXIES: "loopback" } }),
  ]);
});
afterAll(async () => {
  await Promise.all([local, open].map((s) => s?.cleanup()));
});

const cookieOf = (res: Response) => res.headers.get("set-cookie")!.split(";")[0];
const BAD_EMAILS = ["root", "root@", "@localhost", "root@local", "root@localhost.", "a b@example.com", ".root@localhost", "ro..ot@example.com", "root@example.c"];

describe("one email rule", () => {
  test("GET /api/auth/status tells the app whether an owner exists, sign-up is open and a proxy header signs users in", async () => {
    expect(await local.client().authStatus()).toEqual({ hasUsers: false, hasOwner: false, allowSignup: false, trustedHeader: false });
    expect(await open.client().authStatus()).toEqual({ hasUsers: false, hasOwner: false, allowSignup: true, trustedHeader: true });
  });

  test("the local owner (root@localhost, no password, as `opensync up` creates it) sets a password and signs in with it", async () => {
    await local.createUser("root@localhost");
    expect(await local.client().authStatus()).toEqual({ hasUsers: true, hasOwner: true, allowSignup: false, trustedHeader: false });
    // Without a password nobody can sign in with one.
    await expectError(await local.request("/api/auth/login", { body: { email: "root@localhost", password: "anything at all" } }), 401, "unauthorized");
    const key = await local.createKey("root@localhost");
    expect(await local.client(key).changePassword("the local password")).toEqual({ ok: true });
    const login = await local.request("/api/auth/login", { body: { email: "ROOT@localhost ", password: "the local password" } });
    expect(login.status).toBe(200);
    expect(((await login.json()) as { user: { email: string; role: string } }).user).toMatchObject({ email: "root@localhost", role: "owner" });
    const me = await local.request("/api/me", { headers: { cookie: cookieOf(login) } });
    expect(((await me.json()) as { authMethod: string }).authMethod).toBe("cookie");
  });

  test("login, sign-up, claim and the owner creating users accept name@localhost and refuse the same bad addresses", async () => {
    const signup = await open.request("/api/auth/signup", { body: { email: "dev@localhost", password: "dev password" } });
    expect(signup.status).toBe(201);
    const claim = await open.request("/api/auth/claim", { body: { token: open.claimToken, email: "boss@localhost", password: "boss password" } });
    expect(claim.status).toBe(201);
    const boss = cookieOf(claim);
    const created = await open.request("/api/admin/users", { headers: { cookie: boss }, body: { email: "ci@localhost", password: "ci password 1" } });
    expect(created.status).toBe(201);
    for (const email of BAD_EMAILS) {
      for (const [path, body, headers] of [
        ["/api/auth/login", { email, password: "x" }, {}],
        ["/api/auth/signup", { email, password: "long enough" }, {}],
        ["/api/auth/claim", { email, password: "long enough", token: "t" }, {}],
        ["/api/admin/users", { email, password: "long enough" }, { cookie: boss }],
      ] as const) {
        await expectError(await open.request(path, { body, headers }), 400, "invalid_input", /^email: must be an email address/);
      }
    }
  });

  test("the trusted header follows the same rule: dev@localhost signs in, a bad address is ignored", async () => {
    const me = await open.request("/api/me", { headers: { "remote-email": "Proxy-User@LOCALHOST" } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { email: string }; authMethod: string })).toMatchObject({ user: { email: "proxy-user@localhost" }, authMethod: "header" });
    for (const email of BAD_EMAILS) {
      await expectError(await open.request("/api/me", { headers: { "remote-email": email } }), 401, "unauthorized");
    }
  });
});

describe("the owner's user management (Settings)", () => {
  test("list, create and delete users; a deleted user's keys and sessions are gone; members cannot", async () => {
    const ownerKey = await local.createKey("root@localhost");
    const owner = local.client(ownerKey);
    const { user: member } = await owner.createUser({ email: "member@example.com", password: "member password" });
    expect(member).toMatchObject({ email: "member@example.com", role: "member", name: null });
    const memberKey = await local.createKey("member@example.com");
    const memberClient = local.client(memberKey);
    await memberClient.syncSession({ externalId: "members-session" });

    const listed = (await owner.listUsers()).users;
    expect(listed.map((u) => [u.email, u.role])).toEqual([["root@localhost", "owner"], ["member@example.com", "member"]]);

    for (const call of [() => memberClient.listUsers(), () => memberClient.createUser({ email: "x@example.com", password: "long enough" }), () => memberClient.deleteUser(listed[0].id)]) {
      await expect(call()).rejects.toMatchObject({ status: 403, code: "forbidden" });
    }
    await expect(owner.deleteUser(listed[0].id)).rejects.toMatchObject({ status: 400, code: "invalid_input", message: expect.stringMatching(/DELETE \/api\/me/) });
    await expect(owner.deleteUser("no-such-user")).rejects.toMatchObject({ status: 404, code: "not_found" });

    expect(await owner.deleteUser(member.id)).toEqual({ ok: true });
    expect((await owner.listUsers()).users.map((u) => u.email)).toEqual(["root@localhost"]);
    const gone = await memberClient.listSessions().catch((e: OpenSyncError) => e);
    expect(gone).toBeInstanceOf(OpenSyncError);
    expect((gone as OpenSyncError).status).toBe(401);
    // The same email can be created again, empty.
    await owner.createUser({ email: "member@example.com", password: "member password" });
    const again = local.client(await local.createKey("member@example.com"));
    expect((await again.listSessions()).sessions).toEqual([]);
  });

  test("keys: create, list with last use, rename, revoke", async () => {
    const owner = local.client(await local.createKey("root@localhost", "cli"));
    const created = await owner.createKey("laptop");
    await local.client(created.key).listSessions();
    const listed = (await owner.listKeys()).keys.find((k) => k.id === created.id)!;
    expect(listed).toMatchObject({ name: "laptop", prefix: created.prefix, lastUsedAt: expect.any(Number) });
    expect((await owner.renameKey(created.id, "  old laptop ")).key).toMatchObject({ id: created.id, name: "old laptop", prefix: created.prefix });
    await expect(owner.renameKey(created.id, "")).rejects.toMatchObject({ status: 400, code: "invalid_input" });
    await expect(owner.renameKey("no-such-key", "x")).rejects.toMatchObject({ status: 404 });
    await owner.revokeKey(created.id);
    await expect(owner.renameKey(created.id, "revoked")).rejects.toMatchObject({ status: 404 });
    expect((await owner.listKeys()).keys.some((k) => k.id === created.id)).toBe(false);
  });
});
