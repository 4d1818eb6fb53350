import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CLI, REPO_ROOT, startServer, type ServerProcess } from "../harness/server-process.js";

/**
 * `opensync admin` checks `--email` with the server's one rule (`isEmailAddress`): the addresses
 * the API refuses are refused here too (usage error, exit 2), and `name@localhost` is accepted.
 */
let server: ServerProcess;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.cleanup());

const admin = (args: string[]) =>
  promisify(execFile)(process.execPath, [CLI, "admin", ...args, "--data-dir", server.dataDir], { cwd: REPO_ROOT, env: server.env as NodeJS.ProcessEnv }).then(
    () => 0,
    (err: { code: number; stderr: string }) => {
      expect(err.stderr).toContain("is not an email address");
      return err.code;
    },
  );

describe("opensync admin --email", () => {
  test("refuses what the API refuses, accepts what it accepts", async () => {
    // Each of these passed the CLI's old pattern but not the shared rule.
    for (const email of ["root@local.c", "ro..ot@example.com", ".root@example.com", "a!b@example.com"]) {
      expect(await admin(["create-user", "--email", email]), email).toBe(2);
      const res = await server.request("/api/auth/login", { body: { email, password: "x" } });
      expect(res.status, email).toBe(400);
    }
    expect(await admin(["create-user", "--email", " Dev@LocalHost "])).toBe(0);
    expect(await admin(["create-key", "--email", "dev@localhost", "--name", "ci"])).toBe(0);
  });
});
