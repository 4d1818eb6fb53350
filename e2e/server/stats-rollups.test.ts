import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { MessageInput, OpenSyncClient, Session, SessionInput, StatsGroupRow, StatsResponse, UsageTotals } from "@opensync/protocol";
import { prng } from "../harness/expect.js";
import { startServer, type ServerProcess } from "../harness/server-process.js";

/**
 * `/api/stats` is served from rollups kept by triggers in the sync transaction (migration
 * 0005_usage_rollups). Property: after every step of a random sequence of syncs, re-syncs,
 * message updates, session and data deletes, every stats answer equals a recomputation from the
 * sessions the API lists (totals, each groupBy, day/week/month/hour-of-week in several time zones,
 * unaligned date ranges, cumulative).
 */
let server: ServerProcess;
let api: OpenSyncClient;
let other: OpenSyncClient;

beforeAll(async () => {
  server = await startServer();
  const [key, otherKey] = await Promise.all([server.createKey("stats@example.com"), server.createKey("other@example.com")]);
  api = server.client(key);
  other = server.client(otherKey);
});
afterAll(() => server?.cleanup());

const DAY = 86_400_000;
/** Sessions near midnights and quarter-hour edges of several days, in 2025. */
const BASE = Date.UTC(2025, 2, 28);
const SUMMED: Array<keyof UsageTotals> = ["sessionCount", "messageCount", "totalTokens", "promptTokens", "completionTokens", "cacheReadTokens", "cacheWriteTokens", "reasoningTokens", "totalCost", "totalDurationMs"];
const OFFSETS = [0, 60, -300, 330, 345, -570, 840, 7];

function totalsOf(sessions: Session[]): UsageTotals {
  return {
    sessionCount: sessions.length,
    messageCount: sum(sessions, (s) => s.messageCount),
    totalTokens: sum(sessions, (s) => s.totalTokens),
    promptTokens: sum(sessions, (s) => s.promptTokens),
    completionTokens: sum(sessions, (s) => s.completionTokens),
    cacheReadTokens: sum(sessions, (s) => s.cacheReadTokens),
    cacheWriteTokens: sum(sessions, (s) => s.cacheWriteTokens),
    reasoningTokens: sum(sessions, (s) => s.reasoningTokens),
    totalCost: sum(sessions, (s) => s.cost),
    totalDurationMs: sum(sessions, (s) => s.durationMs),
  };
}
const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);

function groupBy(sessions: Session[], keyOf: (s: Session) => string | null): Map<string | null, UsageTotals> {
  const groups = new Map<string | null, Session[]>();
  for (const s of sessions) groups.set(keyOf(s), [...(groups.get(keyOf(s)) ?? []), s]);
  return new Map([...groups].map(([k, list]) => [k, totalsOf(list)]));
}

/** The local calendar, written independently of the server's arithmetic (Date's UTC fields on a shifted instant). */
const local = (s: Session, offset: number) => new Date(s.createdAt + offset * 60_000);
const dayKey = (s: Session, offset: number) => local(s, offset).toISOString().slice(0, 10);
const monthKey = (s: Session, offset: number) => local(s, offset).toISOString().slice(0, 7);
function weekKey(s: Session, offset: number): string {
  const d = local(s, offset);
  const sinceMonday = (d.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - sinceMonday)).toISOString().slice(0, 10);
}
function hourOfWeekKey(s: Session, offset: number): string {
  const d = local(s, offset);
  return `${((d.getUTCDay() + 6) % 7) + 1}-${String(d.getUTCHours()).padStart(2, "0")}`;
}

function expectTotals(actual: UsageTotals, expected: UsageTotals, where: string): void {
  for (const k of SUMMED) {
    // Costs are REAL sums taken in another order than the recomputation: equal to 1e-9.
    if (k === "totalCost") expect(actual[k], `${where} ${k}`).toBeCloseTo(expected[k], 9);
    else expect(actual[k], `${where} ${k}`).toBe(expected[k]);
  }
}

