/**
 * Tool outputs of the "tool-heavy" corpus shape (issue 8): 10-80 KB per result, long lines, and
 * the non-ASCII characters real tool output is full of: test reporters' ✓ × →, box-drawing tables
 * and trees (─ │ ├ └ ╔ ═ ║), status emoji (✅ ❌ ⚠️ 🚀 🙂) and, in some projects, CJK in comments,
 * log messages and file names. Most lines are ASCII; a few outputs are mostly CJK; some lines are
 * several KB long (minified JSON, single-line logs of a request body, a minified bundle read whole).
 */
import { codeLines, filePath, identifier, languageOf, sentence } from "./text.mjs";

/** @typedef {import("./rng.mjs").Rng} Rng */

const CJK = [
  "处理用户请求失败", "缓存已更新", "数据库连接超时", "请检查配置文件", "测试通过", "找不到文件", "正在构建项目",
  "ファイルが見つかりません", "接続を再試行しています", "設定を読み込みました", "テストに失敗しました",
  "사용자 세션이 만료되었습니다", "빌드 완료",
];
const EMOJI = ["✅", "❌", "⚠️", "🚀", "🙂", "🔥", "📦", "✨", "🐛"];
const ARROWS = ["→", "←", "⇒", "↳", "…"];

/** A sentence, sometimes with a CJK phrase or an emoji (`flavour` sets how often). @param {Rng} rng */
function mixedSentence(rng, flavour) {
  let s = sentence(rng, 4, 14);
  if (rng.chance(flavour.cjk)) s = rng.chance(0.5) ? `${rng.pick(CJK)}: ${s}` : `${s} (${rng.pick(CJK)})`;
  if (rng.chance(flavour.emoji)) s = `${rng.pick(EMOJI)} ${s}`;
  return s;
}

/** A JSON value of roughly `bytes` characters, printed on one line (a request body, a config). @param {Rng} rng */
function longJsonLine(rng, bytes, flavour) {
  const obj = {};
  let size = 2;
  while (size < bytes) {
    const key = identifier(rng);
    const value = rng.chance(0.3)
      ? Array.from({ length: rng.int(3, 12) }, () => ({ id: rng.hex(12), name: identifier(rng), count: rng.int(0, 9999) }))
      : rng.chance(0.5) ? mixedSentence(rng, flavour) : rng.int(0, 1e9);
    obj[`${key}_${rng.hex(4)}`] = value;
    size += key.length + 8 + JSON.stringify(value).length;
  }
  return JSON.stringify(obj);
}

/** A test run: ✓ / × lines, arrows in assertion diffs, a box-drawing summary. @param {Rng} rng */
function testRun(rng, targetBytes, flavour, push, size) {
  while (size() < targetBytes) {
    const ok = rng.chance(0.92);
    push(` ${ok ? "✓" : "×"} src/${identifier(rng)}.test.ts > ${identifier(rng)} ${rng.pick(ARROWS)} ${mixedSentence(rng, flavour).replace(/[.:?]$/, "")} ${rng.int(1, 900)}ms`);
    if (!ok) {
      push(`   AssertionError: expected ${rng.int(0, 99)} to be ${rng.int(100, 999)} // Object.is equality`);
      push(`   ❯ src/${identifier(rng)}.ts:${rng.int(1, 400)}:${rng.int(1, 60)}`);
      push(`   - Expected  ${rng.pick(ARROWS)} ${longJsonLine(rng, rng.int(200, 1_500), flavour)}`);
      push(`   + Received  ${rng.pick(ARROWS)} ${longJsonLine(rng, rng.int(200, 1_500), flavour)}`);
    }
  }
  const w = 46;
  push(`╔${"═".repeat(w)}╗`);
  push(`║ ${"Test Files".padEnd(14)}${`${rng.int(1, 9)} failed │ ${rng.int(10, 90)} passed`.padEnd(w - 16)} ║`);
  push(`║ ${"Tests".padEnd(14)}${`${rng.int(1, 40)} failed │ ${rng.int(100, 900)} passed`.padEnd(w - 16)} ║`);
  push(`╚${"═".repeat(w)}╝`);
}

/** Structured logs, some lines carrying a whole request body on one line. @param {Rng} rng */
function logLines(rng, targetBytes, flavour, push, size) {
  let ms = rng.int(0, 1e9);
  while (size() < targetBytes) {
    ms += rng.int(1, 5_000);
    const level = rng.weighted({ INFO: 6, DEBUG: 3, WARN: 1, ERROR: 0.5 });
    const ts = new Date(1_748_736_000_000 + ms).toISOString();
    if (rng.chance(0.12)) push(`${ts} ${level} request ${rng.pick(ARROWS)} ${longJsonLine(rng, rng.int(1_000, 6_000), flavour)}`);
    else push(`${ts} ${level.padEnd(5)} [${identifier(rng)}] ${mixedSentence(rng, flavour)}`);
  }
}

