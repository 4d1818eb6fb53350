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
    for (const { any, members } of groups) {
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
      for (let m = any.exec(text); m !== null && left > 0; m = any.exec(text)) {
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
