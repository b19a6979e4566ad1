/**
 * Search quality of every strategy on four problems (bench/lib/search-quality.ts): llm-codesign and nb201 against
 * their exact frontiers, llm-hybrid and fbnet against the frontiers of long reference runs. For each strategy,
 * 5 seeds, at two budgets of distinct candidates (1% and 5% of a finite space; 400 and 2,000 otherwise): the share
 * of the reference frontier found, IGD, the hypervolume ratio, and asks per distinct candidate.
 *
 *   npm run bench -- --only strategy-quality            (all four problems, about two minutes on a quiet machine)
 *   HWNAS_QUALITY_PROBLEMS=llm-codesign npm run bench -- --only strategy-quality
 *
 * With --full, 10 seeds instead of 5.
 */
import { STRATEGIES } from '../search/strategies/index.js';
import { PROBLEMS, referenceFor, runStrategy, type Score } from './lib/search-quality.js';
import type { BenchResult } from './types.js';

/** Every strategy but exhaustive (which is enumeration, not search). */
export const QUALITY_STRATEGIES = Object.keys(STRATEGIES).filter((id) => id !== 'exhaustive');

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export async function run(): Promise<BenchResult[]> {
  const seeds = process.env.HWNAS_BENCH_FULL === '1' ? 10 : 5;
  const problems = (process.env.HWNAS_QUALITY_PROBLEMS ?? Object.keys(PROBLEMS).join(',')).split(',');
  const results: BenchResult[] = [];
  for (const id of problems) {
    const problem = PROBLEMS[id]();
    const ref = referenceFor(problem);
    results.push({ name: `${id}: ${problem.exact ? 'exact' : 'reference'} frontier (${problem.description})`, value: ref.keys.size, unit: 'points' });
    for (const strategy of QUALITY_STRATEGIES) {
      const runs: Score[][] = Array.from({ length: seeds }, (_, s) => runStrategy(problem, strategy, s + 1));
      problem.budgets.forEach((budget, k) => {
        const at = runs.map((r) => r[k]);
        const label = `${id} ${strategy} at ${budget.label} (${budget.evaluations})`;
        results.push({ name: `${label}: frontier found, mean of ${seeds}`, value: 100 * mean(at.map((s) => s.share)), unit: '%' });
        results.push({ name: `${label}: IGD`, value: mean(at.map((s) => s.igd)), unit: 'normalised' });
        results.push({ name: `${label}: HV ratio`, value: mean(at.map((s) => s.hvRatio)), unit: 'ratio' });
        results.push({ name: `${label}: asks per distinct candidate`, value: mean(at.map((s) => s.asks / s.distinct)), unit: 'ratio' });
      });
    }
  }
  return results;
}
