import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { CLI, REPO_ROOT, ServerProcess } from "../harness/server-process.js";
import { collectErrors, HAS_BROWSER, launch, newContext } from "./browser.js";

const run = promisify(execFile);

/** `opensync admin login-link`: the same one-time link `opensync up` prints. */
async function loginLink(server: ServerProcess, email: string): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, "admin", "login-link", "--email", email, "--url", server.url, "--data-dir", server.dataDir], { cwd: REPO_ROOT, env: server.env as NodeJS.ProcessEnv });
  return stdout.trim();
}

describe.skipIf(!HAS_BROWSER)("signing in", () => {
  let browser: Browser;
  let server: ServerProcess;
  beforeAll(async () => {
    [browser, server] = await Promise.all([launch(), ServerProcess.start()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await server?.cleanup();
  });

  it("the claim link creates the owner, who lands on the connect-an-agent overview; sign-out and sign-in work; a signed-out deep link comes back after login", async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const errors = collectErrors(page, [/^\/api\/me$/, /^\/api\/auth\/login$/]);
    expect(server.claimUrl).toMatch(/\/claim\?token=/);
    await page.goto(server.claimUrl!);
    await page.getByRole("heading", { name: "Create the owner account" }).waitFor();
    await page.getByLabel("Name").fill("Ana");
    await page.getByLabel("Email").fill("Ana@Example.com");
    await page.getByLabel("Password").fill("a long password");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "Connect your first agent" }).waitFor();
    expect(new URL(page.url()).pathname).toBe("/");

    // The claim link is single-use.
    await page.goto(server.claimUrl!);
    await page.getByRole("heading", { name: "Already claimed" }).waitFor();

    await page.goto(`${server.url}/settings`);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();

    await page.goto(`${server.url}/sessions?sort=cost`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel("Email").fill("ana@example.com");
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: /password/i }).waitFor();
    await page.getByLabel("Password").fill("a long password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { level: 1, name: "Sessions" }).waitFor();
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe("/sessions?sort=cost");
    await context.close();
    expect(errors).toEqual([]);
  }, 120_000);

  it("the one-time link of `opensync up` signs the local owner in; they set a password in Settings and sign in with it", async () => {
    await server.createUser("dev@localhost");
    const link = await loginLink(server, "dev@localhost");
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(link);
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    expect(new URL(page.url()).search).toBe(""); // the token is gone from the address bar

    // Used once: a second visit shows the expired-link page.
    const again = await (await context.newPage()).goto(link);
    expect(again?.status()).toBe(400);

    await page.goto(`${server.url}/settings`);
    await page.getByRole("heading", { name: "Set a password" }).waitFor();
    await page.getByLabel("New password").fill("local password 1");
    await page.getByRole("button", { name: "Save password" }).click();
    await page.getByText("Password saved.").waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.getByLabel("Email").fill("dev@localhost");
    await page.getByLabel("Password").fill("local password 1");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    await context.close();
  });
});

describe.skipIf(!HAS_BROWSER)("trusted-header mode", () => {
  it("a proxy's header signs the user in without a form", async () => {
    const [browser, server] = await Promise.all([
      launch(),
      ServerProcess.start({ env: { OPENSYNC_TRUSTED_HEADER: "Remote-Email", OPENSYNC_TRUSTED_PROXIES: "loopback" } }),
    ]);
    try {
      const context = await browser.newContext({ extraHTTPHeaders: { "Remote-Email": "proxy.user@example.com" } });
      const page = await context.newPage();
      await page.goto(server.url + "/settings");
      await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
      await page.getByText("Signed in as proxy.user@example.com").waitFor();
    } finally {
      await browser.close();
      await server.stop();
      await server.cleanup();
    }
  });
});

describe.skipIf(!HAS_BROWSER)("open sign-up", () => {
  it("offers account creation only while sign-up is open, and signs the new member in", async () => {
    const [browser, open, closed] = await Promise.all([launch(), ServerProcess.start({ env: { OPENSYNC_ALLOW_SIGNUP: "true" } }), ServerProcess.start()]);
    try {
      const context = await newContext(browser);
      const page = await context.newPage();
      await page.goto(closed.url + "/login");
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      expect(await page.getByRole("button", { name: "Create an account" }).count()).toBe(0);

      await page.goto(open.url + "/login");
      await page.getByRole("button", { name: "Create an account" }).click();
      await page.getByRole("heading", { name: "Create an account" }).waitFor();
      await page.getByLabel("Email").fill("member@example.com");
      await page.getByLabel("Password").fill("member password");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByRole("heading", { name: "Connect your first agent" }).waitFor();
      expect((await (await context.request.get(open.url + "/api/me")).json()).user).toMatchObject({ email: "member@example.com", role: "member" });
    } finally {
      await browser.close();
      for (const s of [open, closed]) {
        await s.stop();
        await s.cleanup();
      }
    }
  });
});
