/**
 * Search quality of every strategy on four problems (bench/lib/search-quality.ts): llm-codesign and nb201 against
 * their exact frontiers, llm-hybrid and fbnet against the frontiers of long reference runs. For each strategy,
 * 5 seeds, at two budgets of distinct candidates (1% and 5% of a finite space; 400 and 2,000 otherwise): the share
 * of the reference frontier found, IGD, the hypervolume ratio, and asks per distinct candidate.
 *
 *   npm run bench -- --only strategy-quality            (all four problems, about two minutes on a quiet machine)
 *   HWNAS_QUALITY_PROBLEMS=llm-codesign npm run bench -- --only strategy-quality
 *
 * With --full, 10 seeds instead of 5. HWNAS_QUALITY_TABLE=file.md also writes the figures as one markdown table per
 * problem (bench/results/strategy-quality.md is such a run).
 */
import { writeFileSync } from 'node:fs';
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
  const table: string[] = [`Search quality, mean of ${seeds} seeds (npm run bench -- --only strategy-quality).`, ''];
  for (const id of problems) {
    const problem = PROBLEMS[id]();
    const ref = referenceFor(problem);
    results.push({ name: `${id}: ${problem.exact ? 'exact' : 'reference'} frontier (${problem.description})`, value: ref.keys.size, unit: 'points' });
    const [b1, b2] = problem.budgets.map((b) => `${b.label} (${b.evaluations})`);
    table.push(
      `## ${problem.description}: ${ref.keys.size} points`,
      '',
      `| strategy | found, ${b1} | IGD | HV ratio | found, ${b2} | IGD | HV ratio | asks per distinct |`,
      '|---|---|---|---|---|---|---|---|',
    );
    for (const strategy of QUALITY_STRATEGIES) {
      const runs: Score[][] = Array.from({ length: seeds }, (_, s) => runStrategy(problem, strategy, s + 1));
      const cells: string[] = [];
      problem.budgets.forEach((budget, k) => {
        const at = runs.map((r) => r[k]);
        const label = `${id} ${strategy} at ${budget.label} (${budget.evaluations})`;
        const share = 100 * mean(at.map((s) => s.share));
        const igdMean = mean(at.map((s) => s.igd));
        const hv = mean(at.map((s) => s.hvRatio));
        results.push({ name: `${label}: frontier found, mean of ${seeds}`, value: share, unit: '%' });
        results.push({ name: `${label}: IGD`, value: igdMean, unit: 'normalised' });
        results.push({ name: `${label}: HV ratio`, value: hv, unit: 'ratio' });
        results.push({ name: `${label}: asks per distinct candidate`, value: mean(at.map((s) => s.asks / s.distinct)), unit: 'ratio' });
        cells.push(`${share.toFixed(1)}%`, igdMean.toFixed(4), hv.toFixed(4));
      });
      const last = runs.map((r) => r[r.length - 1]);
      table.push(`| ${strategy} | ${cells.join(' | ')} | ${mean(last.map((s) => s.asks / s.distinct)).toFixed(3)} |`);
    }
    table.push('');
  }
  if (process.env.HWNAS_QUALITY_TABLE) writeFileSync(process.env.HWNAS_QUALITY_TABLE, table.join('\n'));
  return results;
}
