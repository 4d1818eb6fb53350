import { ServerProcess } from "../harness/server-process.js";
import { seedSessions, type SeedResult } from "./seed.js";

export const OWNER = { email: "owner@example.com", password: "correct horse battery", name: "Ana Owner" };

export interface SeededApp {
  server: ServerProcess;
  key: string;
  seed: SeedResult;
  stop(): Promise<void>;
}

/** A real server process with its owner claimed, an API key, and seeded sessions. */
export async function startSeededApp(opts: { sessions?: number; env?: Record<string, string> } = {}): Promise<SeededApp> {
  const server = await ServerProcess.start({ env: opts.env });
  if (!server.claimToken) throw new Error("the server printed no claim link");
  const claim = await server.request("/api/auth/claim", { method: "POST", body: { token: server.claimToken, ...OWNER } });
  if (claim.status !== 201) throw new Error(`claim failed: ${claim.status} ${await claim.text()}`);
  const key = await server.createKey(OWNER.email, "e2e-seed");
  const seed = opts.sessions === 0 ? { externalIds: [], sessions: 0, messages: 0 } : await seedSessions(server.client(key), { count: opts.sessions });
  return {
    server,
    key,
    seed,
    stop: async () => {
      await server.stop();
      await server.cleanup();
    },
  };
}
