import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OpenSyncClient } from "@opensync/protocol";
import { prng } from "../harness/expect.js";
import { CliProcess, hookWorkerPid, killPid, runCli, waitForHookIdle, waitForHookWorker, type CliResult } from "../harness/cli-process.js";
import { startServer, type ServerProcess } from "../harness/server-process.js";
import { ClaudeTranscript, generateHome, type GeneratedHome, type HomeSpec } from "./fixture-gen.js";
import { compare, compareCounts, snapshot, summarize, type Snapshot } from "./oracle.js";
import { describeFault, FaultProxy, type Fault, type FaultPlan } from "./proxy.js";

/**
 * One randomized fault scenario, entirely determined by its seed: which fixture home, which
 * trigger (`sync`, `import`, `watch`, a hook worker), what goes wrong (the proxy misbehaves, the
 * process gets SIGINT/SIGKILL, the server gets kill -9) and when, and whether the agent keeps
 * writing. After the fault the server is made reachable, ONE more sync (or hook trigger) runs,
 * and the server must hold exactly what a clean sync of the same files gives a reference user.
 */

export type Trigger = "sync" | "import" | "watch" | "hook";

export interface CasePlan {
  seed: number;
  template: TemplateId;
  trigger: Trigger;
  batchMessages: number;
  fault?: FaultPlan;
  /** SIGINT/SIGKILL of the triggered process, `delayMs` after the `atBatch`-th batch request reached the proxy. */
  interrupt?: { signal: "SIGINT" | "SIGKILL"; atBatch: number; delayMs: number };
  serverKill?: { atBatch: number; delayMs: number; restartAtOnce: boolean };
  /** The agent keeps writing: lines appended while the fault happens, or after it. */
  grow: "none" | "during" | "after";
  /** Check `opensync status --json` after the interrupted run. */
  checkStatus: boolean;
}

export type TemplateId = "mixed" | "small" | "big";

export const TEMPLATES: Record<TemplateId, HomeSpec> = {
  mixed: { seed: 11, claudeSessions: 4, claudeMessages: [8, 60], bigSessions: 1, bigMessages: 640, subagents: true, codexSessions: 2, geminiSessions: 2 },
  small: { seed: 22, claudeSessions: 6, claudeMessages: [4, 40], subagents: true, codexSessions: 2, geminiSessions: 2 },
  big: { seed: 33, claudeSessions: 2, claudeMessages: [10, 30], bigSessions: 1, bigMessages: 1150, codexSessions: 1, geminiSessions: 1 },
};

const pick = <T>(rng: () => number, items: readonly T[]): T => items[Math.floor(rng() * items.length)];
const int = (rng: () => number, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));

/** The scenario of a seed (pure: the test names and a replay come from it). */
export function planCase(seed: number): CasePlan {
  const rng = prng(seed);
  const template = pick(rng, ["mixed", "mixed", "small", "big"] as const);
  const trigger = pick(rng, ["sync", "sync", "sync", "import", "import", "watch", "hook", "hook"] as const);
  const batchMessages = int(rng, 20, 250);
  const plan: CasePlan = { seed, template, trigger, batchMessages, grow: "none", checkStatus: trigger !== "hook" && rng() < 0.4 };
  const estimated = Math.max(1, Math.ceil(totalMessages(template, trigger) / batchMessages));
  const atBatch = () => int(rng, 1, estimated);
  const what = rng();
  if (what < 0.1 && trigger === "sync") {
    plan.serverKill = { atBatch: atBatch(), delayMs: int(rng, 0, 40), restartAtOnce: rng() < 0.5 };
  } else if (what < 0.5) {
    plan.interrupt = { signal: rng() < 0.5 ? "SIGINT" : "SIGKILL", atBatch: atBatch(), delayMs: rng() < 0.5 ? 0 : int(rng, 1, 400) };
  } else {
    const fault = pick<Fault>(rng, [
      { kind: "status", status: 503, retryAfter: 0 },
      { kind: "status", status: 503 },
      { kind: "status", status: 500 },
      { kind: "status", status: 413 },
      { kind: "body-limit", maxBytes: int(rng, 8, 64) * 1024 },
      { kind: "drop-request" },
      { kind: "drop-response" },
      { kind: "stall" },
    ]);
    // Transient faults heal by themselves (retries must cope); persistent ones until the server is "back".
    const transient = fault.kind !== "stall" && fault.kind !== "body-limit" && rng() < 0.5;
    plan.fault = { after: atBatch() - 1, fault, ...(transient ? { times: int(rng, 1, 2) } : {}) };
    // A stalled server is what makes a user press Ctrl-C; any persistent fault may meet a kill too.
    if (fault.kind === "stall" || (!transient && rng() < 0.3)) {
      plan.interrupt = { signal: rng() < 0.5 ? "SIGINT" : "SIGKILL", atBatch: plan.fault.after + 1, delayMs: int(rng, 50, 800) };
    }
  }
  plan.grow = trigger === "hook" ? "none" : pick(rng, ["none", "none", "none", "during", "after"] as const);
  return plan;
}