/** `tree` / `ls -R` with box-drawing branches. @param {Rng} rng */
function tree(rng, targetBytes, flavour, push, size, root) {
  push(root);
  while (size() < targetBytes) {
    const depth = rng.int(0, 3);
    const name = rng.chance(flavour.cjk / 2) ? `${rng.pick(CJK).slice(0, 4)}.md` : `${identifier(rng)}.${rng.pick(["ts", "tsx", "json", "md", "go"])}`;
    push(`${"│   ".repeat(depth)}${rng.chance(0.8) ? "├── " : "└── "}${name}`);
  }
  push(`\n${rng.int(20, 400)} directories, ${rng.int(100, 4_000)} files`);
}

/** A table as CLIs print them (docker, kubectl, psql), with box-drawing borders. @param {Rng} rng */
function table(rng, targetBytes, flavour, push, size) {
  const widths = [14, 26, 10, 40];
  const border = (l, m, r) => l + widths.map((n) => "─".repeat(n + 2)).join(m) + r;
  const row = (cells) => "│" + cells.map((c, i) => ` ${String(c).slice(0, widths[i]).padEnd(widths[i])} `).join("│") + "│";
  push(border("┌", "┬", "┐"));
  push(row(["id", "name", "status", "note"]));
  push(border("├", "┼", "┤"));
  while (size() < targetBytes) push(row([rng.hex(12), identifier(rng), rng.pick(["running ✓", "exited ×", "pending …"]), mixedSentence(rng, flavour)]));
  push(border("└", "┴", "┘"));
}

/** Source files, some with CJK comments, some minified onto a few very long lines. @param {Rng} rng */
export function heavyFileContent(rng, path, targetBytes, flavour) {
  const lang = languageOf(path);
  if (rng.chance(0.15)) {
    // A minified bundle or a JSON fixture: a few lines of 4-30 KB each.
    const lines = [];
    let size = 0;
    while (size < targetBytes) {
      const line = rng.chance(0.5) ? longJsonLine(rng, rng.int(4_000, 30_000), flavour) : codeLines(rng, "js", rng.int(60, 400)).map((l) => l.trim()).join("");
      lines.push(line);
      size += line.length + 1;
    }
    return lines;
  }
  const lines = [];
  let size = 0;
  while (size < targetBytes) {
    for (const code of codeLines(rng, lang, 8)) {
      const line = rng.chance(flavour.cjk / 3) ? `${code} // ${rng.pick(CJK)}` : code;
      lines.push(line);
      size += line.length + 1;
    }
  }
  return lines;
}

/**
 * How much non-ASCII a session's outputs carry: most projects a sprinkle of symbols, one in five
 * writes logs and comments in Chinese, Japanese or Korean.
 * @param {Rng} rng
 */
export function outputFlavour(rng) {
  return rng.chance(0.2) ? { cjk: 0.35, emoji: 0.05 } : { cjk: 0.01, emoji: 0.02 };
}

/** The output of a shell command, 10-80 KB. @param {Rng} rng */
export function heavyShellOutput(rng, command, targetBytes, flavour, root) {
  const lines = [];
  let bytes = 0;
  const push = (line) => {
    lines.push(line);
    bytes += line.length + 1;
  };
  const size = () => bytes;
  if (/test|vitest|pytest|cargo/.test(command)) testRun(rng, targetBytes, flavour, push, size);
  else if (command.startsWith("ls")) tree(rng, targetBytes, flavour, push, size, root);
  else if (command.startsWith("curl") || command.startsWith("git")) logLines(rng, targetBytes, flavour, push, size);
  else rng.chance(0.5) ? table(rng, targetBytes, flavour, push, size) : logLines(rng, targetBytes, flavour, push, size);
  return lines.join("\n");
}

/** Search hits, some of them inside minified files (one hit, one very long line). @param {Rng} rng */
export function heavyGrepOutput(rng, root, targetBytes, flavour) {
  const lines = [];
  let size = 0;
  while (size < targetBytes) {
    const text = rng.chance(0.05) ? longJsonLine(rng, rng.int(2_000, 8_000), flavour) : codeLines(rng, "ts", 1)[0].trim() + (rng.chance(flavour.cjk / 2) ? ` // ${rng.pick(CJK)}` : "");
    const line = `${filePath(rng, root)}:${rng.int(1, 600)}:${text}`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join("\n");
}
