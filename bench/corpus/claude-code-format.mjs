/**
 * Writer: corpus sessions -> a Claude Code history on disk, as Claude Code 2.1 writes it:
 * `<config dir>/projects/<encoded cwd>/<sessionId>.jsonl`, and subagent transcripts in
 * `<sessionId>/subagents/agent-<id>.jsonl` (+ `.meta.json`).
 *
 * Line shapes (key order, envelope fields, the payloads of the non-message lines) are those the
 * real claude 2.1.330 wrote for the collector's fixtures (packages/collectors/src/agents/claude-code/
 * fixtures/real-session.jsonl and real-subagent-config/): the big constant payloads (tool schemas in
 * `api-request-shape`, `prompt_snapshot`, `skill_listing`, ...) are taken from that file as they are.
 * - an assistant response is written as one line per content block (thinking, text, tool_use),
 *   every line carrying the same message.id, requestId and input/cache usage, while output_tokens
 *   grows from line to line and only the last line holds the billed count (as the API's streamed,
 *   cumulative usage does; ccusage keeps the first line and undercounts it);
 * - each tool result is its own user line with one tool_result block, plus `toolUseResult`;
 * - around them, the non-message lines of recent versions in a mix modelled on those files:
 *   queue-operation, attachment (environment, model, skill_listing, date, prompt_snapshot, ...),
 *   api-request / api-request-shape / api-request-blob, tools-used, last-prompt, atis-latch,
 *   cost-state, system stop_hook_summary, plus file-history-snapshot, progress (hook and agent
 *   progress, whose nested usage must not be counted), ai-title / custom-title, summary lines,
 *   compaction (system compact_boundary + an isCompactSummary user line), /command meta lines,
 *   interruptions and synthetic API-error messages.
 * Not in those files, so modelled from older real transcripts: the `toolUseResult` of Read, Edit,
 * Write and Grep, file-history-snapshot, progress and compaction lines.
 *
 * Everything is seeded: same seed and size, same bytes.
 */
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Rng } from "./rng.mjs";
import { generateSession } from "./sessions.mjs";
import { codeLines, languageOf, paragraph, sentence } from "./text.mjs";

/** @typedef {import("./sessions.mjs").Session} Session */
/** @typedef {import("./sessions.mjs").Entry} Entry */

/** Bump when the bytes written change, so cached corpora are regenerated. */
export const CLAUDE_CODE_FORMAT_VERSION = 4;

const FIXTURES = fileURLToPath(new URL("../../packages/collectors/src/agents/claude-code/fixtures/", import.meta.url));

/** The real 2.1.330 lines, by type (attachments by attachment type), in file order. */
function loadTemplates() {
  const byKind = new Map();
  for (const text of readFileSync(join(FIXTURES, "real-session.jsonl"), "utf8").split("\n")) {
    if (!text.trim()) continue;
    const line = JSON.parse(text);
    const kind = line.type === "attachment" ? `attachment:${line.attachment.type}` : line.type;
    if (!byKind.has(kind)) byKind.set(kind, []);
    byKind.get(kind).push(line);
  }
  const one = (kind, i = 0) => {
    const t = byKind.get(kind)?.[i];
    if (!t) throw new Error(`claude-code-format: the fixture has no ${kind} line #${i}`);
    return t;
  };
  return {
    startAttachments: ["environment", "model", "deferred_tools_delta", "agent_listing_delta", "skill_listing", "auto_mode"].map((k) => one(`attachment:${k}`)),
    contextAttachments: ["session_context", "date", "remote_session_change"].map((k) => one(`attachment:${k}`)),
    promptSnapshot: one("attachment:prompt_snapshot", 0), // system prompt only (~7.5 KB)
    promptSnapshotWithTools: one("attachment:prompt_snapshot", 1), // + every tool schema (~56 KB)
    requestShape: one("api-request-shape"), // ~38 KB
    userBlob: one("api-request-blob", 0),
    systemBlob: one("api-request-blob", 1),
    firstRequest: one("api-request", 0),
    nextRequest: one("api-request", 1),
    costState: one("cost-state"),
    stopHookSummary: one("system"),
  };
}

let templates;

/** Files listed in a file-history-snapshot (most recently edited first out of the window). */
const MAX_TRACKED_FILES = 25;

