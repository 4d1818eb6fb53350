import { describe, expect, it } from "vitest";
import { envSecretDetector } from "./envSecret.js";
import { FORMAT_DETECTORS } from "./patterns.js";
import { createRedactor } from "./redactor.js";
import { createTriggerScan } from "./triggerScan.js";

const DETECTORS = [...FORMAT_DETECTORS, envSecretDetector];
const ENV = DETECTORS.length - 1;
const scan = createTriggerScan(DETECTORS);

/** Every start position of the env-secret trigger, found the slow way. */
function envTriggerPositions(text: string): number[] {
  const at = new RegExp(`(?:${envSecretDetector.trigger.source})`, "iy");
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    at.lastIndex = i;
    if (at.test(text)) out.push(i);
  }
  return out;
}

// Texts where the order and overlap of keywords matter: a keyword inside another name, inside a
// kept value, overlapping triggers, mixed case, names that are not secrets, values over lines.
const TEXTS = [
  "DB_PASSWORD=hunter2 and API_KEY=abc123def",
  "secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY then SECRET_TOKEN=s3cr3t",
  "passwordtoken=x9y8z7 accessToken=abc9 max_tokens=4096 tokenizer=cl100k",
  'const token = getToken(); password: string; "apiKey": "a8f5f167f44f"',
  "OPENAI_API_KEY=${OPENAI_API_KEY:-} GITHUB_TOKEN=${TOKEN} TOKEN=tok3n_value",
  "PaSsWoRd = 'Hunter2' SeCrEt_KeY := \"zz9\" --api-key=k-123 private_key: pk9",
  "eos_token=</s> nextPageToken=CAUQAA token token token=t0k3n secretsecret=ss1",
  "x-api-key: k-456\naccess-key=AK9\npasswd=p4ss\npwd=nope",
  '\\"password\\": \\"hunter2\\", \\"token\\": \\"${T}\\"',
  "no keywords here at all, just prose about tokens and secrets and passwords.",
  `${"filler ".repeat(500)}TOKEN=late_value9 ${"more ".repeat(200)}password=p9`,
];

describe("createTriggerScan: every occurrence (issue 8)", () => {
  it("lists every position of a trigger that asks for all of them, overlapping ones included", () => {
    for (const text of TEXTS) {
      expect(scan(text).occurrences[ENV]).toEqual(envTriggerPositions(text));
      expect(scan(text).hit[ENV]).toBe(envTriggerPositions(text).length > 0);
    }
  });

  it("keeps scanning after every other trigger was seen", () => {
    const text = "Bearer x secret_access_key y " + "token ".repeat(5);
    const hits = scan(text);
    expect(hits.occurrences[ENV]).toEqual(envTriggerPositions(text));
    expect(hits.occurrences[ENV]!.length).toBe(7);
  });

  it("collects positions only for triggers that ask for them", () => {
    const hits = scan("sk-ant-x sk-y token");
    expect(hits.occurrences.filter((o) => o !== undefined)).toHaveLength(1);
    expect(hits.occurrences[ENV]).toEqual([14]);
  });
});

describe("env-secret at the trigger's occurrences (issue 8)", () => {
  it("redacts exactly as its own search over the whole text", () => {
    for (const text of TEXTS) {
      const occurrences = scan(text).occurrences[ENV]!;
      expect(envSecretDetector.redact(text, occurrences)).toBe(envSecretDetector.redact(text));
    }
  });

  it("matches its own search on random mixes of keywords, separators and values", () => {
    const pieces = ["token", "TOKEN", "pass", "word", "password", "secret", "_key", "api", "-", "_", "key", "access", "private",
      "=", ": ", ":=", "==", "=>", '"', "'", "`", "\\", "${X}", "hunter2", "abc", "9", " ", "\n", ".", "(", ")", "max_", "eos_"];
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    let redacted = 0;
    for (let t = 0; t < 2000; t++) {
      let text = "";
      const n = 5 + rand(40);
      for (let i = 0; i < n; i++) text += pieces[rand(pieces.length)];
      const occurrences = scan(text).occurrences[ENV]!;
      const expected = envSecretDetector.redact(text);
      expect(envSecretDetector.redact(text, occurrences)).toBe(expected);
      if (expected !== text) redacted++;
    }
    expect(redacted).toBeGreaterThan(200); // the mixes do hold secrets
  });

  it("still redacts after an earlier detector changed the text (positions are then not used)", () => {
    const redactor = createRedactor();
    const gh = ["ghp_", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z5A"].join("");
    expect(redactor.redactText(`GH=${gh} TOKEN=abc123 then password=hunter2`)).toBe(
      "GH=[REDACTED:github-token] TOKEN=[REDACTED:env-secret] then password=[REDACTED:env-secret]",
    );
  });
});

describe("long texts are searched in a one-byte copy (issue 8)", () => {
  /** What the scan must find, the slow way: each detector's trigger tried at every position of the text itself. */
  function expected(text: string) {
    const hit: boolean[] = [];
    const occurrences: Array<number[] | undefined> = [];
    for (const d of DETECTORS) {
      const at = new RegExp(`(?:${d.trigger.source})`, d.trigger.ignoreCase ? "iy" : "y");
      const found: number[] = [];
      for (let i = 0; i < text.length; i++) {
        at.lastIndex = i;
        if (at.test(text)) found.push(i);
      }
      hit.push(found.length > 0);
      occurrences.push(d.trigger.everyOccurrence ? found : undefined);
    }
    return { hit, occurrences };
  }

  // Characters that narrow to an ASCII letter or symbol of a trigger (U+4E41 -> "A", U+4B49 -> "I",
  // U+2D2D -> "-", U+3A3A -> ":"), characters that case-fold to ASCII only with the `u` flag (Kelvin
  // sign, long s, dotless i), and the two-byte characters real tool output is full of.
  const traps = ["\u4e41KIA", "AK\u4b49A", "sk\u2d2d", "\u3a3a//", "\u212a", "to\u212aen", "\u017fecret", "\u0131", "→", "│", "├──", "✓", "🚀", "日本語"];
  const words = ["token", "TOKEN=abc123", "password: hunter2", "Bearer ", "sk-ant-", "sk-", "AKIA", "ghp_", "eyJ", "https://", "hooks.slack.com", "xoxb-", "rk_live_", "AIza", "-----BEGIN ", "secret_access_key", "plain words ", "\n"];

  it("finds exactly what a search of the text itself finds, false friends of the copy included", () => {
    let seed = 11;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let t = 0; t < 40; t++) {
      let text = "";
      while (text.length < 17_000 + rand(8_000)) {
        const r = rand(10);
        text += r < 3 ? traps[rand(traps.length)] : r < 5 ? words[rand(words.length)] : "lorem ipsum dolor ".slice(0, 1 + rand(18));
      }
      expect(scan(text), `text ${t}`).toEqual(expected(text));
    }
  });

  it("does not report a trigger that only the copy holds", () => {
    const text = `${"│ ".repeat(9_000)}\u4e41KIA sk\u2d2d \u3a3a// to\u212aen`;
    const hits = scan(text);
    expect(hits).toEqual(expected(text));
    expect(hits.hit.every((h) => !h)).toBe(true);
  });

  it("finds triggers among two-byte characters at their true positions", () => {
    const text = `${"→ ".repeat(9_000)}TOKEN=abc123 ghp_x ${"├── ".repeat(100)}password=p9`;
    const hits = scan(text);
    expect(hits).toEqual(expected(text));
    expect(hits.occurrences[ENV]).toEqual([18_000, text.indexOf("password")]);
  });
});
