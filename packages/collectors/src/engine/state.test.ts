import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RERUN_FLAG, SyncBusyError, withSyncLease } from "./lease.js";
import { StateStore } from "./state.js";

const fresh = () => new StateStore(mkdtempSync(join(tmpdir(), "opensync-state-")));

describe("StateStore", () => {
  it("saves checkpoints and accumulates counters", () => {
    const s = fresh().checkpoints("http://a#user:1");
    s.saveProgress({ key: "k", agent: "a", checkpoint: { offset: 10 }, sessions: 1, messages: 5 });
    s.saveProgress({ key: "k", agent: "a", checkpoint: { offset: 20 }, sessions: 1, messages: 3 });
    expect(s.get("k")).toMatchObject({ checkpoint: { offset: 20 }, complete: false, sessions: 2, messages: 8 });
    expect(s.byAgent("a")).toHaveLength(1);
    s.forget("a");
    expect(s.get("k")).toBeUndefined();
  });

  it("a unit is up to date only after a complete read, and only while its fingerprint is the same", () => {
    const s = fresh().checkpoints("http://a#user:1");
    s.saveProgress({ key: "k", agent: "a", checkpoint: { offset: 10 }, sessions: 1, messages: 5 });
    expect(s.isUpToDate("k", { size: 100, mtimeMs: 5 })).toBe(false);
    s.markComplete("k", "a", { size: 100, mtimeMs: 5 }, { offset: 100 });
    expect(s.isUpToDate("k", { size: 100, mtimeMs: 5 })).toBe(true);
    expect(s.isUpToDate("k", { size: 101, mtimeMs: 5 })).toBe(false);
    // A later partial read (the file grew, the run was interrupted) is not complete again.
    s.saveProgress({ key: "k", agent: "a", checkpoint: { offset: 120 }, sessions: 0, messages: 1 });
    expect(s.isUpToDate("k", { size: 100, mtimeMs: 5 })).toBe(false);
  });

  it("checkpoints belong to a destination (defect 4: Claude Code data split between two destinations)", () => {
    const store = fresh();
    const one = store.checkpoints("http://one#user:1");
    const two = store.checkpoints("http://two#user:9");
    one.markComplete("k", "a", { size: 1, mtimeMs: 1 }, { offset: 1 });
    expect(one.isUpToDate("k", { size: 1, mtimeMs: 1 })).toBe(true);
    expect(two.get("k")).toBeUndefined();
  });

  it("keeps one rejection per item and settles a unit's older rejections", () => {
    const r = fresh().rejections("http://a#user:1");
    const base = { unitKey: "u", agent: "a", kind: "message" as const, sessionExternalId: "s", error: "bad" };
    r.record([{ ...base, externalId: "m1", at: 1 }, { ...base, externalId: "m2", at: 1 }]);
    r.record([{ ...base, externalId: "m1", at: 5, error: "still bad" }]);
    expect(r.count("a")).toBe(2);
    expect(r.list("a").map((x) => [x.externalId, x.error])).toEqual([["m1", "still bad"], ["m2", "bad"]]);
    r.settleUnit("u", 3);
    expect(r.list("a").map((x) => x.externalId)).toEqual(["m1"]);
  });

  it("a lease held by one holder is refused to another until released or expired", () => {
    const s = fresh();
    expect(s.tryLease("sync", "one", 60_000)).toBe(true);
    expect(s.tryLease("sync", "two", 60_000)).toBe(false);
    s.releaseLease("sync", "one");
    expect(s.tryLease("sync", "two", 1)).toBe(true);
    return new Promise((r) => setTimeout(r, 5)).then(() => expect(s.tryLease("sync", "three", 1000)).toBe(true));
  });
});

describe("withSyncLease", () => {
  it("defers to a running holder and makes it run once more", async () => {
    const s = fresh();
    let runs = 0;
    const result = await withSyncLease(s, async () => {
      runs++;
      if (runs === 1) expect(await withSyncLease(s, async () => "inner", { deferToHolder: true })).toBeUndefined();
      return runs;
    });
    expect(result).toBe(2);
    expect(s.takeFlag(RERUN_FLAG)).toBeUndefined();
  });

  it("refuses when busy and not deferring; --force takes over", async () => {
    const s = fresh();
    s.tryLease("sync", "stuck", 60_000);
    await expect(withSyncLease(s, async () => 1)).rejects.toBeInstanceOf(SyncBusyError);
    expect(await withSyncLease(s, async () => 2, { force: true })).toBe(2);
  });
});
