/** A toy space and driver for strategy tests: cheap metrics computed straight from the genes. */
import { NB201_OPS, type Nb201Architecture } from '../../../core/architecture.js';
import { paretoIndices } from '../../../core/pareto.js';
import { createRng } from '../../../core/rng.js';
import { defineGridSpace, type Genes, type SearchSpace } from '../../../core/space.js';
import type { Evaluated, StrategyFactory } from '../../../search/strategy.js';

/** A grid of `genes.length` ordinal genes with `choices` values each (plus one categorical gene when asked). */
export function toySpace(sizes: readonly number[], categorical = 0): SearchSpace<Nb201Architecture> {
  const genes = sizes.map((n, i) => ({ name: `x${i}`, choices: Array.from({ length: n }, (_, k) => k), ordinal: true }));
  if (categorical > 0) genes.push({ name: 'c', choices: Array.from({ length: categorical }, (_, k) => k), ordinal: false });
  return defineGridSpace({
    id: 'toy',
    description: 'toy grid',
    genes,
    // The architecture is irrelevant to these tests; any valid one will do.
    decode: (_values, g): Nb201Architecture => ({ family: 'nb201', edges: g.slice(0, 6).map((v) => NB201_OPS[v % 5]) }),
  });
}

export type Problem = (g: Genes) => { objectives: number[]; violation: number };

export function evaluate(problem: Problem, genes: Genes): Evaluated {
  const { objectives, violation } = problem(genes);
  // Metrics named as the MnasNet reward expects: the first objective as loss, the second as latency.
  return { genes, objectives, violation, metrics: { loss: objectives[0], latencyMs: objectives[1] ?? objectives[0] } };
}

/**
 * Drives a strategy for `evaluations` candidates with asks of random size and tells of random subsets in random
 * order (decided by the driver's own generator, so two runs make the same calls if the strategy answers the same).
 * With `checkpoint`, the strategy's state is round-tripped through JSON and the strategy rebuilt at random points,
 * including between an ask and the tell of its candidates. Returns every asked candidate's key, in order.
 */
export function drive(
  factory: StrategyFactory<any>,
  space: SearchSpace,
  problem: Problem,
  opts: { seed: number; evaluations: number; objectiveCount: number; options?: Record<string, unknown>; checkpoint?: boolean; driverSeed?: number },
): { asked: string[]; evaluated: Evaluated[]; restores: number; strategyState: unknown } {
  const ctx = { space, objectiveCount: opts.objectiveCount, seed: opts.seed, options: opts.options ?? {} };
  let strategy = factory.create(ctx);
  const driver = createRng(opts.driverSeed ?? 99);
  const outstanding: Genes[] = [];
  const asked: string[] = [];
  const evaluated: Evaluated[] = [];
  let restores = 0;
  let idle = 0;
  while (evaluated.length < opts.evaluations && !strategy.done()) {
    // Always draw, so that the driver makes the same calls with and without checkpoints.
    const restoreNow = driver.next() < 0.15;
    if (opts.checkpoint && restoreNow) {
      strategy = factory.create(ctx, JSON.parse(JSON.stringify(strategy.state())));
      restores++;
    }
    if (outstanding.length === 0 || driver.next() < 0.5) {
      const got = strategy.ask(1 + driver.int(12));
      for (const g of got) asked.push(space.key(g));
      outstanding.push(...got);
      if (got.length === 0 && outstanding.length === 0) {
        if (++idle > 3) throw new Error('strategy asks nothing and waits for nothing');
      } else idle = 0;
    } else {
      // Tell a random subset in random order.
      const k = 1 + driver.int(outstanding.length);
      const batch: Evaluated[] = [];
      for (let i = 0; i < k; i++) {
        const [g] = outstanding.splice(driver.int(outstanding.length), 1);
        batch.push(evaluate(problem, g));
      }
      strategy.tell(batch);
      evaluated.push(...batch);
    }
  }
  return { asked, evaluated, restores, strategyState: strategy.state() };
}

/** Keys of the exact feasible Pareto front of a finite space. */
export function exactFront(space: SearchSpace, problem: Problem): string[] {
  const all = [...space.enumerate!()];
  const scores = all.map(problem);
  const idx = paretoIndices(
    scores.map((s) => s.objectives),
    scores.map((s) => s.violation),
  );
  return idx.map((i) => space.key(all[i])).sort();
}

/** Keys of the feasible non-dominated candidates among those evaluated. */
export function foundFront(space: SearchSpace, evaluated: readonly Evaluated[]): string[] {
  const idx = paretoIndices(
    evaluated.map((e) => e.objectives),
    evaluated.map((e) => e.violation),
  );
  return [...new Set(idx.map((i) => space.key(evaluated[i].genes)))].sort();
}