const iso = (ms) => new Date(ms).toISOString();
const ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** @param {Rng} rng */
const alnum = (rng, n) => {
  let s = "";
  for (let i = 0; i < n; i++) s += ALNUM[rng.int(0, ALNUM.length - 1)];
  return s;
};

/** A label for the corpus' line mix: type, and what kind of user/assistant/attachment/... line. */
export function lineKind(obj) {
  switch (obj.type) {
    case "user": {
      const c = obj.message.content;
      if (Array.isArray(c) && c[0]?.type === "tool_result") return "user: tool_result";
      if (obj.isCompactSummary) return "user: compact summary";
      return obj.isMeta || (typeof c === "string" && c.startsWith("<")) ? "user: meta / command" : "user: prompt";
    }
    case "assistant":
      return `assistant: ${obj.message.content[0]?.type}`;
    case "attachment":
      return `attachment: ${obj.attachment.type}`;
    case "progress":
      return `progress: ${obj.data.type}`;
    case "system":
      return `system: ${obj.subtype}`;
    default:
      return obj.type;
  }
}

/** Claude Code names a project folder after its cwd, every non-alphanumeric character a dash. */
export const encodeProjectDir = (cwd) => cwd.replace(/[^a-zA-Z0-9]/g, "-");

/** Writes one transcript file: the main conversation or one subagent's. */
class TranscriptWriter {
  /**
   * @param {{ line: (text: string) => void }} sink
   * @param {Rng} rng the writer's own generator (the session model has its own)
   * @param {Session} session
   * @param {{ agentId?: string, promptId?: string, shiftMs?: number }} sidechain set for subagent files
   */
  constructor(sink, rng, session, sidechain) {
    this.sink = sink;
    this.rng = rng;
    this.s = session;
    this.agentId = sidechain?.agentId;
    this.shift = sidechain?.shiftMs ?? 0;
    this.parent = null;
    this.promptId = sidechain?.promptId ?? rng.uuid();
    this.promptIndex = -1;
    this.requests = 0;
    /** toolUseId -> tool_use input, for the results' `toolUseResult`. */
    this.toolInputs = new Map();
    /** Files edited so far (file-history-snapshot). */
    this.tracked = new Map();
    this.sawToolResult = false;
    this.titled = false;
  }

  get sidechain() {
    return this.agentId !== undefined;
  }

  emit(obj) {
    this.sink.line(JSON.stringify(obj), lineKind(obj));
  }

  at(ms) {
    return iso(ms + this.shift);
  }

  tail() {
    return { userType: "external", entrypoint: "sdk-cli", cwd: this.s.projectPath, sessionId: this.s.id, version: this.s.agentVersion, gitBranch: this.s.gitBranch };
  }

  /** `sessionId` then, in a subagent file, `agentId`: the order of the non-chain lines. */
  ids() {
    return this.sidechain ? { sessionId: this.s.id, agentId: this.agentId } : { sessionId: this.s.id };
  }

  chainHead() {
    const uuid = this.rng.uuid();
    const head = { parentUuid: this.parent, isSidechain: this.sidechain };
    this.parent = uuid;
    return { head, uuid };
  }

  /** An attachment line: the real payload, this session's envelope. */
  attachment(template, ms, payload = template.attachment) {
    const { head, uuid } = this.chainHead();
    this.emit({ ...head, ...template, ...head, attachment: payload, uuid, timestamp: this.at(ms), ...this.tail() });
  }

  user(ms, content, extra = {}) {
    const { head, uuid } = this.chainHead();
    const prompt = typeof content === "string" && !this.sidechain && !extra.isMeta && !extra.isCompactSummary;
    this.emit({
      ...head,
      promptId: this.promptId,
      ...(this.sidechain ? { agentId: this.agentId } : {}),
      type: "user",
      message: { role: "user", content },
      uuid,
      timestamp: this.at(ms),
      ...(prompt ? { permissionMode: "bypassPermissions", promptSource: "sdk", turnOrigin: "sdk", turnPosition: { promptIndex: this.promptIndex, turnIndex: 1 } } : {}),
      ...extra,
      ...this.tail(),
    });
    return uuid;
  }

  queueOperations(ms, text) {
    this.emit({ type: "queue-operation", operation: "enqueue", timestamp: this.at(ms - 40), sessionId: this.s.id, content: text });
    this.emit({ type: "queue-operation", operation: "dequeue", timestamp: this.at(ms - 39), sessionId: this.s.id });
  }

