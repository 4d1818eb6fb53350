import { isRedacted, marker } from "./marker.js";

/**
 * One kind of secret: a trigger for the shared pre-scan plus the replacement pass. The redactor
 * folds every trigger into one regex scan per string and runs `redact` only for detectors whose
 * trigger occurs, so ordinary text costs one or two linear scans, not one per kind.
 */
export interface Detector {
  readonly kind: string;
  /** Trigger: every secret of this kind contains a match of it. */
  readonly trigger: Trigger;
  /**
   * Returns `text` with every secret of this kind replaced (the same string if none).
   * `occurrences`, given only to a detector whose trigger asks for `everyOccurrence`, lists every
   * position (ascending) where the trigger occurs in `text`: a detector whose secrets all start at
   * an occurrence may look there only instead of scanning the text again (the env-secret pass over
   * long tool outputs, issue 8).
   */
  redact(text: string, occurrences?: readonly number[]): string;
}

export interface Trigger {
  /** Regex source without capturing groups, e.g. `gh[pousr]_|github_pat_`. */
  source: string;
  ignoreCase?: boolean;
  /** The trigger scan collects every position where the trigger occurs (see `redact`). */
  everyOccurrence?: boolean;
}

export interface RegexDetectorSpec {
  kind: string;
  trigger: Trigger;
  /**
   * Global regex. Without groups the whole match is the secret. With groups, group 1 is kept
   * (context such as `Bearer `) and group 2 is the secret; anything after is matched by lookahead.
   */
  pattern: RegExp;
  /** Extra check on the secret text; returning false leaves the match untouched. */
  accept?: (secret: string) => boolean;
}

export function regexDetector(spec: RegexDetectorSpec): Detector {
  const { kind, trigger, pattern, accept } = spec;
  if (!pattern.global) throw new Error(`redaction pattern for ${kind} must be global`);
  const replacement = marker(kind);
  const grouped = captureGroupCount(pattern) >= 2;
  return {
    kind,
    trigger,
    redact(text) {
      pattern.lastIndex = 0;
      return text.replace(pattern, (match: string, ...groups: unknown[]) => {
        const prefix = grouped ? ((groups[0] as string | undefined) ?? "") : "";
        const value = grouped ? ((groups[1] as string | undefined) ?? "") : match;
        if (value.length === 0 || isRedacted(value)) return match;
        if (accept && !accept(value)) return match;
        return prefix + replacement;
      });
    },
  };
}

function captureGroupCount(re: RegExp): number {
  return (new RegExp(`${re.source}|`).exec("")?.length ?? 1) - 1;
}

/** Digits and letters both present: real keys have both, words and identifiers often don't. */
export function hasDigitAndLetter(s: string): boolean {
  return /\d/.test(s) && /[A-Za-z]/.test(s);
}
