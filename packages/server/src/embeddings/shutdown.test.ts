import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../../../../e2e/fixtures/tiny-model/generate.js";
import { loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { startServer } from "../server.js";
import { SemanticSearch } from "./index.js";

const tmp = mkdtempSync(join(tmpdir(), "opensync-shutdown-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

describe("server.close() and the embedding worker", () => {
  it("stops the worker and closes its connection before the store; the worker does nothing afterwards", async () => {
    const modelDir = writeTinyModel(join(tmp, "models"));
    const config = loadConfig({ port: 0, host: "127.0.0.1", dataDir: join(tmp, "data") }, { OPENSYNC_EMBEDDINGS: "local", OPENSYNC_EMBEDDINGS_MODEL_PATH: modelDir });
    const timersBefore = timers();
    const server = await startServer(config, { logger: createLogger("silent"), announce: () => {} });
    const semantic = server.app.services.search.semantic;
    expect(semantic).toBeInstanceOf(SemanticSearch);
    const search = semantic as SemanticSearch;
    for (let i = 0; i < 100 && !search.available(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(search.available()).toBe(true);

    await server.close();
    expect(search.closed).toBe(true);
    expect(search.worker.isClosed).toBe(true);
    // A round asked of a closed worker touches nothing (its connection is closed: it would throw).
    await expect(search.worker.runOnce()).resolves.toBe(0);
    search.start();
    expect(search.worker.isClosed).toBe(true);
    // No worker timer is left behind to keep the process alive or fire on a closed connection.
    expect(timers()).toBeLessThanOrEqual(timersBefore);
  });
});
