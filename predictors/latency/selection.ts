/**
 * Which adaptation method a predictor uses by default, per number of measurements, chosen on the meta-validation
 * devices only (never on the devices it is evaluated on). Candidates, simplest first:
 *   'ridge-only'   — closed-form ridge on the source devices' lookup-table features (no meta-learning);
 *   'ridge-prior'  — the same ridge shrunk toward the source devices' mean weights (closed-form meta-learning);
 *   'meta-learned' — the meta-learned network (Meta-SGD) on top of the ridge head.
 * The rule takes whichever has the highest mean Spearman ρ over the meta-validation (device, draw) pairs; a tie goes
 * to the simpler method.
 */
export const ADAPT_METHODS = ['ridge-only', 'ridge-prior', 'meta-learned'] as const;
export type AdaptMethod = (typeof ADAPT_METHODS)[number];

export interface RuleEntry {
  /** Number of measurements this entry covers: from here up to the next entry's. */
  readonly measurements: number;
  readonly method: AdaptMethod;
  /** Mean meta-validation Spearman ρ of each candidate scored. */
  readonly validSpearman: Partial<Record<AdaptMethod, number>>;
}

/**
 * The rule entry for `measurements` given each candidate's Spearman ρ per (device, draw) pair. Candidates missing
 * from `scores` are not considered.
 */
export function chooseMethod(measurements: number, scores: Partial<Record<AdaptMethod, readonly number[]>>): RuleEntry {
  const candidates = ADAPT_METHODS.filter((m) => scores[m] !== undefined && scores[m]!.length > 0);
  if (candidates.length === 0) throw new Error('chooseMethod: no candidate scores');
  const mean = (v: readonly number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const validSpearman = Object.fromEntries(candidates.map((m) => [m, mean(scores[m]!)])) as Partial<Record<AdaptMethod, number>>;
  // Candidates are simplest first: a later one replaces the choice only when strictly better.
  const method = candidates.reduce((best, m) => (validSpearman[m]! > validSpearman[best]! ? m : best));
  return { measurements, method, validSpearman };
}

/** The entry for a user's number of measurements: the largest grid point not above it (the first when below all). */
export function ruleFor(rule: readonly RuleEntry[], measurements: number): RuleEntry {
  if (rule.length === 0) throw new Error('the predictor has no default-method rule');
  const sorted = [...rule].sort((a, b) => a.measurements - b.measurements);
  return sorted.filter((e) => e.measurements <= measurements).at(-1) ?? sorted[0];
}
