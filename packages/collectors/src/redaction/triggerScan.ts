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
  /** Per detector: where its trigger first occurs (-1 when it does not). */
  firstAt: number[];
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
        members: members.map((m) => ({ index: m.index, at: new RegExp(`(?:${m.trigger.source})`, `y${flags}`) })),
      };
    })
    .filter((g) => g !== undefined);

  return (text) => {
    const hit = new Array<boolean>(detectors.length).fill(false);
    const firstAt = new Array<number>(detectors.length).fill(-1);
    for (const { any, members } of groups) {
      let left = members.length;
      any.lastIndex = 0;
      for (let m = any.exec(text); m !== null && left > 0; m = any.exec(text)) {
        for (const member of members) {
          if (hit[member.index]) continue;
          member.at.lastIndex = m.index;
          if (member.at.test(text)) {
            hit[member.index] = true;
            firstAt[member.index] = m.index;
            left--;
          }
        }
        any.lastIndex = m.index + 1;
      }
    }
    return { hit, firstAt };
  };
}
