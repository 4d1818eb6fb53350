import type { Detector } from "./detector.js";

/**
 * One pass (two when some triggers ignore case) over a string that tells which detectors can
 * possibly match it. After each hit every detector not yet seen is tried at that position, and
 * the scan resumes one character later, so overlapping triggers (`sk-` / `sk-ant-`,
 * `SECRET_ACCESS_KEY` / `ACCESS_KEY`) all register.
 */
export interface TriggerHits {
  /** Per detector: does its trigger occur? */
  hit: boolean[];
  /**
   * Per detector whose trigger asks for `everyOccurrence`: every position where its trigger
   * occurs, ascending (an empty list when it does not occur); `undefined` for the others.
   */
  occurrences: Array<number[] | undefined>;
}

/**
 * A long text is searched in a one-byte copy of it: each UTF-16 unit narrowed to its low byte
 * (Latin-1), so every index is the same and every ASCII character is kept. Irregexp searches
 * one-byte strings faster, and tool output is mostly two-byte (one `→` or `│` makes it so): 200 MB
 * of tool-heavy history, the two scans 0.54 -> 0.40 s with the copies (0.04 s) included.
 *
 * Sound because a trigger matches ASCII characters only (`asciiOnly` checks each source; without
 * the `u` flag, `i` never folds a non-ASCII character to an ASCII one): wherever a trigger occurs
 * in the text, the same characters sit at the same index in the copy. The copy can also match
 * where the text does not (a character such as U+4E41 narrows to `A`), so every position found is
 * checked again on the text itself by the member's own sticky regex, as before.
 */
const ONE_BYTE_COPY_FROM = 16_384;
function oneByteCopy(text: string): string {
  if (text.length < ONE_BYTE_COPY_FROM || typeof Buffer === "undefined") return text;
  const copy = Buffer.from(text, "latin1").toString("latin1");
  // One character per UTF-16 unit, or the indices would not be the text's (a runtime other than
  // Node, e.g. OpenCode's Bun for the plugin, that encoded "latin1" otherwise): then the text itself.
  return copy.length === text.length ? copy : text;
}

/**
 * Whether a trigger can match ASCII characters only: literal ASCII, classes of them, groups,
 * alternation, `?`, and the escapes `\.`, `\/`, `\-`. Anything else (`.`, `[^`, `\w`, a Unicode
 * escape, a non-ASCII character) keeps its group searching the text itself.
 */
function asciiOnly(source: string): boolean {
  const unescaped = source.replace(/\\[./-]/g, "");
  return /^[A-Za-z0-9_ :/|()?\[\]-]*$/.test(unescaped);
}

export function createTriggerScan(detectors: readonly Detector[]): (text: string) => TriggerHits {
  const groups = [false, true]
    .map((ignoreCase) => {
      const members = detectors
        .map((d, index) => ({ index, trigger: d.trigger }))
        .filter((m) => Boolean(m.trigger.ignoreCase) === ignoreCase);
      if (members.length === 0) return undefined;
      const flags = ignoreCase ? "i" : "";
      return {
        any: new RegExp(members.map((m) => `(?:${m.trigger.source})`).join("|"), `g${flags}`),
        oneByte: members.every((m) => asciiOnly(m.trigger.source)),
        members: members.map((m) => ({
          index: m.index,
          every: m.trigger.everyOccurrence === true,
          at: new RegExp(`(?:${m.trigger.source})`, `y${flags}`),
        })),
      };
    })
    .filter((g) => g !== undefined);

  return (text) => {
    const hit = new Array<boolean>(detectors.length).fill(false);
    const occurrences = new Array<number[] | undefined>(detectors.length).fill(undefined);
    let copy: string | undefined;
    for (const { any, oneByte, members } of groups) {
      const haystack = oneByte ? (copy ??= oneByteCopy(text)) : text;
      // The scan may stop once every member was seen, unless one wants all its occurrences.
      let left = members.length;
      for (const member of members) {
        if (member.every) {
          occurrences[member.index] = [];
          left = Infinity;
        }
      }
      any.lastIndex = 0;
      // Every position where some trigger of the group starts is visited: the regex finds the
      // leftmost one from `lastIndex`, and the scan goes on from the next character.
      for (let m = any.exec(haystack); m !== null && left > 0; m = any.exec(haystack)) {
        for (const member of members) {
          if (hit[member.index] && !member.every) continue;
          member.at.lastIndex = m.index;
          if (member.at.test(text)) {
            if (member.every) occurrences[member.index]!.push(m.index);
            if (!hit[member.index]) {
              hit[member.index] = true;
              left--;
            }
          }
        }
        any.lastIndex = m.index + 1;
      }
    }
    return { hit, occurrences };
  };
}
