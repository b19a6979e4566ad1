/** Hypervolume ratio to the exact llm-codesign frontier after 1%, 2% and 5% of the space in evaluations, 10 seeds. */
import { codesignGrid, hvRatios } from './lib/codesign-quality.js';
import type { BenchResult } from './types.js';

export const QUALITY_STRATEGIES = ['random', 'nsga2', 'aging', 'anneal', 'roofline'];

export async function run(): Promise<BenchResult[]> {
  const grid = codesignGrid();
  const shares = [0.01, 0.02, 0.05];
  const budgets = shares.map((s) => Math.round(s * grid.size));
  const results: BenchResult[] = [{ name: 'exact frontier size (loss vs latency, memory<=2GiB)', value: grid.exactFront.length, unit: 'points' }];
  for (const id of QUALITY_STRATEGIES) {
    const perSeed = Array.from({ length: 10 }, (_, seed) => hvRatios(grid, id, seed + 1, budgets));
    shares.forEach((share, k) => {
      const xs = perSeed.map((r) => r[k].hv);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
      results.push({ name: `${id} HV ratio at ${share * 100}% (${budgets[k]} evals), mean of 10 seeds`, value: mean, unit: 'ratio' });
      results.push({ name: `${id} HV ratio at ${share * 100}%, std over seeds`, value: sd, unit: 'ratio' });
      const recovered = perSeed.reduce((a, r) => a + r[k].recovered, 0) / perSeed.length;
      results.push({ name: `${id} exact frontier points found at ${share * 100}%, mean`, value: recovered, unit: 'share' });
    });
  }
  return results;
}
