/** Edit distance counting a swap of neighbours as one edit ("bnid" → "bind"), for "did you mean" hints. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The closest of `options` to `input` when it is plausibly a typo of it. */
export function closestMatch(input: string, options: readonly string[]): string | undefined {
  const lowered = input.toLowerCase();
  let best: { option: string; score: number } | undefined;
  for (const option of options) {
    const score = distance(lowered, option.toLowerCase());
    if (!best || score < best.score) best = { option, score };
  }
  if (!best) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(input.length, best.option.length) / 3));
  return best.score <= allowed ? best.option : undefined;
}

/** " (did you mean "bind"?)" or "". */
export function didYouMean(input: string, options: readonly string[]): string {
  const match = closestMatch(input, options);
  return match ? ` (did you mean "${match}"?)` : "";
}
