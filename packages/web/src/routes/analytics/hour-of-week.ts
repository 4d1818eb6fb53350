/** Activity by weekday (Monday first) and local hour: a 7 × 24 grid of summed values. */
export function hourOfWeek(entries: { at: number; value: number }[]): number[][] {
  const grid = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  for (const e of entries) {
    const d = new Date(e.at);
    grid[(d.getDay() + 6) % 7][d.getHours()] += e.value;
  }
  return grid;
}