/** The scenario class: what the PENDING_FIXES set names. */
export function classOf(plan: CasePlan): string {
  const what = plan.serverKill
    ? "server-kill9"
    : [plan.fault && `${describeFault(plan.fault.fault)}${plan.fault.times ? " transient" : ""}`, plan.interrupt?.signal].filter(Boolean).join("+");
  return `${plan.trigger}/${what}`;
}

export function describeCase(plan: CasePlan): string {
  const parts = [`seed=${plan.seed}`, classOf(plan), plan.template, `batch ${plan.batchMessages}`];
  if (plan.fault) parts.push(`fault after ${plan.fault.after}`);
  if (plan.interrupt) parts.push(`${plan.interrupt.signal} ${plan.interrupt.delayMs} ms after batch ${plan.interrupt.atBatch}`);
  if (plan.serverKill) parts.push(`kill -9 at batch ${plan.serverKill.atBatch}`);
  if (plan.grow !== "none") parts.push(`grows ${plan.grow}`);
  return parts.join(", ");
}

function totalMessages(template: TemplateId, trigger: Trigger): number {
  const spec = TEMPLATES[template];
  const big = (spec.bigSessions ?? 0) * (spec.bigMessages ?? 0);
  if (trigger === "hook") return big || spec.claudeMessages[1];
  return big + spec.claudeSessions * ((spec.claudeMessages[0] + spec.claudeMessages[1]) / 2) + 10 * ((spec.codexSessions ?? 0) + (spec.geminiSessions ?? 0));
}

/** A real server that lets the suite sign up one user per case. */
export function startFaultServer(): Promise<ServerProcess> {
  return startServer({ env: { OPENSYNC_ALLOW_SIGNUP: "1" } });
}

// --- the world the cases share -------------------------------------------------------------

interface Template {
  gen: GeneratedHome;
  /** The reference snapshot of the untouched template, computed once. */
  reference?: Promise<Snapshot>;
}

/** One server (and a scratch dir) shared by the cases; each case has its own user, key and HOME. */
export class FaultWorld {
  private readonly templates = new Map<TemplateId, Template>();
  private users = 0;

  private constructor(
    readonly server: ServerProcess,
    readonly scratch: string,
  ) {}

  static async start(): Promise<FaultWorld> {
    const scratch = mkdtempSync(join(tmpdir(), "opensync-faults-"));
    return new FaultWorld(await startFaultServer(), scratch);
  }

  template(id: TemplateId): Template {
    let t = this.templates.get(id);
    if (!t) {
      const dir = join(this.scratch, `template-${id}`);
      mkdirSync(dir, { recursive: true });
      t = { gen: generateHome(dir, TEMPLATES[id]) };
      this.templates.set(id, t);
    }
    return t;
  }