  /** The API call an assistant message answers: api-request (+ its shape and blobs the first time). */
  apiRequest(ms, model, promptText) {
    const t = templates;
    const id = this.rng.uuid();
    if (this.requests === 0 || this.rng.chance(0.01)) {
      this.emit({ ...t.requestShape, ...this.ids(), shapeHash: this.rng.hex(64), timestamp: this.at(ms - 5), version: this.s.agentVersion });
    }
    const tail = [];
    if (promptText !== undefined) {
      const hash = this.rng.hex(64);
      const content = [...t.userBlob.message.content.slice(0, -1), { type: "text", text: promptText }];
      this.emit({ type: "api-request-blob", ...this.ids(), hash, message: { ...t.userBlob.message, content } });
      tail.push(hash);
      if (this.requests === 0) {
        const sys = this.rng.hex(64);
        this.emit({ ...t.systemBlob, ...this.ids(), hash: sys });
        tail.push(sys);
      }
    }
    while (tail.length < 2) tail.push(this.rng.hex(64));
    const template = this.requests === 0 ? t.firstRequest : t.nextRequest;
    this.emit({
      ...template,
      ...this.ids(),
      id,
      timestamp: this.at(ms - 3),
      version: this.s.agentVersion,
      params: { ...template.params, model },
      ...(this.requests > 0 ? { base: this.rng.uuid(), keep: this.rng.int(2, 40) } : {}),
      tail,
      requestDigest: this.rng.hex(64),
    });
    this.requests++;
    return id;
  }

  /** A user prompt and what Claude Code writes around it before the first request. */
  prompt(e) {
    this.promptIndex++;
    if (!this.sidechain) this.promptId = this.rng.uuid();
    const t = templates;
    const first = this.promptIndex === 0;
    if (!this.sidechain && this.rng.chance(0.5)) this.queueOperations(e.at, e.text);
    const userUuid = this.user(e.at, e.text);
    if (first) {
      for (const a of t.startAttachments) {
        if (this.sidechain && a.attachment.type === "auto_mode") continue;
        const payload = a.attachment.type === "environment" ? { ...a.attachment, snapshot: { ...a.attachment.snapshot, workingDirectory: this.s.projectPath } } : a.attachment;
        this.attachment(a, e.at - 1, payload);
      }
      if (!this.sidechain) this.emit({ type: "atis-latch", atis: "", sessionId: this.s.id });
      for (const a of t.contextAttachments) {
        this.attachment(a, e.at + 20, a.attachment.type === "date" ? { type: "date", date: this.at(e.at).slice(0, 10) } : a.attachment);
      }
    } else if (this.rng.chance(0.05)) {
      this.attachment(t.contextAttachments[1], e.at + 20, { type: "date", date: this.at(e.at).slice(0, 10) });
    }
    if (first || this.rng.chance(0.2)) this.attachment(t.promptSnapshot, e.at + 25);
    if (!this.sidechain) this.fileHistorySnapshot(userUuid, e.at, false);
    this.pendingPrompt = e.text;
  }

  fileHistorySnapshot(messageId, ms, update) {
    const trackedFileBackups = {};
    for (const [path, version] of this.tracked) {
      trackedFileBackups[path] = { backupFileName: `${this.rng.hex(16)}@v${version}`, version, backupTime: this.at(ms) };
    }
    this.emit({ type: "file-history-snapshot", messageId, snapshot: { messageId, trackedFileBackups, timestamp: this.at(ms) }, isSnapshotUpdate: update });
  }

