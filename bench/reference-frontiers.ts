/**
 * Reference frontiers of the quality problems too large to enumerate (llm-hybrid, fbnet): the non-dominated union
 * of long runs of several strategies, written to bench/data/reference-frontiers.json for the quality bench.
 *
 *   nice node --import tsx bench/reference-frontiers.ts [--evaluations 30000] [--seeds 2]
 *
 * Each strategy in RUNS runs `--evaluations` distinct candidates for each of `--seeds` seeds (seeds 1001.., apart
 * from the bench's 1..5).
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { paretoIndices } from '../core/pareto.js';
import { getStrategy } from '../search/strategies/index.js';
import { PROBLEMS, REFERENCE_FRONTIERS_FILE } from './lib/search-quality.js';

const RUNS: readonly { readonly strategy: string; readonly options: Readonly<Record<string, unknown>> }[] = [
  { strategy: 'nsga2', options: {} },
  { strategy: 'nsga2', options: { populationSize: 50 } },
  { strategy: 'nsga2', options: { populationSize: 200 } },
  { strategy: 'roofline', options: {} },
  { strategy: 'random', options: {} },
];

const { values } = parseArgs({
  options: {
    evaluations: { type: 'string', default: '30000' },
    seeds: { type: 'string', default: '2' },
    problems: { type: 'string', default: 'llm-hybrid,fbnet' },
  },
});
const evaluations = Number(values.evaluations);
const seeds = Number(values.seeds);
const out: Record<string, unknown> = existsSync(REFERENCE_FRONTIERS_FILE) ? JSON.parse(readFileSync(REFERENCE_FRONTIERS_FILE, 'utf8')) : {};
for (const id of values.problems.split(',')) {
  const problem = PROBLEMS[id]();
  const found: number[][] = [];
  const t0 = performance.now();
  for (const run of RUNS) {
    for (let s = 0; s < seeds; s++) {
      const seed = 1001 + s;
      const strategy = getStrategy(run.strategy).create({
        space: problem.space,
        objectiveCount: problem.objectives.length,
        seed,
        options: { ...problem.strategyOptions[run.strategy], ...run.options },
        objectives: problem.objectives,
        constraints: problem.constraints,
      });
      const seen = new Set<string>();
      let barren = 0;
      while (seen.size < evaluations && barren < 200 && !strategy.done()) {
        const asked = strategy.ask(Math.min(64, evaluations - seen.size));
        const before = seen.size;
        const results = asked.map((g) => {
          const r = problem.evaluate(g);
          const key = problem.space.key(g);
          if (!seen.has(key)) {
            seen.add(key);
            if (r.violation <= 0) found.push(r.objectives as number[]);
          }
          return r;
        });
        barren = seen.size === before ? barren + 1 : 0;
        if (asked.length > 0) strategy.tell(results);
      }
      // Keep only the running frontier: the union of every run's non-dominated points.
      const front = paretoIndices(found).map((i) => found[i]);
      found.length = 0;
      found.push(...front);
      console.error(`${id}: ${run.strategy} ${JSON.stringify(run.options)} seed ${seed}: ${seen.size} distinct; union frontier ${front.length} points (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  }
  const unique = [...new Map(found.map((p) => [p.join(','), p])).values()].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  out[id] = {
    description: problem.description,
    objectives: problem.objectives.map((o) => `${o.direction}:${o.metric}`),
    note: 'minimisation vectors (maximised objectives negated)',
    runs: RUNS.map((r) => ({ ...r, seeds: Array.from({ length: seeds }, (_, s) => 1001 + s), evaluations })),
    points: unique,
  };
}
mkdirSync(dirname(REFERENCE_FRONTIERS_FILE), { recursive: true });
writeFileSync(REFERENCE_FRONTIERS_FILE, JSON.stringify(out, null, 1) + '\n');
console.error(`wrote ${REFERENCE_FRONTIERS_FILE}`);
