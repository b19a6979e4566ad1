/**
 * "Did you mean …?" for names typed by a user (flags, spaces, strategies, metrics, config keys): the closest
 * valid name by edit distance, when it is close enough to be a likely typo.
 */

/** Levenshtein distance (insertions, deletions, substitutions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  if (s === t) return 0;
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= t.length; j++) {
      row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1)));
    }
    prev = row;
  }
  return prev[t.length];
}

/**
 * The valid name closest to `input`, if it is within a third of the input's length (at least 1, at most 3 edits)
 * or the input is a prefix of exactly one name; undefined otherwise.
 */
export function closest(input: string, valid: readonly string[]): string | undefined {
  if (input === '' || valid.length === 0) return undefined;
  const limit = Math.min(3, Math.max(1, Math.floor(input.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of valid) {
    const d = editDistance(input, name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  if (bestDistance <= limit) return best;
  const prefixed = valid.filter((name) => name.toLowerCase().startsWith(input.toLowerCase()));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** ` (did you mean 'x'?)` for a likely typo, else ''. `quote` wraps the suggestion (flags read better bare). */
export function didYouMean(input: string, valid: readonly string[], quote = "'"): string {
  const c = closest(input, valid);
  return c === undefined ? '' : ` (did you mean ${quote}${c}${quote}?)`;
}