  /** One API response, streamed: a line per content block; output_tokens reaches its final count on the last line. */
  assistant(e, { requestId = `req_011C${alnum(this.rng, 20)}`, stopReason } = {}) {
    const requestRef = this.apiRequest(e.at, e.model, this.pendingPrompt);
    this.pendingPrompt = undefined;
    const toolNames = e.blocks.filter((b) => b.type === "tool_use").map((b) => b.name);
    if (toolNames.length && this.rng.chance(0.5)) this.emit({ type: "tools-used", tools: [...new Set(toolNames)], ...this.ids() });
    const usage = {
      input_tokens: e.usage.input,
      cache_creation_input_tokens: e.usage.cacheWrite,
      cache_read_input_tokens: e.usage.cacheRead,
      output_tokens: e.usage.output,
      output_tokens_details: { thinking_tokens: 0 },
      server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
      service_tier: "standard",
      cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: e.usage.cacheWrite },
      inference_geo: "",
      iterations: [],
      speed: "standard",
      fallback_credit: null,
    };
    const stop_reason = stopReason ?? (toolNames.length ? "tool_use" : "end_turn");
    let ms = e.at;
    let lastUuid;
    // Partial output counts on all but the last line: what had streamed when each block was written.
    const outputSoFar = (i) => (i === e.blocks.length - 1 ? e.usage.output : Math.max(1, Math.floor((e.usage.output * i) / e.blocks.length)));
    e.blocks.forEach((b, apiBlockIndex) => {
      const content =
        b.type === "thinking"
          ? { type: "thinking", thinking: b.text, signature: this.rng.hex(88) }
          : b.type === "text"
            ? { type: "text", text: b.text }
            : { type: "tool_use", id: b.id, name: b.name, input: b.input };
      if (b.type === "tool_use") this.toolInputs.set(b.id, { name: b.name, input: b.input });
      const { head, uuid } = this.chainHead();
      lastUuid = uuid;
      this.emit({
        ...head,
        ...(this.sidechain ? { agentId: this.agentId } : {}),
        message: { id: e.id, type: "message", role: "assistant", model: e.model, content: [content], stop_reason, stop_sequence: null, usage: { ...usage, output_tokens: outputSoFar(apiBlockIndex) }, stop_details: null },
        ...(b.type === "thinking" ? { thinkingDurationMs: this.rng.int(200, 9_000) } : {}),
        ...(b.type === "tool_use" ? { toolInputStreamMs: this.rng.int(1, 400) } : {}),
        apiBlockIndex,
        requestId,
        requestRef,
        requestedModel: e.model,
        promptCacheRequested: "5m",
        ...(this.sidechain ? { attributionAgent: "general-purpose" } : {}),
        type: "assistant",
        uuid,
        timestamp: this.at(ms),
        effort: "medium",
        perTurnEffort: "medium",
        madeBy: "model",
        ...this.tail(),
      });
      ms += this.rng.int(5, 900);
    });
    if (this.sidechain) return lastUuid;
    for (const b of e.blocks) {
      if (b.type === "tool_use" && this.rng.chance(0.2)) this.hookProgress(ms, b);
    }
    if (toolNames.length) {
      if (this.rng.chance(0.3)) this.emit({ type: "last-prompt", lastPrompt: this.s.title, leafUuid: lastUuid, sessionId: this.s.id });
      if (this.rng.chance(0.3)) this.emit({ type: "atis-latch", atis: "", sessionId: this.s.id });
    } else {
      this.endOfTurn(ms, lastUuid);
    }
    return lastUuid;
  }

  hookProgress(ms, toolUse) {
    this.emit({
      parentUuid: this.parent,
      isSidechain: false,
      ...this.tail(),
      type: "progress",
      data: { type: "hook_progress", hookEvent: "PostToolUse", hookName: `PostToolUse:${toolUse.name}`, command: "opensync hook claude-code PostToolUse" },
      parentToolUseID: toolUse.id,
      toolUseID: toolUse.id,
      timestamp: this.at(ms),
      uuid: this.rng.uuid(),
    });
  }

  endOfTurn(ms, leafUuid) {
    const t = templates;
    if (this.rng.chance(0.5)) {
      const { head, uuid } = this.chainHead();
      this.emit({ ...head, ...t.stopHookSummary, ...head, timestamp: this.at(ms + 8), uuid, toolUseID: this.rng.uuid(), ...this.tail() });
      leafUuid = uuid;
    }
    if (!this.titled && this.rng.chance(0.7)) {
      this.emit({ type: "ai-title", aiTitle: sentence(this.rng, 3, 8).replace(/[.:?]$/, ""), sessionId: this.s.id });
      this.titled = true;
    }
    if (this.rng.chance(0.02)) this.emit({ type: "custom-title", customTitle: sentence(this.rng, 2, 5).replace(/[.:?]$/, ""), sessionId: this.s.id });
    this.emit({ type: "last-prompt", lastPrompt: this.s.title, leafUuid, sessionId: this.s.id });
    if (this.rng.chance(0.5)) this.emit({ type: "atis-latch", atis: "", sessionId: this.s.id });
    if (this.rng.chance(0.3)) {
      this.emit({ ...t.costState, sessionId: this.s.id, totalCostUSD: this.rng.int(1, 90_000) / 1000, startTime: this.s.createdAt + this.shift });
    }
  }

  /** Each result of a tool call as its own user line, with the tool's structured result. */
  toolResults(e) {
    let ms = e.at;
    for (const r of e.results) {
      const call = this.toolInputs.get(r.toolUseId);
      this.toolInputs.delete(r.toolUseId);
      const assistantUuid = this.parent;
      const { head, uuid } = this.chainHead();
      this.emit({
        ...head,
        promptId: this.promptId,
        ...(this.sidechain ? { agentId: this.agentId } : {}),
        type: "user",
        message: { role: "user", content: [{ tool_use_id: r.toolUseId, type: "tool_result", content: r.output, is_error: r.isError }] },
        uuid,
        timestamp: this.at(ms),
        toolUseResult: this.toolUseResult(r, call?.input ?? {}),
        ...(r.toolName === "Bash" ? { sandboxed: false } : {}),
        sourceToolAssistantUUID: assistantUuid,
        permissionDecision: { decision: "accept", source: "config", reasonType: "mode" },
        ...this.tail(),
      });
      if ((r.toolName === "Edit" || r.toolName === "Write") && call) {
        const version = (this.tracked.get(call.input.file_path) ?? 0) + 1;
        this.tracked.delete(call.input.file_path);
        this.tracked.set(call.input.file_path, version);
        // A session edits a working set of files, not every path the generator ever made up.
        if (this.tracked.size > MAX_TRACKED_FILES) this.tracked.delete(this.tracked.keys().next().value);
        if (!this.sidechain && this.rng.chance(0.5)) this.fileHistorySnapshot(uuid, ms, true);
      }
      ms += this.rng.int(2, 60);
    }
    if (!this.sawToolResult) {
      this.sawToolResult = true;
      this.attachment(templates.promptSnapshotWithTools, ms);
    }
  }

  toolUseResult(r, input) {
    if (r.isError && r.toolName !== "Bash") return `Error: ${r.output.slice(0, 200)}`;
    switch (r.toolName) {
      case "Bash":
        return { stdout: r.output, stderr: "", interrupted: false, isImage: false, noOutputExpected: false };
      case "Read": {
        const content = r.output.replace(/^ *\d+\t/gm, "");
        const numLines = content.split("\n").length;
        return { type: "text", file: { filePath: input.file_path, content, numLines, startLine: 1, totalLines: numLines } };
      }
      case "Edit": {
        const lang = languageOf(input.file_path ?? "");
        const before = codeLines(this.rng, lang, this.rng.int(20, 90));
        const oldLines = String(input.old_string ?? "").split("\n");
        const newLines = String(input.new_string ?? "").split("\n");
        const at = this.rng.int(1, before.length);
        const originalFile = [...before.slice(0, at), ...oldLines, ...before.slice(at)].join("\n");
        const context = before.slice(Math.max(0, at - 3), at).map((l) => ` ${l}`);
        return {
          filePath: input.file_path,
          oldString: input.old_string,
          newString: input.new_string,
          originalFile,
          structuredPatch: [{ oldStart: Math.max(1, at - 2), oldLines: oldLines.length + context.length, newStart: Math.max(1, at - 2), newLines: newLines.length + context.length, lines: [...context, ...oldLines.map((l) => `-${l}`), ...newLines.map((l) => `+${l}`)] }],
          userModified: false,
          replaceAll: false,
        };
      }
      case "Write":
        return { type: "create", filePath: input.file_path, content: input.content, structuredPatch: [], originalFile: null };
      case "Grep": {
        const filenames = [...new Set(r.output.split("\n").map((l) => l.split(":")[0]))];
        return { mode: "content", numFiles: filenames.length, filenames: [], content: r.output, numLines: r.output.split("\n").length };
      }
      default:
        return r.output;
    }
  }

  /** A conversation compaction: the boundary, then the summary the model continues from. */
  compaction(ms) {
    const { head, uuid } = this.chainHead();
    const logicalParentUuid = head.parentUuid;
    this.emit({
      parentUuid: null,
      logicalParentUuid,
      isSidechain: false,
      type: "system",
      subtype: "compact_boundary",
      content: "Conversation compacted",
      isMeta: false,
      timestamp: this.at(ms),
      uuid,
      level: "info",
      compactMetadata: { trigger: "auto", preTokens: this.rng.int(150_000, 190_000) },
      ...this.tail(),
    });
    const summary = [
      "This session is being continued from a previous conversation that ran out of context. The conversation is summarized below:",
      "Analysis:",
      paragraph(this.rng, 3, 6),
      "Summary:",
      ...Array.from({ length: this.rng.int(4, 9) }, (_, i) => `${i + 1}. ${paragraph(this.rng, 1, 3)}`),
    ].join("\n");
    this.user(ms + 1, summary, { isVisibleInTranscriptOnly: true, isCompactSummary: true });
  }

  /** Slash-command noise at the start of a session: caveat, command, its output (isMeta / tags). */
  commandPreamble(ms) {
    this.user(ms - 3, "Caveat: The messages below were generated by the user while running local commands. DO NOT respond to these messages or otherwise consider them in your response unless the user explicitly asks you to.", { isMeta: true });
    const model = this.s.model.replace(/^claude-/, "").split("-")[0];
    this.user(ms - 2, `<command-name>/model</command-name>\n            <command-message>model</command-message>\n            <command-args>${model}</command-args>`);
    this.user(ms - 1, `<local-command-stdout>Set model to \u001b[1m${model} (${this.s.model})\u001b[22m</local-command-stdout>`);
  }

  interruption(ms) {
    this.user(ms, [{ type: "text", text: "[Request interrupted by user]" }]);
  }

  /** What Claude Code writes when a request fails for good: a made-up assistant message, zero usage. */
  syntheticError(ms) {
    this.assistant(
      {
        kind: "assistant",
        id: this.rng.uuid(),
        at: ms,
        model: "<synthetic>",
        blocks: [{ type: "text", text: 'API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' }],
        usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
        durationMs: 0,
      },
      { stopReason: "stop_sequence" },
    );
  }
}

