import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { holderGone, isZombie, processStartTime, RERUN_FLAG, SYNC_LEASE, SyncBusyError, syncLeaseHolder, withSyncLease } from "./lease.js";
import { StateStore } from "./state.js";

/** A holder row as another process would have written it. */
const holderOf = (pid: number, extra: Record<string, unknown> = {}) => JSON.stringify({ pid, start: processStartTime(pid), host: hostname(), id: "other", who: "opensync sync", ...extra });

/** The pid of a process that has exited (and was reaped). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const listeners = () => SIGNALS.map((s) => process.listenerCount(s));

describe("Defect 2: a killed or interrupted sync blocks all syncing for 10 minutes", () => {
  let dir: string;
  let state: StateStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "opensync-lease-"));
    state = new StateStore(dir);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    state.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe("a lease whose holder process is gone is free", () => {
    it.runIf(process.platform === "linux")("a killed holder not yet reaped (a zombie) is gone", async () => {
      // `sleep 0` exits at once; its parent execs into `sleep 30`, which never reaps it.
      const parent = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
      try {
        const pid = Number(await new Promise<string>((resolve) => parent.stdout!.once("data", (d: Buffer) => resolve(d.toString().trim()))));
        for (let i = 0; i < 50 && !isZombie(pid); i++) await new Promise((r) => setTimeout(r, 20));
        expect(isZombie(pid)).toBe(true);
        expect(() => process.kill(pid, 0)).not.toThrow(); // still "there" to kill(0)
        state.forceLease(SYNC_LEASE, holderOf(pid), 10 * 60_000);
        expect(holderGone(state.leaseHolder(SYNC_LEASE)!.holder)).toBe(true);
        expect(await withSyncLease(state, async () => "ran")).toBe("ran");
      } finally {
        parent.kill("SIGKILL");
      }
    });

    it("kill -9'd holder (no such pid): the next sync takes the lease at once", async () => {
      state.forceLease(SYNC_LEASE, holderOf(deadPid(), { start: "1" }), 10 * 60_000);
      expect(await withSyncLease(state, async () => "ran")).toBe("ran");
      expect(state.leaseHolder(SYNC_LEASE)).toBeUndefined();
    });

    it("a holder written by the previous version (`pid:random`) whose pid is gone is free", async () => {
      state.forceLease(SYNC_LEASE, `${deadPid()}:a1b2c3`, 10 * 60_000);
      expect(await withSyncLease(state, async () => "ran")).toBe("ran");
    });

    it("a reused pid (same pid, another start time) is not the holder", () => {
      expect(holderGone(holderOf(process.pid))).toBe(false);
      if (processStartTime(process.pid) === undefined) return; // no procfs: pid-only check
      expect(holderGone(holderOf(process.pid, { start: "1" }))).toBe(true);
    });
  });

  describe("a live holder keeps the lease", () => {
    it("a running process: busy, and the error names who holds it", async () => {
      const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
      try {
        await new Promise((r) => child.once("spawn", r));
        state.forceLease(SYNC_LEASE, holderOf(child.pid!), 10 * 60_000);
        const err = await withSyncLease(state, async () => "ran").catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SyncBusyError);
        expect((err as Error).message).toContain(`pid ${child.pid}, opensync sync`);
        expect(syncLeaseHolder(state)).toBe(`pid ${child.pid}, opensync sync`);
      } finally {
        child.kill("SIGKILL");
      }
    });

    it("a holder that did not say who it is is described by its command line (Linux)", async () => {
      const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)", "sync", "--json"], { stdio: "ignore" });
      try {
        await new Promise((r) => child.once("spawn", r));
        state.forceLease(SYNC_LEASE, holderOf(child.pid!, { who: undefined }), 10 * 60_000);
        const described = syncLeaseHolder(state);
        if (processStartTime(child.pid!) === undefined) expect(described).toBe(`pid ${child.pid}`);
        else expect(described).toBe(`pid ${child.pid}, -e setTimeout(() => {}, 60000) sync --json`);
      } finally {
        child.kill("SIGKILL");
      }
    });

    it("a holder on another machine sharing this home is left to its TTL", () => {
      expect(holderGone(holderOf(deadPid(), { host: "some-other-host" }))).toBe(false);
    });

    it("a holder without a pid is left to its TTL", () => {
      expect(holderGone("stuck")).toBe(false);
    });

    it("an expired lease is free whoever holds it", async () => {
      state.forceLease(SYNC_LEASE, holderOf(process.pid), -1);
      expect(syncLeaseHolder(state)).toBeUndefined();
      expect(await withSyncLease(state, async () => "ran")).toBe("ran");
    });
  });

  describe("a signal releases the lease", () => {
    for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]] as const) {
      it(`${signal} while holding: released at once, then the process ends with ${code}`, async () => {
        const before = listeners();
        const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never);
        let heldDuring: unknown;
        await withSyncLease(
          state,
          async () => {
            expect(listeners()).toEqual(before.map((n) => n + 1));
            process.emit(signal, signal);
            heldDuring = state.leaseHolder(SYNC_LEASE);
          },
          { who: "test" },
        );
        expect(heldDuring).toBeUndefined();
        expect(exit).toHaveBeenCalledWith(code);
        expect(listeners()).toEqual(before);
      });
    }

    it("a command with its own handler (watch, up) keeps control: released, not exited, its handler runs", async () => {
      const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never);
      const own = vi.fn();
      process.on("SIGINT", own);
      try {
        await withSyncLease(state, async () => {
          process.emit("SIGINT", "SIGINT");
          expect(state.leaseHolder(SYNC_LEASE)).toBeUndefined();
        });
        expect(own).toHaveBeenCalledTimes(1);
        expect(exit).not.toHaveBeenCalled();
      } finally {
        process.removeListener("SIGINT", own);
      }
    });

    it("a `once` handler (watch) counts as the command's own handling too", async () => {
      const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never);
      const own = vi.fn();
      process.once("SIGTERM", own);
      await withSyncLease(state, async () => {
        process.emit("SIGTERM", "SIGTERM");
      });
      expect(own).toHaveBeenCalledTimes(1);
      expect(exit).not.toHaveBeenCalled();
      expect(state.leaseHolder(SYNC_LEASE)).toBeUndefined();
    });

    it("after a signal nothing takes the lease back: no rerun pass, and another process may take it", async () => {
      vi.spyOn(process, "exit").mockImplementation((() => undefined) as never);
      let runs = 0;
      await withSyncLease(state, async () => {
        runs++;
        state.setFlag(RERUN_FLAG, "someone");
        process.emit("SIGTERM", "SIGTERM");
        expect(state.tryLease(SYNC_LEASE, "next", 60_000)).toBe(true);
      });
      expect(runs).toBe(1);
      expect(state.leaseHolder(SYNC_LEASE)?.holder).toBe("next");
    });

    it("no handler is left behind once the lease is let go, also when the sync throws", async () => {
      const before = listeners();
      await expect(withSyncLease(state, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
      expect(listeners()).toEqual(before);
      expect(state.leaseHolder(SYNC_LEASE)).toBeUndefined();
    });
  });

  it("a waiter stops waiting when aborted (watch shutting down)", async () => {
    state.forceLease(SYNC_LEASE, holderOf(process.pid), 60_000);
    const abort = new AbortController();
    const waiting = withSyncLease(state, async () => "ran", { waitMs: 60_000, signal: abort.signal });
    setTimeout(() => abort.abort(), 300);
    const started = Date.now();
    expect(await waiting).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
