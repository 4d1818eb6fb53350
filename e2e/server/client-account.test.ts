import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { OpenSyncClient, OpenSyncError } from "@opensync/protocol";
import { startServer, type ServerProcess } from "../harness/server-process.js";

/**
 * The typed client's account methods (what the web app calls): claim, login, logout, signup,
 * deleteAccount and the OpenAPI document, against the real server, with a cookie jar standing in
 * for the browser.
 */
let server: ServerProcess;

beforeAll(async () => {
  server = await startServer({ env: { OPENSYNC_ALLOW_SIGNUP: "true" } });
});
afterAll(() => server?.cleanup());

/** A client whose fetch keeps the session cookie the server sets (and drops it when cleared). */
function browserLike(): OpenSyncClient {
  let cookie: string | undefined;
  const jarFetch: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    if (cookie) headers.set("cookie", cookie);
    const res = await fetch(input, { ...init, headers });
    const set = res.headers.get("set-cookie");
    if (set) {
      const pair = set.split(";")[0];
      cookie = /=$/.test(pair) || /max-age=0/i.test(set) ? undefined : pair;
    }
    return res;
  };
  return new OpenSyncClient({ baseUrl: server.url, fetch: jarFetch });
}

const status = async (p: Promise<unknown>) => {
  try {
    await p;
    return 200;
  } catch (err) {
    return (err as OpenSyncError).status;
  }
};

describe("OpenSyncClient account methods", () => {
  test("claim makes the owner and signs in; logout ends the session; login starts one again", async () => {
    const owner = browserLike();
    const { user } = await owner.claim({ token: server.claimToken!, email: "Boss@Example.com ", password: "boss password" });
    expect(user).toMatchObject({ email: "boss@example.com", role: "owner" });
    expect((await owner.me()).user.id).toBe(user.id);
    expect(await owner.logout()).toEqual({ ok: true });
    expect(await status(owner.me())).toBe(401);
    await expect(owner.login({ email: "boss@example.com", password: "wrong password" })).rejects.toMatchObject({ status: 401, code: "unauthorized" });
    expect((await owner.login({ email: "boss@example.com", password: "boss password" })).user.id).toBe(user.id);
    expect((await owner.me()).user.role).toBe("owner");
  });

  test("signup creates a member and signs in; deleteAccount removes it and its session", async () => {
    const member = browserLike();
    const { user } = await member.signup({ email: "dev@example.com", password: "dev password", name: "Dev" });
    expect(user).toMatchObject({ email: "dev@example.com", role: "member", name: "Dev" });
    expect(await member.deleteAccount()).toEqual({ ok: true });
    expect(await status(member.me())).toBe(401);
    expect(await status(member.login({ email: "dev@example.com", password: "dev password" }))).toBe(401);
  });

  test("openApiDocument is the server's OpenAPI 3.1 document, with the new query parameters", async () => {
    const doc = await browserLike().openApiDocument<{ openapi: string; paths: Record<string, Record<string, { parameters?: { name: string }[] }>> }>();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths["/api/sessions"].get.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(["provider", "q"]));
    expect(doc.paths["/api/stats"].get.parameters!.map((p) => p.name)).toContain("splitBy");
  });
});
