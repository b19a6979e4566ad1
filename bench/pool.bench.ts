/**
 * Worker-thread speedup for an expensive evaluator: the slow test evaluator (CPU-bound, a fixed amount of
 * arithmetic per candidate) on 240 nb201 candidates, in-process against a piscina pool of 1 and 2 threads (tasks of 8
 * candidates). Pools are warmed first (worker start-up is paid once per study, not per batch).
 */
import { createRng } from '../core/rng.js';
import { nb201Space } from '../core/spaces/nb201.js';
import { createPoolEvaluator } from '../search/evaluate/pool.js';
import { createEvaluator, type EvaluatorSpec } from '../search/evaluate/registry.js';
import type { BenchResult } from './types.js';

/** A few milliseconds of square roots per candidate. */
const ITERATIONS = 1_000_000;
const N = 240;

export async function run(): Promise<BenchResult[]> {
  const spec: EvaluatorSpec = { kind: 'slow-test', costMs: 0, iterations: ITERATIONS };
  const rng = createRng(1);
  const archs = Array.from({ length: N }, () => nb201Space.decode(nb201Space.sample(rng)));
  const best = async (f: () => Promise<unknown>) => {
    let ms = Infinity;
    for (let rep = 0; rep < 3; rep++) {
      const t0 = performance.now();
      await f();
      ms = Math.min(ms, performance.now() - t0);
    }
    return ms;
  };
  const inProcess = await createEvaluator(spec);
  const inMs = await best(() => inProcess.evaluate(archs));
  const results: BenchResult[] = [
    { name: `in-process, ${N} candidates × ${ITERATIONS / 1e6}M square roots`, value: inMs, unit: 'ms' },
  ];
  for (const threads of [1, 2]) {
    const pool = createPoolEvaluator({ spec, threads, chunkSize: 8 });
    try {
      await pool.evaluate(archs.slice(0, threads * 8)); // warm: start the workers
      const ms = await best(() => pool.evaluate(archs));
      results.push({ name: `pool, ${threads} thread${threads > 1 ? 's' : ''}`, value: ms, unit: 'ms' });
      results.push({ name: `pool speedup over in-process, ${threads} thread${threads > 1 ? 's' : ''}`, value: inMs / ms, unit: 'x' });
    } finally {
      await pool.close();
    }
  }
  return results;
}