/**
 * Writes a session (main file plus any subagent files). `open(relativePath)` returns a line sink.
 * @param {Session} session @param {Rng} rng the writer's own generator
 * @param {(relPath: string) => { line: (text: string) => void, close: () => void }} open
 * @param {"standard" | "tool-heavy"} [shape] the shape of the subagents' sessions too
 * @returns {{ subagents: number }}
 */
export function writeClaudeCodeSession(session, rng, open, shape = "standard") {
  templates ??= loadTemplates();
  const dir = encodeProjectDir(session.projectPath);
  const sink = open(`${dir}/${session.id}.jsonl`);
  const w = new TranscriptWriter(sink, rng, session);
  let subagents = 0;
  let sinceCompaction = 0;
  const compactEvery = rng.int(250, 450);

  if (rng.chance(0.15)) {
    for (let i = rng.int(1, 2); i > 0; i--) sink.line(JSON.stringify({ type: "summary", summary: sentence(rng, 3, 9).replace(/[.:?]$/, ""), leafUuid: rng.uuid() }), "summary");
  }
  if (rng.chance(0.1)) w.commandPreamble(session.createdAt);

  for (const e of session.entries) {
    sinceCompaction++;
    if (e.kind === "user") {
      if (sinceCompaction > compactEvery) {
        w.compaction(e.at - 2_000);
        sinceCompaction = 0;
      }
      w.prompt(e);
      if (rng.chance(0.04)) {
        writeSubagent(w, session, rng, e.at + 10, open, dir, shape);
        subagents++;
      }
    } else if (e.kind === "assistant") {
      if (rng.chance(0.003)) w.syntheticError(e.at - 500);
      w.assistant(e);
      if (rng.chance(0.01)) w.interruption(e.at + 1_000);
    } else {
      w.toolResults(e);
    }
  }
  sink.close();
  return { subagents };
}

