import { cpSync, mkdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OpenSyncClient } from "@opensync/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StateStore } from "../../engine/state.js";
import { runSync } from "../../engine/sync.js";
import { createRedactor } from "../../redaction/index.js";
import type { AgentCollector } from "../../types.js";
import { copyRealDb, LEGACY_STORAGE, tempDir, testContext } from "./fixtures/helpers.js";
import { opencodeFingerprint } from "./fingerprint.js";
import { opencodeCollector } from "./index.js";

const PROJECT = "4b0ea68d7af9a6031a7ffda7ad66e0cb83315750";
const PARENT = "ses_6c1f0e2a8ffeLegacyParent01";
const NEW_USER = "msg_93e0f1d5d001LegacyUser009";

interface Posted { sessions: Array<{ externalId: string }>; messages: Array<{ externalId: string; sessionExternalId: string }> }

/** A server that takes every batch; `/api/me` is absent (the engine then keys checkpoints by the key's hash). */
function fakeServer() {
  const posted: Posted[] = [];
  const fetchImpl = (async (url: URL | string, init?: RequestInit) => {
    if (String(url).endsWith("/sync/batch")) {
      const body = JSON.parse(String(init!.body)) as Posted;
      posted.push(body);
      return Response.json({ ok: true, sessions: body.sessions.length, messages: body.messages.length, errors: [] });
    }
    return Response.json({ error: "not found", code: "not_found" }, { status: 404 });
  }) as unknown as typeof fetch;
  return { posted, client: new OpenSyncClient({ baseUrl: "http://127.0.0.1:1", apiKey: "osk_test", fetch: fetchImpl }) };
}

/** A new turn as OpenCode before 1.2 wrote it: one message file and its part files; the session file is not touched. */
function writeNewTurn(storage: string): void {
  const messageDir = join(storage, "message", PARENT);
  writeFileSync(join(messageDir, `${NEW_USER}.json`), JSON.stringify({ id: NEW_USER, sessionID: PARENT, role: "user", time: { created: 1737000090000 } }, null, 2));
  const partDir = join(storage, "part", NEW_USER);
  mkdirSync(partDir, { recursive: true });
  const part = "prt_93e0f1d5d002LegacyPart090";
  writeFileSync(join(partDir, `${part}.json`), JSON.stringify({ id: part, sessionID: PARENT, messageID: NEW_USER, type: "text", text: "Now add a test for leap years" }, null, 2));
}

describe("OpenCode unit fingerprints", () => {
  let dir: string;
  let cleanup: () => void;
  let storage: string;
  let state: StateStore;
  const sessionFile = () => join(storage, "session", PROJECT, `${PARENT}.json`);
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    storage = join(dir, "storage");
    cpSync(LEGACY_STORAGE, storage, { recursive: true });
    state = new StateStore(join(dir, "state"));
  });
  afterEach(() => {
    state.close();
    cleanup();
  });

  async function sync(agent: AgentCollector, client: OpenSyncClient) {
    return runSync({ client, state, ctx: testContext(dir, { OPENCODE_DATA_DIR: dir }), agents: [agent], redactor: createRedactor(), log: () => {} });
  }

  it("new messages of OpenCode legacy sessions are read (issue 7, defect 5)", async () => {
    const server = fakeServer();
    expect((await sync(opencodeCollector, server.client)).messages).toBe(5);
    expect((await sync(opencodeCollector, server.client)).messages).toBe(0); // unchanged: skipped

    const before = statSync(sessionFile());
    writeNewTurn(storage);
    // The session file is untouched: same size, same mtime.
    expect(statSync(sessionFile())).toMatchObject({ size: before.size, mtimeMs: before.mtimeMs });

    const posted = server.posted.length;
    await sync(opencodeCollector, server.client);
    // The new message (the reader may re-send the one stamped in the same millisecond as its checkpoint).
    expect(server.posted.slice(posted).flatMap((b) => b.messages).map((m) => m.externalId)).toContain(NEW_USER);
  });

  it("a session file's own size and mtime hide that new turn (what the default fingerprint did)", async () => {
    const server = fakeServer();
    const fileOnly: AgentCollector = { ...opencodeCollector, fingerprint: undefined };
    await sync(fileOnly, server.client);
    writeNewTurn(storage);
    expect((await sync(fileOnly, server.client)).messages).toBe(0);
  });

  it("changes when a part is rewritten, added or removed; stays when nothing changed", async () => {
    const unit = opencodeCollector.unitFor(sessionFile());
    const first = await opencodeFingerprint(unit);
    expect(await opencodeFingerprint(unit)).toEqual(first);
    const part = join(storage, "part", "msg_93e0f1d5c001LegacyAsst002", "prt_93e0f1d5c003LegacyPart014.json");
    const later = new Date(first.mtimeMs + 5_000);
    utimesSync(part, later, later); // rewritten in place, same size
    const rewritten = await opencodeFingerprint(unit);
    expect(rewritten.mtimeMs).toBeGreaterThan(first.mtimeMs);
    expect(rewritten.size).toBe(first.size);
    writeNewTurn(storage);
    expect((await opencodeFingerprint(unit)).size).toBeGreaterThan(rewritten.size);
  });

  it("covers a database and its write-ahead log", async () => {
    const db = copyRealDb(dir);
    const unit = opencodeCollector.unitFor(db);
    const without = await opencodeFingerprint(unit);
    expect(without.size).toBe(statSync(db).size + 1);
    writeFileSync(`${db}-wal`, "x".repeat(100));
    expect((await opencodeFingerprint(unit)).size).toBe(without.size + 101);
  });
});
