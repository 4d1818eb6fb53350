import type { Detector } from "./detector.js";
import { envSecretDetector, isSecretField } from "./envSecret.js";
import { marker } from "./marker.js";
import { FORMAT_DETECTORS } from "./patterns.js";
import { createTriggerScan } from "./triggerScan.js";

const BUILT_IN: readonly Detector[] = [...FORMAT_DETECTORS, envSecretDetector];

/** Every built-in kind, in the order the detectors run. Stable identifiers. */
export const REDACTION_KINDS: readonly string[] = BUILT_IN.map((d) => d.kind);

export interface ExtraPattern {
  kind: string;
  /** The whole match is replaced, or only the named group `secret` when the regex has one. */
  regex: RegExp;
}

export interface RedactorOptions {
  /** Turn redaction off entirely (text passes through unchanged). */
  disabled?: boolean;
  /** Built-in kinds to skip. Unknown names are ignored (a newer config on an older client). */
  disable?: readonly string[];
  /** Site-specific patterns; they run after the built-in ones. */
  extra?: readonly ExtraPattern[];
}

export interface Redactor {
  redactText(text: string): string;
  /**
   * Deep walk of JSON-shaped data: strings inside plain objects and arrays are redacted, keys are
   * left alone (a key such as `password` or `apiKey` does mark its string value as a secret).
   * Objects and arrays are copied only along paths where something changed, so an unchanged
   * value comes back as the very same reference.
   */
  redactValue<T>(value: T): T;
  /** The kinds this redactor replaces. */
  readonly kinds: readonly string[];
}

/** No secret this module knows is shorter than this, so shorter strings skip every detector. */
const MIN_SECRET_TEXT = 8;
/**
 * Long texts redacted last, remembered: callers often redact the same long text twice in a row
 * (a tool message's `textContent` is its output, which `redactValue(parts)` meets again), and
 * redaction is a pure function of the text. Comparing a text with a remembered one of another
 * length costs nothing; of the same length, at most one pass.
 */
const REMEMBER_FROM_LENGTH = 4096;
const REMEMBERED = 4;

export function createRedactor(options: RedactorOptions = {}): Redactor {
  if (options.disabled) {
    return { redactText: (text) => text, redactValue: (value) => value, kinds: [] };
  }
  const skipped = new Set(options.disable ?? []);
  const builtIn = BUILT_IN.filter((d) => !skipped.has(d.kind));
  const extra = (options.extra ?? []).map(extraDetector);
  const scan = createTriggerScan(builtIn);

  const remembered: Array<{ text: string; redacted: string }> = [];

  function redactText(text: string): string {
    if (text.length < REMEMBER_FROM_LENGTH) return scanAndRedact(text);
    for (const r of remembered) if (r.text === text) return r.redacted;
    const redacted = scanAndRedact(text);
    if (remembered.unshift({ text, redacted }) > REMEMBERED) remembered.pop();
    return redacted;
  }

  function scanAndRedact(text: string): string {
    if (text.length < MIN_SECRET_TEXT) return text;
    let out = text;
    // Triggers are looked for in the original text only: a replacement marker never creates a
    // secret, so a detector not triggered before cannot find one afterwards.
    const { hit, occurrences } = scan(text);
    for (let i = 0; i < builtIn.length; i++) {
      // Trigger positions are the original text's: valid while no earlier detector changed it.
      if (hit[i]) out = out === text ? builtIn[i]!.redact(out, occurrences[i]) : builtIn[i]!.redact(out);
    }
    for (const detector of extra) out = detector.redact(out);
    return out;
  }

  // Parsed JSON (tool-call args) loses the `"password": "..."` text the env-secret rule reads,
  // so the walk applies it to object fields directly: the key stays, the value goes.
  const fieldMark = marker(envSecretDetector.kind);
  const redactField = skipped.has(envSecretDetector.kind)
    ? redactText
    : (value: string, key: string) => (isSecretField(key, value) ? fieldMark : redactText(value));

  function redactValue<T>(value: T): T {
    return walk(value, redactText, redactField) as T;
  }

  return { redactText, redactValue, kinds: [...builtIn, ...extra].map((d) => d.kind) };
}

type RedactField = (value: string, key: string) => string;

function walk(value: unknown, redactText: (s: string) => string, redactField: RedactField): unknown {
  if (typeof value === "string") return redactText(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const next = walk(value[i], redactText, redactField);
      if (next !== value[i]) {
        copy ??= value.slice();
        copy[i] = next;
      }
    }
    return copy ?? value;
  }
  if (isPlainObject(value)) {
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(value)) {
      const field = value[key];
      const next = typeof field === "string" ? redactField(field, key) : walk(field, redactText, redactField);
      if (next !== field) {
        copy ??= { ...value };
        copy[key] = next;
      }
    }
    return copy ?? value;
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function extraDetector({ kind, regex }: ExtraPattern): Pick<Detector, "kind" | "redact"> {
  let flags = regex.flags;
  if (!flags.includes("g")) flags += "g";
  if (!flags.includes("d")) flags += "d";
  const pattern = new RegExp(regex.source, flags);
  const replacement = marker(kind);
  return {
    kind,
    redact(text) {
      pattern.lastIndex = 0;
      let out = "";
      let last = 0;
      let changed = false;
      for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
        if (m[0].length === 0) pattern.lastIndex++;
        const span = m.indices?.groups?.secret ?? m.indices?.[0];
        if (!span || span[0] === span[1] || span[0] < last) continue;
        out += text.slice(last, span[0]) + replacement;
        last = span[1];
        changed = true;
      }
      return changed ? out + text.slice(last) : text;
    },
  };
}