/**
 * The main conversation delegates a task (Agent tool_use), the subagent's transcript goes to its
 * own file, the main file gets agent_progress lines (with nested usage nobody must count) and the
 * Agent tool's result.
 */
function writeSubagent(w, session, rng, at, open, dir, shape) {
  const agentId = `a${rng.hex(16)}`;
  const task = sentence(rng, 5, 14);
  const callId = `toolu_01${rng.hex(22)}`;
  const input = { description: sentence(rng, 2, 4).replace(/[.:?]$/, ""), prompt: task, subagent_type: "general-purpose", run_in_background: false };
  w.assistant({
    kind: "assistant",
    id: `msg_01${rng.hex(22)}`,
    at,
    model: session.model,
    blocks: [{ type: "text", text: sentence(rng, 6, 14) }, { type: "tool_use", id: callId, name: "Agent", input }],
    usage: { input: rng.int(3, 40), output: rng.int(60, 300), cacheRead: rng.int(10_000, 60_000), cacheWrite: rng.int(0, 3_000) },
    durationMs: rng.int(800, 6_000),
  });

  const sub = generateSession(rng.fork(), 0, rng.int(6, 40), shape);
  Object.assign(sub, { id: session.id, projectPath: session.projectPath, projectName: session.projectName, gitBranch: session.gitBranch, agentVersion: session.agentVersion, title: task });
  const first = sub.entries[0];
  if (first.kind === "user") first.text = task;
  const shiftMs = at + 500 - sub.createdAt;
  const subSink = open(`${dir}/${session.id}/subagents/agent-${agentId}.jsonl`);
  const sw = new TranscriptWriter(subSink, rng, sub, { agentId, promptId: w.promptId, shiftMs });
  let lastText = "";
  const usage = { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
  let progress = 0;
  for (const e of sub.entries) {
    if (e.kind === "user") sw.prompt(e);
    else if (e.kind === "assistant") {
      sw.assistant(e);
      usage.input_tokens += e.usage.input;
      usage.output_tokens += e.usage.output;
      usage.cache_read_input_tokens += e.usage.cacheRead;
      usage.cache_creation_input_tokens += e.usage.cacheWrite;
      lastText = e.blocks.filter((b) => b.type === "text").map((b) => b.text).join("\n") || lastText;
      if (progress++ < 3) {
        w.emit({
          parentUuid: w.parent,
          isSidechain: false,
          ...w.tail(),
          type: "progress",
          data: { type: "agent_progress", message: { type: "assistant", message: { id: e.id, type: "message", role: "assistant", model: e.model, content: e.blocks.slice(0, 1).map((b) => (b.type === "tool_use" ? { type: "tool_use", id: b.id, name: b.name, input: b.input } : { type: "text", text: b.text.slice(0, 400) })), usage: { input_tokens: e.usage.input, output_tokens: e.usage.output } }, timestamp: iso(e.at + shiftMs) }, prompt: task, agentId },
          toolUseID: `agent_msg_${rng.hex(24)}`,
          parentToolUseID: callId,
          uuid: rng.uuid(),
          timestamp: iso(e.at + shiftMs),
        });
      }
    } else sw.toolResults(e);
  }
  subSink.close();
  writeFileSync(
    join(w.sink.root, dir, session.id, "subagents", `agent-${agentId}.meta.json`),
    JSON.stringify({ agentType: "general-purpose", isBuiltIn: true, description: input.description, toolUseId: callId, spawnDepth: 1, requestShape: "foreground", requestNonInteractive: false, model: session.model, pickedEffortModel: session.model, finished: true }),
  );

  const doneAt = sub.updatedAt + shiftMs + 200;
  const content = [{ type: "text", text: lastText }];
  w.toolInputs.set(callId, { name: "Agent", input });
  const assistantUuid = w.parent;
  const { head, uuid } = w.chainHead();
  w.emit({
    ...head,
    promptId: w.promptId,
    type: "user",
    message: { role: "user", content: [{ tool_use_id: callId, type: "tool_result", content }] },
    uuid,
    timestamp: iso(doneAt),
    toolUseResult: {
      status: "completed", prompt: task, agentId, agentType: "general-purpose", toolsUsed: ["Bash", "Read"], content,
      resolvedModel: session.model, totalDurationMs: doneAt - at, totalTokens: Object.values(usage).reduce((a, b) => a + b, 0),
      totalToolUseCount: sub.entries.filter((e) => e.kind === "tool_results").length, usage, canContinueAgent: true,
    },
    sourceToolAssistantUUID: assistantUuid,
    permissionDecision: { decision: "accept", source: "config", reasonType: "mode" },
    ...w.tail(),
  });
  w.toolInputs.delete(callId);
}

/**
 * Buffered line sinks under `root`, created on demand; each remembers `root` for side files.
 * `mix` collects lines and bytes by line kind.
 */
function fileOpener(root, onBytes, mix) {
  return (relPath) => {
    const path = join(root, relPath);
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, "w");
    let buffer = [];
    let size = 0;
    const flush = () => {
      if (!buffer.length) return;
      const bytes = Buffer.from(buffer.join(""));
      writeSync(fd, bytes);
      onBytes(relPath, bytes.length);
      buffer = [];
      size = 0;
    };
    return {
      root,
      line(text, kind) {
        const m = mix.get(kind) ?? { lines: 0, bytes: 0 };
        m.lines++;
        m.bytes += Buffer.byteLength(text) + 1;
        mix.set(kind, m);
        buffer.push(text, "\n");
        size += text.length + 1;
        if (size > 1 << 20) flush();
      },
      close() {
        flush();
        closeSync(fd);
      },
    };
  };
}