function expectGroups(actual: StatsGroupRow[] | undefined, expected: Map<string | null, UsageTotals>, where: string): void {
  expect(actual, where).toBeDefined();
  expect(new Set(actual!.map((g) => g.key)), where).toEqual(new Set(expected.keys()));
  expect(actual!.length, where).toBe(expected.size);
  for (const g of actual!) expectTotals(g, expected.get(g.key)!, `${where} [${g.key}]`);
}

async function allSessions(client: OpenSyncClient): Promise<Session[]> {
  const out: Session[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listSessions({ limit: 500, cursor, sort: "createdAt" });
    out.push(...page.sessions);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

async function checkEverything(rand: () => number, step: string): Promise<void> {
  const sessions = await allSessions(api);
  const stats = await api.stats();
  expectTotals(stats, totalsOf(sessions), `${step} totals`);
  expect(stats.firstSessionAt, step).toBe(sessions.length ? Math.min(...sessions.map((s) => s.createdAt)) : null);
  expect(stats.lastSessionAt, step).toBe(sessions.length ? Math.max(...sessions.map((s) => s.createdAt)) : null);
  const usage = (m: Map<string | null, UsageTotals>) =>
    Object.fromEntries([...m].map(([k, t]) => [k ?? "unknown", { tokens: t.totalTokens, cost: expect.closeTo(t.totalCost, 9), sessions: t.sessionCount }]));
  expect(stats.modelUsage, step).toEqual(usage(groupBy(sessions, (s) => s.model)));
  expect(stats.sourceUsage, step).toEqual(usage(groupBy(sessions, (s) => s.source)));

  const dims = { model: (s: Session) => s.model, provider: (s: Session) => s.provider, project: (s: Session) => s.projectName, source: (s: Session) => s.source, machine: (s: Session) => s.machine };
  for (const [by, keyOf] of Object.entries(dims)) {
    expectGroups((await api.stats({ groupBy: by as keyof typeof dims })).groups, groupBy(sessions, keyOf), `${step} ${by}`);
  }
  const offset = OFFSETS[Math.floor(rand() * OFFSETS.length)];
  expectGroups((await api.stats({ groupBy: "day", tzOffset: offset })).groups, groupBy(sessions, (s) => dayKey(s, offset)), `${step} day@${offset}`);
  expectGroups((await api.stats({ groupBy: "week", tzOffset: offset })).groups, groupBy(sessions, (s) => weekKey(s, offset)), `${step} week@${offset}`);
  expectGroups((await api.stats({ groupBy: "month", tzOffset: offset })).groups, groupBy(sessions, (s) => monthKey(s, offset)), `${step} month@${offset}`);
  expectGroups((await api.stats({ groupBy: "hourOfWeek", tzOffset: offset })).groups, groupBy(sessions, (s) => hourOfWeekKey(s, offset)), `${step} hourOfWeek@${offset}`);

  // Every model in modelUsage has its cache tokens in cacheByModel.
  expect(Object.keys(stats.cacheByModel).sort(), step).toEqual(Object.keys(stats.modelUsage).sort());
  for (const [model, t] of groupBy(sessions, (s) => s.model)) {
    expect(stats.cacheByModel[model ?? "unknown"].cacheReadTokens, `${step} cache ${model}`).toBe(t.cacheReadTokens);
  }

  // An unaligned range: whole days from the rollups, the partial ones from the sessions.
  const from = BASE - DAY + Math.floor(rand() * 5 * DAY);
  const to = from + Math.floor(rand() * 4 * DAY);
  const inRange = sessions.filter((s) => s.createdAt >= from && s.createdAt < to);
  await checkSplits(sessions, { offset, from, to }, step);
  const ranged = await api.stats({ from, to, groupBy: "model" });
  expectTotals(ranged, totalsOf(inRange), `${step} range`);
  expectGroups(ranged.groups, groupBy(inRange, (s) => s.model), `${step} range model`);
  expectGroups((await api.stats({ from, to, groupBy: "day", tzOffset: offset })).groups, groupBy(inRange, (s) => dayKey(s, offset)), `${step} range day@${offset}`);
}

const SPLITS = { model: (s: Session) => s.model, source: (s: Session) => s.source };
const TIME_KEYS = { day: dayKey, week: weekKey, month: monthKey };

/**
 * `splitBy`: each time group's split equals the sessions of that period grouped by model or
 * source, at offset 0 (day rollups per dimension) and at another offset (a grouped scan), over the
 * whole history and over an unaligned range (partial days at its ends).
 */
async function checkSplits(sessions: Session[], at: { offset: number; from: number; to: number }, step: string): Promise<void> {
  const inRange = sessions.filter((s) => s.createdAt >= at.from && s.createdAt < at.to);
  for (const [splitBy, splitKey] of Object.entries(SPLITS) as Array<[keyof typeof SPLITS, (s: Session) => string | null]>) {
    for (const [timeGroup, timeKey] of Object.entries(TIME_KEYS) as Array<[keyof typeof TIME_KEYS, typeof dayKey]>) {
      const ranged = { from: at.from, to: at.to };
      for (const [offset, range, list] of [[0, {}, sessions], [at.offset, {}, sessions], [0, ranged, inRange], [at.offset, ranged, inRange]] as const) {
        const where = `${step} ${timeGroup}@${offset} split ${splitBy}${"from" in range ? " range" : ""}`;
        const groups = (await api.stats({ groupBy: timeGroup, splitBy, tzOffset: offset, ...range })).groups!;
        expectGroups(groups, groupBy(list, (s) => timeKey(s, offset)), where);
        for (const g of groups) {
          const members = list.filter((s) => timeKey(s, offset) === g.key);
          expectGroups(g.split, groupBy(members, splitKey), `${where} [${g.key}]`);
          const tokens = g.split!.map((x) => x.totalTokens);
          expect(tokens, `${where} [${g.key}] biggest first`).toEqual([...tokens].sort((a, b) => b - a));
        }
      }
    }
  }
}

/** A random time: mostly near midnights and quarter-hour edges, where buckets split. */
function randomTime(rand: () => number): number {
  const day = BASE + Math.floor(rand() * 5) * DAY;
  const r = rand();
  if (r < 0.4) return day + Math.floor((rand() - 0.5) * 120_000);
  if (r < 0.7) return day + Math.floor(rand() * 96) * 900_000 + (rand() < 0.5 ? -1 : 0);
  return day + Math.floor(rand() * DAY);
}

function randomStep(rand: () => number, i: number): { sessions: SessionInput[]; messages: MessageInput[] } {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const sessions: SessionInput[] = [];
  const messages: MessageInput[] = [];
  for (let n = Math.floor(rand() * 4); n > 0; n--) {
    const externalId = `s${Math.floor(rand() * 25)}`;
    const s: SessionInput = { externalId, createdAt: randomTime(rand) };
    if (rand() < 0.7) s.model = pick(["claude-sonnet-4-5", "gpt-5", "gemini-2.5-pro"]);
    if (rand() < 0.6) s.projectPath = pick(["/w/alpha", "/w/beta", "/w/gamma"]);
    if (rand() < 0.6) s.source = pick(["claude-code", "opencode", "codex"]);
    if (rand() < 0.5) s.machine = pick(["laptop", "desktop"]);
    if (rand() < 0.3) s.provider = pick(["anthropic", "openai"]);
    if (rand() < 0.15) Object.assign(s, { promptTokens: Math.floor(rand() * 1e6), cost: Math.round(rand() * 1e6) / 1e4 });
    sessions.push(s);
  }
  for (let n = Math.floor(rand() * 8); n > 0; n--) {
    messages.push({
      sessionExternalId: `s${Math.floor(rand() * 25)}`,
      externalId: `m${Math.floor(rand() * 6)}`,
      role: rand() < 0.5 ? "user" : "assistant",
      textContent: `step ${i}`,
      promptTokens: Math.floor(rand() * 5000),
      completionTokens: Math.floor(rand() * 2000),
      cacheReadTokens: Math.floor(rand() * 10000),
      reasoningTokens: rand() < 0.3 ? Math.floor(rand() * 500) : undefined,
      cost: Math.round(rand() * 1e7) / 1e7,
      durationMs: Math.floor(rand() * 60_000),
      createdAt: randomTime(rand),
      model: rand() < 0.3 ? "gpt-5-mini" : undefined,
    });
  }
  return { sessions, messages };
}

describe("stats rollups equal a recomputation from the sessions", () => {
  test("after every step of a random sequence of syncs, re-syncs, deletes and data deletes", async () => {
    const rand = prng(20250328);
    // Another user's data never shows up in these answers.
    await other.syncBatch({ sessions: [{ externalId: "theirs", model: "gpt-5", createdAt: BASE + 3_600_000 }], messages: [{ sessionExternalId: "theirs", externalId: "a", role: "assistant", promptTokens: 1234, cost: 0.5, createdAt: BASE + 3_700_000 }] });
    const history: Array<ReturnType<typeof randomStep>> = [];
    for (let i = 1; i <= 45; i++) {
      const r = rand();
      let step: string;
      if (r < 0.6 || history.length === 0) {
        const batch = randomStep(rand, i);
        history.push(batch);
        await api.syncBatch(batch);
        step = `#${i} sync`;
      } else if (r < 0.75) {
        await api.syncBatch(history[Math.floor(rand() * history.length)]);
        step = `#${i} re-sync`;
      } else if (r < 0.95) {
        const sessions = await allSessions(api);
        if (sessions.length) await api.deleteSession(sessions[Math.floor(rand() * sessions.length)].id);
        step = `#${i} delete`;
      } else {
        await api.deleteMyData();
        step = `#${i} delete all`;
      }
      await checkEverything(rand, step);
    }
    const last = randomStep(rand, 99);
    await api.syncBatch({ ...last, sessions: [...last.sessions, { externalId: "final", createdAt: BASE }] });
    await checkEverything(rand, "final");
    expect((await allSessions(api)).length).toBeGreaterThan(0);
  });

  test("cumulative day, week and month groups are running totals of the plain ones", async () => {
    for (const groupBy of ["day", "week", "month"] as const) {
      const plain = (await api.stats({ groupBy, tzOffset: 60 })).groups!;
      const running = (await api.stats({ groupBy, tzOffset: 60, cumulative: true })).groups!;
      expect(running.map((g) => g.key)).toEqual(plain.map((g) => g.key));
      let tokens = 0;
      plain.forEach((g, i) => {
        tokens += g.totalTokens;
        expect(running[i].totalTokens).toBe(tokens);
      });
      expect(running.at(-1)!.sessionCount).toBe((await api.stats()).sessionCount);
    }
    // A cumulative split runs per model: the last group's split is the whole history's by model.
    const runningSplit = (await api.stats({ groupBy: "day", splitBy: "model", cumulative: true })).groups!;
    const byModel = (await api.stats({ groupBy: "model" })).groups!;
    const last = runningSplit.at(-1)!.split!;
    expect(new Map(last.map((g) => [g.key, g.totalTokens]))).toEqual(new Map(byModel.map((g) => [g.key, g.totalTokens])));
    // Not a time series: cumulative changes nothing.
    const models = await api.stats({ groupBy: "model", cumulative: true });
    expect(models.groups).toEqual((await api.stats({ groupBy: "model" })).groups);
  });

  test("deleting all my data empties my stats; the other user's are untouched", async () => {
    const before: StatsResponse = await other.stats({ groupBy: "day" });
    expect(before.sessionCount).toBeGreaterThan(0);
    const otherSessions = await allSessions(other);
    expectTotals(before, totalsOf(otherSessions), "other");
    await api.deleteMyData();
    expect((await api.stats()).sessionCount).toBe(0);
    expect((await api.stats({ groupBy: "day" })).groups).toEqual([]);
    expect(await other.stats({ groupBy: "day" })).toEqual(before);
  });
});