  /**
   * A fresh user on `server` and its API key, over HTTP (sign-up, then a key): hundreds of cases
   * cannot afford an `opensync admin` process each.
   */
  async newKey(server: ServerProcess, label: string): Promise<string> {
    const email = `${label}-${++this.users}-${process.pid}@faults.example`;
    const signup = await server.request("/api/auth/signup", { body: { email, password: "fault-injection" } });
    if (signup.status !== 201) throw new Error(`sign-up failed: ${signup.status} ${await signup.text()}`);
    const cookie = signup.headers.get("set-cookie")!.split(";")[0];
    return (await server.client(undefined, { cookie }).createKey("faults")).key;
  }

  /** A copy of `from` as a new HOME with its own ~/.opensync pointing at `url` with `key`. */
  newHome(from: string, label: string, url: string, key: string, batchMessages?: number): { home: string; env: NodeJS.ProcessEnv } {
    const home = mkdtempSync(join(this.scratch, `${label}-`));
    // The agents' files only: a copy never inherits another HOME's ~/.opensync (state, lease, settings).
    const own = join(from, ".opensync");
    cpSync(from, home, { recursive: true, filter: (src) => src !== own && !src.startsWith(own + "/") });
    mkdirSync(join(home, ".opensync"), { recursive: true });
    if (batchMessages) writeFileSync(join(home, ".opensync/config.json"), JSON.stringify({ batchMessages }));
    return { home, env: { PATH: process.env.PATH, HOME: home, OPENSYNC_MACHINE: "e2e-box", OPENSYNC_URL: url, OPENSYNC_API_KEY: key } };
  }