/**
 * Rough transcript bytes per corpus entry (envelopes, streamed lines, toolUseResult, side lines),
 * by shape: a tool-heavy result is 10-80 KB, written twice (the tool_result and `toolUseResult`).
 */
const BYTES_PER_ENTRY = { standard: 6_000, "tool-heavy": 40_000 };

/** Entry ranges of ordinary sessions, picked uniformly: half of them are a few prompts long. */
const SHORT_SESSION_ENTRIES = [[2, 12], [2, 12], [2, 12], [12, 40], [12, 40], [40, 160]];

/**
 * How sessions are sized, as shares of the corpus bytes: a few very long sessions (each 9-15% of
 * the corpus: tens of MB at 200 MB), a band of 1-8 MB ones, and many ordinary ones (2-160 entries,
 * half of them under 12). Entry counts come from BYTES_PER_ENTRY; the file sizes follow.
 */
const PLAN = [
  { kind: "long", upTo: 0.36, entries: (rng, target, perEntry) => Math.round((target * rng.int(9, 15)) / 100 / perEntry) },
  { kind: "medium", upTo: 0.6, entries: (rng, target, perEntry) => Math.min(rng.int(170, 1_300), Math.round((target * 0.05) / perEntry)) },
  { kind: "short", upTo: 1, entries: (rng) => rng.int(...rng.pick(SHORT_SESSION_ENTRIES)) },
];

