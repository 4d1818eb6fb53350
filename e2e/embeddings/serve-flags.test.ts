import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../fixtures/tiny-model/generate.js";
import { startServer } from "../harness/server-process.js";
import { createKey, runCli, serve } from "./serve-cli.js";

const tmp = mkdtempSync(join(tmpdir(), "opensync-serve-flags-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Status { provider: string; model: string | null; dimensions: number | null; available: boolean; lastError: string | null }
async function status(url: string, key: string, until: (s: Status) => boolean = () => true): Promise<Status> {
  let last: Status | undefined;
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${url}/api/search/status`, { headers: { authorization: `Bearer ${key}` } });
    last = (await res.json()) as Status;
    if (until(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`status never matched: ${JSON.stringify(last)}`);
}

describe("opensync serve: embedding flags (each wins over its OPENSYNC_EMBEDDINGS* variable)", () => {
  /** A mock OpenAI-compatible /v1/embeddings that records what it is asked. */
  let api: Server;
  let apiUrl = "";
  const requests: Array<{ auth: string | undefined; body: { model: string; input: string[]; dimensions?: number } }> = [];
  beforeAll(async () => {
    api = createServer((req, res) => {
      let raw = "";
      req.on("data", (d) => (raw += d)).on("end", () => {
        const body = JSON.parse(raw) as { model: string; input: string[]; dimensions?: number };
        requests.push({ auth: req.headers.authorization, body });
        const width = body.dimensions ?? 4;
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ data: body.input.map((_, index) => ({ index, embedding: Array.from({ length: width }, (_, j) => (j === index % width ? 1 : 0.1)) })) }));
      });
    });
    await new Promise<void>((r) => api.listen(0, "127.0.0.1", r));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((r) => api.close(() => r())));

  it("test servers of the harness run with embeddings off unless their test asks", async () => {
    const server = await startServer();
    try {
      const key = await server.createKey("harness@example.com");
      expect(await status(server.url, key)).toMatchObject({ provider: "off", model: null, available: false });
    } finally {
      await server.cleanup();
    }
  });

  it("--embeddings openai with --embeddings-url/-model/-api-key/-dimensions reaches that API with those values", async () => {
    const dataDir = join(tmp, "openai");
    const args = ["--data-dir", dataDir, "--embeddings", "openai", "--embeddings-url", apiUrl, "--embeddings-model", "flag-model", "--embeddings-api-key", "flag-key", "--embeddings-dimensions", "8"];
    const env = { OPENSYNC_EMBEDDINGS: "off", OPENSYNC_EMBEDDINGS_MODEL: "env-model", OPENSYNC_EMBEDDINGS_URL: "http://127.0.0.1:9/v1", OPENSYNC_EMBEDDINGS_API_KEY: "env-key", OPENSYNC_EMBEDDINGS_DIMENSIONS: "3" };
    const server = await serve(args, env);
    try {
      const key = await createKey(dataDir, "flags@example.com");
      expect(await status(server.url, key, (s) => s.available)).toMatchObject({ provider: "openai", model: "flag-model", dimensions: 8 });
      expect(requests.length).toBeGreaterThan(0);
      expect(requests[0]).toMatchObject({ auth: "Bearer flag-key", body: { model: "flag-model", dimensions: 8 } });
      // The key is never printed.
      expect(server.stderr()).not.toContain("flag-key");
    } finally {
      await server.stop();
    }
  });

  it("--embeddings local --embeddings-model-path loads that directory (nothing downloaded)", async () => {
    const dataDir = join(tmp, "local");
    const modelDir = writeTinyModel(join(tmp, "models"));
    const server = await serve(["--data-dir", dataDir, "--embeddings", "local", "--embeddings-model-path", modelDir], { OPENSYNC_EMBEDDINGS: "off" });
    try {
      const key = await createKey(dataDir, "local@example.com");
      expect(await status(server.url, key, (s) => s.available)).toMatchObject({ provider: "local", model: expect.stringContaining("tiny-bert"), dimensions: 32 });
    } finally {
      await server.stop();
    }
  });

  it("--embeddings off wins over OPENSYNC_EMBEDDINGS=local", async () => {
    const dataDir = join(tmp, "off");
    const server = await serve(["--data-dir", dataDir, "--embeddings", "off"], { OPENSYNC_EMBEDDINGS: "local" });
    try {
      const key = await createKey(dataDir, "off@example.com");
      expect(await status(server.url, key)).toMatchObject({ provider: "off", available: false });
    } finally {
      await server.stop();
    }
  });

  it("refuses a bad provider or width with a usage error (exit 2) naming the flag", async () => {
    const bad = await runCli(["serve", "--port", "0", "--data-dir", join(tmp, "bad"), "--embeddings", "gpu"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--embeddings must be one of local, openai, off");
    const width = await runCli(["serve", "--port", "0", "--data-dir", join(tmp, "bad"), "--embeddings-dimensions", "0"]);
    expect(width.code).toBe(2);
    expect(width.stderr).toContain("--embeddings-dimensions must be a positive integer");
  });

  it("documents every flag with examples in --help", async () => {
    const help = await runCli(["serve", "--help"]);
    for (const flag of ["--embeddings <provider>", "--embeddings-model <id>", "--embeddings-model-path <dir>", "--embeddings-url <url>", "--embeddings-api-key <key>", "--embeddings-dimensions <n>"]) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).toContain("opensync serve --embeddings openai --embeddings-url http://localhost:11434/v1");
  });
});