  /** What a clean, fault-free sync of `home`'s files gives a new user on `server`. */
  async referenceOf(server: ServerProcess, home: string, only?: Set<string>): Promise<Snapshot> {
    const key = await this.newKey(server, "reference");
    const { home: copy, env } = this.newHome(home, "reference", server.url, key);
    try {
      const r = await runCli(["sync", "--json"], env, { timeoutMs: 120_000 });
      if (r.code !== 0) throw new Error(`the reference sync failed (exit ${r.code}): ${r.stderr.slice(0, 500)}`);
      return await snapshot(new OpenSyncClient({ baseUrl: server.url, apiKey: key }), { home: copy, only });
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }

  templateReference(id: TemplateId): Promise<Snapshot> {
    const t = this.template(id);
    t.reference ??= this.referenceOf(this.server, t.gen.home);
    return t.reference;
  }

  async close(): Promise<void> {
    await this.server.cleanup();
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

// --- running one case ----------------------------------------------------------------------

export interface CaseOutcome {
  /** Broken promises, one line each; empty when the case holds. */
  failures: string[];
  /** What happened, for the failure message. */
  log: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function hookPayload(t: ClaudeTranscript): string {
  return JSON.stringify({ session_id: t.sessionId, transcript_path: t.path, cwd: "/home/dev/projects/webapp", hook_event_name: "Stop" });
}

/** Appends turns to the case's copies of the template's transcripts; returns messages added per session. */
function grow(gen: GeneratedHome, home: string, seed: number): Map<string, number> {
  const rng = prng(seed ^ 0x5eed);
  const added = new Map<string, number>();
  for (const t of gen.transcripts.slice(0, 2)) {
    const path = join(home, t.path.slice(gen.home.length));
    // Continues a day after the template's last line, so appended lines sort after it.
    const more = new ClaudeTranscript(path, t.sessionId, rng, Date.UTC(2026, 0, 1) + Math.floor(rng() * 1e9));
    added.set(t.sessionId, more.append(1 + Math.floor(rng() * 6)));
  }
  return added;
}

export async function runCase(world: FaultWorld, plan: CasePlan): Promise<CaseOutcome> {
  const t0 = Date.now();
  const log: string[] = [];
  const push = log.push.bind(log);
  log.push = (...lines: string[]) => push(...lines.map((l) => `+${Date.now() - t0} ms ${l}`));
  const failures: string[] = [];
  const template = world.template(plan.template);
  // Server-kill cases get their own server: the others keep theirs.
  const server = plan.serverKill ? await startFaultServer() : world.server;
  const proxy = await FaultProxy.start(server.url);
  const key = await world.newKey(server, "case");
  const { home, env } = world.newHome(template.gen.home, "case", proxy.url, key, plan.batchMessages);
  const client = new OpenSyncClient({ baseUrl: server.url, apiKey: key });
  const counts = new Map(template.gen.counts);
  const target = template.gen.transcripts[0];
  const hookTarget = new ClaudeTranscript(join(home, target.path.slice(template.gen.home.length)), target.sessionId, prng(0), 0);
  const only = plan.trigger === "hook" ? new Set([target.sessionId]) : undefined;
  let grown = false;
  const growNow = () => {
    if (grown) return;
    grown = true;
    for (const [id, n] of grow(template.gen, home, plan.seed)) counts.set(id, (counts.get(id) ?? 0) + n);
    log.push("appended lines");
  };

  try {
    log.push("home ready");
    if (plan.fault) proxy.arm(plan.fault);
    // --- the interrupted run ---
    let victim: { kill(signal: NodeJS.Signals): void } | undefined;
    let first: CliProcess;
    if (plan.trigger === "hook") {
      first = new CliProcess(["hook", "claude-code", "Stop"], env, hookPayload(hookTarget));
      const worker = { kill: (signal: NodeJS.Signals) => void (hookWorkerPid(env) && killPid(hookWorkerPid(env)!, signal)) };
      victim = worker;
    } else {
      first = new CliProcess(plan.trigger === "watch" ? ["watch"] : [plan.trigger, "--json"], env);
      victim = first;
    }
    const { interrupt, serverKill } = plan;
    if (interrupt) {
      proxy.onBatch((n) => {
        if (n !== interrupt.atBatch) return;
        setTimeout(() => {
          log.push(`${interrupt.signal} ${interrupt.delayMs} ms after batch ${n}`);
          victim!.kill(interrupt.signal);
        }, interrupt.delayMs);
      });
    }
    if (plan.grow === "during") proxy.onBatch((n) => n === Math.max(1, (plan.fault?.after ?? 0) + 1) && growNow());
    let serverDown: Promise<unknown> | undefined;
    if (serverKill) {
      proxy.onBatch((n) => {
        if (n !== serverKill.atBatch) return;
        serverDown = sleep(serverKill.delayMs).then(async () => {
          log.push(`server kill -9 at batch ${n} + ${serverKill.delayMs} ms`);
          await server.kill9();
          if (serverKill.restartAtOnce) await server.restart();
        });
      });
    }

    let firstResult: CliResult;
    if (plan.trigger === "hook") {
      firstResult = await first.within(10_000);
      const pid = await waitForHookWorker(env, 5_000);
      if (pid) await waitGone(pid, plan.interrupt ? 30_000 : 90_000, () => victim!.kill("SIGKILL"));
    } else if (plan.trigger === "watch") {
      // Ctrl-C is how a watch ends anyway: stop it once its first pass is over (if nothing killed it yet).
      const stopAt = Date.now() + 8_000;
      while (first.running && !first.stdout.includes("Watching") && Date.now() < stopAt) await sleep(50);
      if (first.running && plan.grow === "during") {
        growNow();
        await sleep(1_500); // the watcher debounces, then syncs the appended lines (and may be interrupted)
      }
      first.kill("SIGINT");
      firstResult = await first.within(10_000);
    } else {
      firstResult = await first.within(60_000);
    }
    await serverDown;
    log.push(`first run: exit ${firstResult.code ?? firstResult.signal}, ${proxy.batches} batches seen, ${proxy.delivered} answered, ${proxy.faulted} faulted`);
    if (!server.running) await server.restart();

    // --- the server is reachable again ---
    proxy.heal();
    const firstSnapshot = plan.checkStatus ? await snapshot(client, { home }) : undefined;
    if (plan.checkStatus && !grown) failures.push(...(await statusMustNotLie(env, firstSnapshot!, await world.templateReference(plan.template))));
    if (plan.grow !== "none") growNow();

    // --- exactly one more sync (or hook trigger) ---
    if (plan.trigger === "hook") {
      const again = await runCli(["hook", "claude-code", "Stop"], env, { stdin: hookPayload(hookTarget), timeoutMs: 10_000 });
      if (again.code !== 0) failures.push(`the second hook exited ${again.code}`);
      if (!(await waitForHookIdle(env, 90_000))) failures.push("the hook worker did not finish (queue not drained) within 90 s");
    } else {
      const last = await runCli(["sync", "--json"], env, { timeoutMs: 90_000 });
      log.push(`final sync: exit ${last.code ?? last.signal}`);
      if (last.code !== 0) failures.push(`the one sync after the fault exited ${last.code ?? last.signal}: ${(last.stderr || last.stdout).trim().slice(0, 300)}`);
    }

    // --- the invariant ---
    const got = await snapshot(client, { home, only });
    const want = grown ? await world.referenceOf(server, home, only) : only ? filterSnapshot(await world.templateReference(plan.template), only) : await world.templateReference(plan.template);
    const diff = compare(got, want);
    if (diff.length) failures.push(`server holds ${summarize(got)}, the files ${summarize(want)}:`, ...diff.slice(0, 12), ...(diff.length > 12 ? [`... and ${diff.length - 12} more differences`] : []));
    failures.push(...compareCounts(got, counts, only).slice(0, 6));
    log.push("checked");
    if (failures.length) log.push(...logTail(home));
    if (process.env.FAULT_VERBOSE) process.stderr.write(`${describeCase(plan)}\n  ${log.join("\n  ")}\n`);
    return { failures, log };
  } finally {
    const pid = hookWorkerPid(env);
    if (pid) await killPid(pid, "SIGKILL");
    await proxy.close();
    if (plan.serverKill) await server.cleanup();
    if (process.env.FAULT_KEEP) process.stderr.write(`kept ${home}\n`);
    else rmSync(home, { recursive: true, force: true });
  }
}

/** The last lines of the CLI's own logs (hook worker, rejections), for a failure message. */
function logTail(home: string): string[] {
  const dir = join(home, ".opensync/logs");
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) =>
    readFileSync(join(dir, name), "utf8").trim().split("\n").slice(-8).map((line) => `${name}: ${line.slice(0, 300)}`),
  );
}

async function waitGone(pid: number, ms: number, onTimeout: () => void): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) return onTimeout();
    await sleep(25);
  }
}