/**
 * Writes a Claude Code home of at least `targetBytes` of transcripts: `<home>/.claude/projects/...`.
 * @param {{ home: string, seed?: number, targetBytes: number, shape?: "standard" | "tool-heavy", log?: (line: string) => void }} options
 */
export function writeClaudeCodeHome({ home, seed = 1, targetBytes, shape = "standard", log = () => {} }) {
  const perEntry = BYTES_PER_ENTRY[shape];
  if (!perEntry) throw new Error(`unknown corpus shape "${shape}"`);
  const projects = join(home, ".claude", "projects");
  const stats = { files: 0, sessions: 0, subagentFiles: 0, projects: 0, bytes: 0, largestFile: 0 };
  const projectPaths = new Set();
  const fileBytes = new Map();
  const mix = new Map();
  const open = fileOpener(projects, (rel, n) => {
    stats.bytes += n;
    fileBytes.set(rel, (fileBytes.get(rel) ?? 0) + n);
  }, mix);
  const root = new Rng(seed);
  let index = 0;
  for (const band of PLAN) {
    while (stats.bytes < targetBytes * band.upTo) {
      const sessionRng = root.fork();
      const writerRng = root.fork();
      const session = generateSession(sessionRng, index, Math.max(2, band.entries(writerRng, targetBytes, perEntry)), shape);
      const before = stats.bytes;
      const { subagents } = writeClaudeCodeSession(session, writerRng, open, shape);
      stats.sessions++;
      projectPaths.add(session.projectPath);
      stats.subagentFiles += subagents;
      index++;
      if (band.kind !== "short") log(`  ${band.kind} session ${session.id}: ${session.entries.length} entries, ${((stats.bytes - before) / 1e6).toFixed(1)} MB`);
    }
  }
  stats.files = fileBytes.size;
  stats.projects = projectPaths.size;
  const sizes = [...fileBytes.values()].sort((a, b) => a - b);
  stats.largestFile = sizes.at(-1);
  stats.medianFile = sizes[Math.floor(sizes.length / 2)];
  stats.filesOver10MB = sizes.filter((n) => n > 10e6).length;
  stats.filesUnder100KB = sizes.filter((n) => n < 100e3).length;
  stats.lineMix = [...mix].map(([kind, m]) => ({ kind, ...m })).sort((a, b) => b.bytes - a.bytes);
  return stats;
}