function filterSnapshot(s: Snapshot, only: Set<string>): Snapshot {
  return { sessions: new Map([...s.sessions].filter(([id]) => only.has(id))), totals: {} };
}

interface StatusJson {
  agents: Array<{ agent: string; found: number; synced: number; pending: number; [k: string]: unknown }>;
}

/**
 * `opensync status` never says "synced" for a unit whose content is not all acknowledged: an
 * agent whose sessions the server does not fully hold must show pending sources.
 */
async function statusMustNotLie(env: NodeJS.ProcessEnv, held: Snapshot, files: Snapshot): Promise<string[]> {
  const incomplete = new Set<string>();
  for (const [id, want] of files.sessions) {
    const got = held.sessions.get(id);
    if (!got || [...want.messages.keys()].some((m) => !got.messages.has(m))) incomplete.add(String(want.session.source));
  }
  if (!incomplete.size) return [];
  const r = await runCli(["status", "--json"], env, { timeoutMs: 30_000 });
  let status: StatusJson;
  try {
    status = JSON.parse(r.stdout) as StatusJson;
  } catch {
    return [`status --json printed no JSON (exit ${r.code}): ${r.stderr.slice(0, 200)}`];
  }
  return [...incomplete]
    .map((agent) => status.agents.find((a) => a.agent === agent))
    .filter((a) => a && a.pending === 0)
    .map((a) => `status says every ${a!.agent} source is synced (pending 0) while the server does not hold all of its messages`);
}
